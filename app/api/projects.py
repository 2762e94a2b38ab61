"""Read access to plan projects as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.deps import get_conn
from app.api.errors import bad_parameter, not_found
from app.api.responses import GeoJSONResponse, geojson_responses
from app.geojson_sql import PROJECT_FEATURE, feature_collection
from app.vocab import Category, Status

router = APIRouter(prefix="/api/projects", tags=["projects"])


async def _check_towns(conn: AsyncConnection, towns: list[str]) -> None:
    known = set((await conn.execute(text("SELECT slug FROM towns WHERE slug = ANY(:s)"), {"s": towns})).scalars())
    unknown = [t for t in towns if t not in known]
    if unknown:
        raise bad_parameter("town", f"unknown town slug(s): {', '.join(unknown)}")


@router.get(
    "",
    response_class=GeoJSONResponse,
    responses=geojson_responses(e422="A filter value is not valid"),
    summary="Projects as a FeatureCollection",
)
async def list_projects(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    town: Annotated[list[str] | None, Query(description="Town slug; repeat for several.", examples=["xingzi"])] = None,
    status: Annotated[list[Status] | None, Query(description="Status; repeat for several.")] = None,
    category: Annotated[list[Category] | None, Query(description="Category; repeat for several.")] = None,
) -> GeoJSONResponse:
    where, params = ["true"], {}
    if town:
        await _check_towns(conn, town)
        where.append(
            "EXISTS (SELECT 1 FROM project_towns pt JOIN towns t ON t.id = pt.town_id "
            "WHERE pt.project_id = p.id AND t.slug = ANY(:towns))"
        )
        params["towns"] = town
    if status:
        where.append("p.status = ANY(:statuses)")
        params["statuses"] = [s.value for s in status]
    if category:
        where.append("p.category = ANY(:categories)")
        params["categories"] = [c.value for c in category]
    sql = feature_collection(PROJECT_FEATURE, f"FROM projects p WHERE {' AND '.join(where)} ORDER BY p.slug")
    body = (await conn.execute(text(sql), params)).scalar_one()
    return GeoJSONResponse(body)


@router.get(
    "/{slug}",
    response_class=GeoJSONResponse,
    responses=geojson_responses(e404="No such project"),
    summary="One project as a Feature",
)
async def get_project(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=120, examples=["tanling-pumped-storage"])],
) -> GeoJSONResponse:
    body = (
        await conn.execute(
            text(f"SELECT ({PROJECT_FEATURE})::text FROM projects p WHERE p.slug = :slug"), {"slug": slug}
        )
    ).scalar_one_or_none()
    if body is None:
        raise not_found("project", slug)
    return GeoJSONResponse(body)
