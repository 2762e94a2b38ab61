"""Progress photos: upload from a phone (multipart), list a project's, fetch a file or its thumbnail.

Uploads may be larger than PLANMAP_MAX_BODY_BYTES: only the path matched by UPLOAD_PATH gets the
larger PLANMAP_PHOTO_MAX_BYTES (app.core.wiring hands it to the body-limit middleware), so every
other route keeps the small limit.
"""

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import run_read, settings_of
from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, optional_principal, require_principal
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.photos import service

router = APIRouter(tags=["progress"])
UPLOAD_PATH = "/api/projects/{slug}/photos"
# Room for the multipart framing and the small form fields around the photo itself.
MULTIPART_ALLOWANCE = 64 << 10
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CACHE = "private, max-age=300"
NO_PHOTO: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such photo, or not one the caller may see (not yet approved)"}
}


@router.post(
    "/api/projects/{slug}/photos",
    status_code=201,
    responses={**UNAUTHORIZED, **FORBIDDEN, 404: {"description": "No such project"},
               400: {"description": "The body is not readable multipart form data"},
               413: {"description": "Larger than PLANMAP_PHOTO_MAX_BYTES"},
               422: {"description": "Not a JPEG/PNG/WebP photo, too many pixels, or a bad place"}},
    summary="Upload a progress photo (re-encoded on the server: no EXIF survives)",
)  # fmt: skip
async def upload_photo(
    slug: SlugPath,
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
    photo: Annotated[UploadFile, File(description="JPEG, PNG or WebP, by content")],
    caption: Annotated[str, Form(max_length=500)] = "",
    lon: Annotated[float | None, Form(description="Where it was taken (browser geolocation, with consent)")] = None,
    lat: Annotated[float | None, Form()] = None,
    accuracy_m: Annotated[float | None, Form()] = None,
) -> dict[str, Any]:
    received = replace(await received_photo(request, photo), caption=caption, lon=lon, lat=lat, accuracy_m=accuracy_m)
    return await run_edit(engine, service.upload, principal, slug, received)


async def received_photo(request: Request, photo: UploadFile) -> service.PhotoIn:
    """The uploaded file as the photo pipeline takes it (with the data directory and pixel limit of the settings);
    413 when it is larger than PLANMAP_PHOTO_MAX_BYTES (read no further than one byte past it)."""
    settings = settings_of(request)
    data = await photo.read(settings.photo_max_bytes + 1)
    if len(data) > settings.photo_max_bytes:
        raise HTTPException(413, f"the photo is larger than {settings.photo_max_bytes} bytes")
    return service.PhotoIn(data, data_dir=settings.data_dir, max_pixels=settings.photo_max_pixels)


@router.get("/api/projects/{slug}/photos", summary="A project's photos: approved ones, or all for its own staff")
async def list_photos(
    slug: SlugPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> list[dict[str, Any]]:
    staff = await run_read(engine, service.may_see_all, principal, slug)
    return await run_read(engine, service.photos, slug, staff)


async def _file(request: Request, engine: AsyncEngine, principal: Principal | None, photo_id: int,
                thumb: bool) -> FileResponse:  # fmt: skip
    path = await run_read(engine, service.photo_file, principal, photo_id, settings_of(request).data_dir, thumb)
    if not path.is_file():
        raise HTTPException(404, f"the file of photo {photo_id} is missing from the data directory")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": CACHE})


@router.get(
    "/api/photos/{photo_id}.jpg", response_class=FileResponse, responses=NO_PHOTO, summary="A photo (JPEG, no EXIF)"
)
async def photo_jpeg(
    photo_id: PhotoId,
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> FileResponse:
    return await _file(request, engine, principal, photo_id, thumb=False)


@router.get(
    "/api/photos/{photo_id}/thumb.jpg", response_class=FileResponse, responses=NO_PHOTO, summary="A photo's thumbnail"
)
async def photo_thumb(
    photo_id: PhotoId,
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> FileResponse:
    return await _file(request, engine, principal, photo_id, thumb=True)
