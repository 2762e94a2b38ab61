"""Photos of a project's progress: upload (checked, re-encoded, stored) and who may see which.

Officials upload for their units' projects; the place it was taken comes from the phone's
geolocation only when the person consented (the page asks) and is shown to the public only where
the project's own location is public (never for a sensitive site). The public sees a photo once an
approved report shows it; staff acting for the project see all of its photos.
"""

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.core.errors import Forbidden, Invalid, NotFound
from app.history import audit
from app.photos import queries as q
from app.photos import storage
from app.photos.processing import PhotoRefused, clean_photo
from app.progress.service import locked_project

MAX_CAPTION = 500


def _invalid(name: str, message: str) -> Invalid:
    return Invalid(("body", name), message)


def _place(lon: float | None, lat: float | None, accuracy: float | None) -> tuple[Any, Any, Any]:
    if lon is None and lat is None:
        return None, None, None
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        raise _invalid("lon", "give both lon and lat (WGS84 degrees), or neither")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _invalid("lat", "lon must lie in -180..180 and lat in -90..90")
    if accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0):
        raise _invalid("accuracy_m", "accuracy_m is a distance in metres, 0 or more")
    return lon, lat, accuracy


@dataclass(frozen=True)
class PhotoIn:
    """One photo as it arrives, with what the pipeline needs to take it in: its bytes, the data directory
    (PLANMAP_DATA_DIR) and pixel limit (PLANMAP_PHOTO_MAX_PIXELS), and what the uploader may add to it, a
    caption and (with consent) where it was taken. Every way a photo arrives builds one (`upload`,
    app.supervision's answers), and `store` takes it."""

    data: bytes
    data_dir: Path
    max_pixels: int
    caption: str = ""
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None


def upload(conn: Connection, principal: Principal, slug: str, photo: PhotoIn) -> dict[str, Any]:
    """Check, clean and store a photo for the project; the database row is written last (same transaction)."""
    project = locked_project(conn, principal, slug)
    return store(conn, principal, int(project.id), slug, photo)


def store(conn: Connection, principal: Principal, project_id: int, slug: str, photo: PhotoIn) -> dict[str, Any]:
    """Clean, store and audit a photo of a project the caller has already been allowed to add to.

    The one pipeline (re-encoding, bomb guard, no EXIF) for every way a photo arrives: `upload` for a
    project's own staff, app.supervision for the officials answering a ticket on it. Those callers decide
    who may add a photo; this function only refuses what is not a photo."""
    if len(photo.caption) > MAX_CAPTION:
        raise _invalid("caption", f"a caption has at most {MAX_CAPTION} characters")
    place = _place(photo.lon, photo.lat, photo.accuracy_m)
    try:
        clean = clean_photo(photo.data, photo.max_pixels)
    except PhotoRefused as refused:
        raise _invalid("photo", str(refused)) from None
    storage.store(photo.data_dir, clean.sha256, clean.jpeg, clean.thumbnail)
    photo_id = int(
        conn.execute(
            q.INSERT_PHOTO,
            {"project_id": project_id, "sha256": clean.sha256, "bytes": len(clean.jpeg), "width": clean.width,
             "height": clean.height, "caption": photo.caption.strip(), "lon": place[0], "lat": place[1],
             "accuracy": place[2], "user": principal.user_id},
        ).scalar_one()
    )  # fmt: skip
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="upload_photo",
                 object_type="project", object_key=slug,
                 changes={"photo": photo_id, "sha256": clean.sha256, "located": place[0] is not None})  # fmt: skip
    return {"id": photo_id, "width": clean.width, "height": clean.height, "bytes": len(clean.jpeg),
            "url": f"/api/photos/{photo_id}.jpg", "thumbnail": f"/api/photos/{photo_id}/thumb.jpg"}  # fmt: skip


def may_see_all(conn: Connection, principal: Principal | None, slug: str) -> bool:
    if principal is None:
        return False
    try:
        locked_project(conn, principal, slug, lock=False)
    except (NotFound, Forbidden):
        return False
    return True


def photos(conn: Connection, slug: str, staff: bool) -> list[dict[str, Any]]:
    rows = []
    for r in conn.execute(q.PHOTOS, {"s": slug, "staff": staff}):
        row = dict(r._mapping)
        sha = row.pop("sha256")
        row["url"] = f"/api/photos/{row['id']}.jpg?v={sha[:12]}"
        row["thumbnail"] = f"/api/photos/{row['id']}/thumb.jpg?v={sha[:12]}"
        rows.append(row)
    return rows


def photo_file(conn: Connection, principal: Principal | None, photo_id: int, data_dir: Path, thumb: bool) -> Path:
    """The file of a photo the caller may see; 404 for anything else (the public learns nothing of the rest).

    Staff acting for the project see all of its photos; the officials of a unit a supervision ticket is
    addressed to also see the photos of that ticket's answers (their unit may not be the project's)."""
    row = conn.execute(q.PHOTO_FILE, {"id": photo_id}).one_or_none()
    ticket_unit = principal is not None and row is not None and bool(set(row.ticket_units) & principal.units)
    if row is None or not (row.public or ticket_unit or may_see_all(conn, principal, row.slug)):
        raise NotFound(f"no photo {photo_id}")
    return storage.photo_path(data_dir, row.sha256, thumb=thumb)
