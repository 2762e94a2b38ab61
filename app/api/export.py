"""Downloading the projects that match the map's filters as a file for GIS tools or spreadsheets.

The filters are exactly those of `GET /api/projects` (the same dependency and queries), so what
a person sees on the map is what they download; the export has no paging: it holds every match.

Exports are bounded (app/exports/limits.py): GeoJSON and CSV stream from a server-side cursor as
the rows arrive, GDAL's formats are written to a temporary file from the same stream and sent from
disk; each worker runs at most PLANMAP_EXPORT_CONCURRENCY at once (503 + Retry-After beyond), and a
caller who is not logged in gets at most PLANMAP_EXPORT_ANONYMOUS_MAX_FEATURES projects (413 above).
"""

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.conditional import catalog_validators
from app.api.project_params import project_filter
from app.api.responses import CONDITIONAL_GET
from app.core.dependencies import get_conn, get_engine
from app.core.settings import Settings
from app.exports.formats import MEDIA_TYPES, ExportFormat, export_filename, write_export_file
from app.exports.limits import ExportsBusy, ExportSlots, TooManyToExport
from app.exports.streams import csv_chunks, file_pieces, geojson_chunks
from app.queries.project_filter import ProjectFilter
from app.queries.project_pages import rows_sql
from app.queries.project_stream import count_at_most, features_sql, stream_rows

router = APIRouter(prefix="/api", tags=["export"])

FORMAT_HELP = (
    "geojson (RFC 7946, lists kept), gpkg (GeoPackage), shp (zipped Shapefile, one layer per geometry kind), "
    "kml, csv (WKT geometry, like /api/projects?format=csv)."
)

EXPORT_LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "Too many exports running in this worker; `Retry-After` says when to try again"},
}


def export_slots(request: Request) -> ExportSlots:
    """This app's export slots, made on first use (inside the event loop that will wait on them)."""
    slots: ExportSlots | None = getattr(request.app.state, "export_slots", None)
    if slots is None:
        settings: Settings = request.app.state.settings
        slots = ExportSlots(settings.export_concurrency, settings.export_queue_seconds)
        request.app.state.export_slots = slots
    return slots


async def take_export_slot(request: Request) -> ExportSlots:
    """A slot for one export, or 503 with Retry-After when the worker already runs its limit."""
    slots = export_slots(request)
    try:
        await slots.acquire()
    except ExportsBusy as busy:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(busy), headers={"Retry-After": str(busy.retry_after_s)}
        ) from None
    return slots


async def check_anonymous_size(conn: AsyncConnection, flt: ProjectFilter, settings: Settings) -> None:
    """413 when a caller who is not logged in asks for more projects than they may export at once."""
    limit = settings.export_anonymous_max_features
    if flt.staff:
        return
    if await count_at_most(conn, flt, limit + 1) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(TooManyToExport(limit)))


def bounded_download(
    slots: ExportSlots, body: AsyncGenerator[bytes], media_type: str, disposition: str
) -> StreamingResponse:
    """Stream `body`, giving the export slot back when it ends, fails or the client leaves."""
    return StreamingResponse(
        slots.hold_while(body), media_type=media_type, headers={"Content-Disposition": disposition}
    )


async def _gdal_file(request: Request, flt: ProjectFilter, fmt: ExportFormat) -> AsyncGenerator[bytes]:
    sql, params = rows_sql(flt, paged=False)
    batches = stream_rows(get_engine(request), sql, params)
    path, folder = await write_export_file(batches, fmt, flt.near is not None)
    async for piece in file_pieces(path, folder):
        yield piece


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
            "description": "The matching projects as a file (Content-Disposition: attachment with a dated name).",
        },
        413: {"description": "More projects than a caller who is not logged in may export: filter, or log in"},
        422: {"description": "A parameter is not valid; `detail[].loc` names it (e.g. `format`)"},
        **EXPORT_LIMIT_RESPONSES,
        **CONDITIONAL_GET,
    },
    summary="Download the projects matching the filters",
)
async def export_projects(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    flt: Annotated[ProjectFilter, Depends(project_filter)],
    format: Annotated[ExportFormat, Query(description=FORMAT_HELP)] = ExportFormat.GEOJSON,
) -> Response:
    # Checked before anything is counted or written: a current copy costs one small query.
    validators = await catalog_validators(request, conn, flt)
    if validators.fresh:
        return validators.not_modified()
    await check_anonymous_size(conn, flt, request.app.state.settings)
    slots = await take_export_slot(request)
    engine = get_engine(request)
    if format is ExportFormat.GEOJSON:
        body = geojson_chunks(stream_rows(engine, *features_sql(flt)))
    elif format is ExportFormat.CSV:
        body = csv_chunks(stream_rows(engine, *rows_sql(flt, paged=False)), flt.near is not None)
    else:
        body = _gdal_file(request, flt, format)
    disposition = f'attachment; filename="{export_filename(format, flt.towns)}"'
    return validators.apply(bounded_download(slots, body, MEDIA_TYPES[format], disposition))
