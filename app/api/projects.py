"""Read access to plan projects: GeoJSON (or CSV) filtered by town, status, category,
bbox, text and distance, paged with links."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.conditional import catalog_validators
from app.api.export import bounded_download, take_export_slot
from app.api.paging import collection_bytes, decode_cursor, page_links
from app.api.project_params import DEFAULT_LIMIT, LimitParam, OffsetParam, project_filter, read_context
from app.api.public_item import MAX_SLUG
from app.api.responses import CONDITIONAL_GET, GEOJSON_MEDIA_TYPE, GeoJSONResponse, geojson_responses
from app.core.dependencies import get_conn, get_engine
from app.core.errors import Invalid, NotFound
from app.editing.current import etag
from app.exports.streams import csv_chunks, csv_text
from app.queries.project_filter import ProjectFilter
from app.queries.project_pages import fetch_feature, fetch_page, fetch_page_after, rows_sql
from app.queries.project_stream import stream_rows

router = APIRouter(prefix="/api/projects", tags=["projects"])

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def rows_to_csv(rows: list[dict[str, object]], with_distance: bool) -> str:
    """CSV with WKT geometry (app/exports/streams.py writes it, for this page and for exports alike)."""
    return csv_text(rows, with_distance, header=True)


@router.get(
    "",
    response_class=GeoJSONResponse,
    responses={
        **geojson_responses(e422="A parameter is not valid; `detail[].loc` names it"),
        200: {
            "content": {GEOJSON_MEDIA_TYPE: {}, "text/csv": {}},
            "description": "GeoJSON FeatureCollection with numberMatched, numberReturned and next/prev links; "
            "or CSV with WKT geometry when format=csv",
        },
        **CONDITIONAL_GET,
    },
    summary="Projects matching the filters",
)
async def list_projects(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    flt: Annotated[ProjectFilter, Depends(project_filter)],
    limit: LimitParam = DEFAULT_LIMIT,
    offset: OffsetParam = 0,
    cursor: Annotated[
        str | None,
        Query(
            max_length=400,
            description="Continue after the page whose `next` link gave this cursor (slug order; not with "
            "`near`, `offset` or `format=csv`). Pages reached by cursor omit numberMatched.",
        ),
    ] = None,
    format: Annotated[Literal["geojson", "csv"], Query(description="Output format.")] = "geojson",
) -> Response:
    if cursor is not None and (offset or flt.near is not None or format == "csv"):
        raise Invalid(("query", "cursor"), "cursor cannot be combined with offset, near or format=csv")
    validators = await catalog_validators(request, conn, flt)
    if validators.fresh:
        return validators.not_modified()
    return validators.apply(await _page(request, conn, flt, limit, offset, cursor, format))


async def _page(
    request: Request, conn: AsyncConnection, flt: ProjectFilter, limit: int, offset: int, cursor: str | None,
    format: str,
) -> Response:  # fmt: skip
    """The page `list_projects` answers with when the client has no current copy."""
    if cursor is not None:
        after = decode_cursor(cursor)
        page = await fetch_page_after(conn, flt, limit, after)
        links = page_links(request, page, limit, 0, GEOJSON_MEDIA_TYPE, keyset=True)
        return GeoJSONResponse(collection_bytes(page, links))
    if format == "csv":
        # Streamed and counted against the export slots like /api/export: a page holds up to MAX_LIMIT rows.
        slots = await take_export_slot(request)
        sql, params = rows_sql(flt)
        batches = stream_rows(get_engine(request), sql, {**params, "limit": limit, "offset": offset})
        body = csv_chunks(batches, flt.near is not None)
        return bounded_download(slots, body, CSV_MEDIA_TYPE, 'inline; filename="planmap-projects.csv"')
    page = await fetch_page(conn, flt, limit, offset)
    links = page_links(request, page, limit, offset, GEOJSON_MEDIA_TYPE, keyset=flt.near is None)
    return GeoJSONResponse(collection_bytes(page, links))


@router.get(
    "/{slug}",
    response_class=GeoJSONResponse,
    responses=geojson_responses(e404="No such project"),
    summary="One project as a Feature",
)  # the plain public request (no token, cookie or query) is answered by app/api/public_item.py, the same way
async def get_project(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    context: Annotated[ProjectFilter, Depends(read_context)],
    slug: Annotated[str, Path(max_length=MAX_SLUG, examples=["tanling-pumped-storage"])],
) -> GeoJSONResponse:
    found = await fetch_feature(conn, context, slug)
    if found is None:
        raise NotFound(f"no project '{slug}'")
    version, body = found
    # The ETag names the live version: only a current, staff read is a basis for an edit.
    headers = {"ETag": etag(version)} if context.as_of is None else {}
    return GeoJSONResponse(body, headers=headers)
