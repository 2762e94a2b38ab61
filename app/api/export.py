"""Downloading the projects that match the map's filters as a file for GIS tools or spreadsheets.

The filters are exactly those of `GET /api/projects` (the same dependency and queries), so what
a person sees on the map is what they download; the export has no paging: it holds every match.
"""

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.project_params import project_filter
from app.api.projects import rows_to_csv
from app.core.dependencies import get_conn
from app.exports.formats import MEDIA_TYPES, ExportFormat, export_filename, geojson_bytes, write_export
from app.queries.project_filter import ProjectFilter
from app.queries.project_pages import fetch_page, fetch_rows

router = APIRouter(prefix="/api", tags=["export"])

# "Every match": Postgres takes a bigint LIMIT; the catalog is thousands of rows at most.
ALL_MATCHES = 2**62

FORMAT_HELP = (
    "geojson (RFC 7946, lists kept), gpkg (GeoPackage), shp (zipped Shapefile, one layer per geometry kind), "
    "kml, csv (WKT geometry, like /api/projects?format=csv)."
)


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
            "description": "The matching projects as a file (Content-Disposition: attachment with a dated name).",
        },
        422: {"description": "A parameter is not valid; `detail[].loc` names it (e.g. `format`)"},
    },
    summary="Download the projects matching the filters",
)
async def export_projects(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    flt: Annotated[ProjectFilter, Depends(project_filter)],
    format: Annotated[ExportFormat, Query(description=FORMAT_HELP)] = ExportFormat.GEOJSON,
) -> Response:
    with_distance = flt.near is not None
    if format is ExportFormat.GEOJSON:
        page = await fetch_page(conn, flt, ALL_MATCHES, 0)
        body = geojson_bytes(page.features_json)
    else:
        rows = await fetch_rows(conn, flt, ALL_MATCHES, 0)
        if format is ExportFormat.CSV:
            body = rows_to_csv(rows, with_distance).encode()
        else:
            body = await anyio.to_thread.run_sync(write_export, rows, format, with_distance)
    filename = export_filename(format, flt.towns)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
