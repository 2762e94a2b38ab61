"""Conditional GET (RFC 9110 §13): `ETag` and `Last-Modified`, and 304 when the client's copy is current.

Feed readers, monitors, the map pages and scripts that re-download an export poll; with these
headers a poll that finds nothing new costs a few hundred bytes instead of the whole document.

Two kinds of validator:
- a rendered body's hash (`conditional_response`, for feeds): changes whenever anything in the
  body does (an edit, a translated label), and never otherwise;
- the catalog's change marker (`catalog_validators`, for exports and the JSON the pages fetch),
  read in one small query before any body is built, so a 304 costs no export and no GeoJSON. Its
  ETag hashes the marker (app/queries/changes.py: any audited write changes it), the request's
  path and query, who reads (staff see more), the day in Lianzhou (warnings are judged on it),
  the staleness threshold and planmap's version (a new release may write the same data differently).
  Its Last-Modified is the latest audited write or Lianzhou's last midnight, whichever is later;
  If-None-Match is exact, If-Modified-Since has HTTP dates' one-second grain.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from importlib.metadata import version
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core import clock
from app.queries.changes import change_mark
from app.queries.project_filter import ProjectFilter

APP_VERSION = version("planmap")
# Caches may keep the answer but must ask again each time (a map must never show yesterday's edit as
# current); staff and public answers differ, so a shared cache keys them by credentials.
REVALIDATE = {"Cache-Control": "no-cache", "Vary": "Authorization, Cookie"}

R = TypeVar("R", bound=Response)


def body_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    raw = request.headers.get("if-modified-since")
    if raw is None or "if-none-match" in request.headers:  # If-None-Match wins (RFC 9110 §13.1.3)
        return False
    try:
        since = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and last_modified.replace(microsecond=0) <= since


def _is_fresh(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current: its If-None-Match names `etag`, or (without one)
    If-Modified-Since is not before `last_modified`."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}  # weak comparison (RFC 9110 §8.8.3.2)
        return etag.removeprefix("W/") in tags or "*" in tags
    return last_modified is not None and _not_modified_since(request, last_modified)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def conditional_response(
    request: Request, body: bytes, media_type: str, last_modified: datetime, headers: dict[str, str]
) -> Response:
    """`body` with validators, or an empty 304 when the client's copy (If-None-Match / If-Modified-Since) is current."""
    etag = body_etag(body)
    validators = {**headers, "ETag": etag, "Last-Modified": _http_date(last_modified)}
    if _is_fresh(request, etag, last_modified):
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers=validators)


@dataclass(frozen=True)
class CatalogValidators:
    """The validators of one read of the catalog, known before its body is built."""

    etag: str
    last_modified: datetime | None
    fresh: bool  # the client's copy is current: answer 304

    def headers(self) -> dict[str, str]:
        headers = {**REVALIDATE, "ETag": self.etag}
        if self.last_modified is not None:
            headers["Last-Modified"] = _http_date(self.last_modified)
        return headers

    def not_modified(self) -> Response:
        return Response(status_code=304, headers=self.headers())

    def apply(self, response: R) -> R:
        """The response, carrying the validators (a streamed export as much as a JSON body)."""
        response.headers.update(self.headers())
        return response


async def catalog_validators(request: Request, conn: AsyncConnection, flt: ProjectFilter) -> CatalogValidators:
    """Validators for a read of the catalog through `flt`, from the change marker (one small query)."""
    mark = await change_mark(conn)
    query = "&".join(sorted(request.url.query.split("&")))
    parts = (APP_VERSION, mark.token(), request.url.path, query, flt.staff, flt.stale_days, clock.today())
    # Weak: the same data, not always the same bytes (a GeoPackage records when it was written).
    etag = 'W/"c' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'
    # Warnings are judged on today, so what is served may have changed at Lianzhou's midnight too.
    midnight = datetime.combine(clock.today(), time(0), tzinfo=clock.LIANZHOU_TZ)
    modified = max(mark.changed_at, midnight) if mark.changed_at else midnight
    return CatalogValidators(etag, modified, _is_fresh(request, etag, modified))
