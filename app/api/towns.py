"""The towns and townships of Lianzhou, with their (approximate) areas."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.responses import GeoJSONResponse, geojson_responses
from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.queries.towns import county_collection, town_feature, towns_collection

router = APIRouter(prefix="/api/towns", tags=["towns"])


@router.get("", response_class=GeoJSONResponse, responses=geojson_responses(), summary="Towns as a FeatureCollection")
async def list_towns(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    counts: Annotated[
        bool,
        Query(
            description="Include `project_count` and `counts_by_status` (every live project, whatever its plan; "
            "read from the counts the database keeps, milliseconds at any size). `false`: both are null."
        ),
    ] = True,
) -> GeoJSONResponse:
    return GeoJSONResponse(await towns_collection(conn, counts))


@router.get("/{slug}", response_class=GeoJSONResponse, responses=geojson_responses(e404="No such town"))
async def get_town(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=40, examples=["xingzi"])],
) -> GeoJSONResponse:
    body = await town_feature(conn, slug)
    if body is None:
        raise NotFound(f"no town '{slug}'")
    return GeoJSONResponse(body)


county_router = APIRouter(prefix="/api", tags=["towns"])


@county_router.get("/county", response_class=GeoJSONResponse, responses=geojson_responses(), summary="County outline")
async def get_county(conn: Annotated[AsyncConnection, Depends(get_conn)]) -> GeoJSONResponse:
    return GeoJSONResponse(await county_collection(conn))
