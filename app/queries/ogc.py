"""SQL behind OGC API Features collections other than projects (which go through ProjectFilter):
extents, and the small tables (towns, county) served whole or by bbox.

Table, alias, key and feature expressions come from the provider definitions in
app/ogc/providers.py, never from a request; the request's bbox, limit and offset are bound.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.project_filter import SqlCondition
from app.queries.project_pages import FeaturePage


async def table_extent(conn: AsyncConnection, table: str, column: str) -> list[float] | None:
    """[west, south, east, north] of a geometry column, rounded to 6 decimals; None for an empty table."""
    row = (
        await conn.execute(
            text(
                f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                f"FROM (SELECT ST_Extent({column}) e FROM {table}) s"
            )
        )
    ).one()
    return None if row[0] is None else [round(float(v), 6) for v in row]


async def plan_years(conn: AsyncConnection) -> tuple[int | None, int | None]:
    """The first start year and last end year the catalog gives (the temporal extent)."""
    first, last = (await conn.execute(text("SELECT min(start_year), max(end_year) FROM projects"))).one()
    return first, last


async def table_page(
    conn: AsyncConnection,
    table: str,
    alias: str,
    geom: str,
    key: str,
    feature_sql: str,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    condition: SqlCondition | None = None,
) -> FeaturePage:
    """One page of a small table's features by `key`, optionally within `bbox` and matching a translated
    CQL2 `condition`, with the total."""
    a = alias
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    clauses = ["true"]
    if bbox:
        # The shapes, not their boxes: a town whose box touches the query box but whose area does not
        # is not in it (`&&` alone let 7 towns through for a box that meets 6).
        clauses.append(f"ST_Intersects({a}.{geom}, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    if condition is not None:
        clauses.append(f"({condition.sql})")
        params.update(condition.params)
    where = " AND ".join(clauses)
    sql = f"""
        WITH matched AS (SELECT {a}.* FROM {table} {a} WHERE {where}),
             page AS (SELECT * FROM matched ORDER BY {key} LIMIT :limit OFFSET :offset)
        SELECT (SELECT count(*) FROM matched), count(*),
               COALESCE(json_agg({feature_sql} ORDER BY {a}.{key}), '[]'::json)::text
        FROM page {a}
    """
    total, returned, features = (await conn.execute(text(sql), params)).one()
    return FeaturePage(int(total), int(returned), features)


async def table_feature(
    conn: AsyncConnection, table: str, alias: str, key: str, feature_sql: str, feature_id: str
) -> str | None:
    """One feature of a small table by its key, as GeoJSON text; None when there is none."""
    sql = f"SELECT ({feature_sql})::text FROM {table} {alias} WHERE {alias}.{key} = :id"
    return (await conn.execute(text(sql), {"id": feature_id})).scalar_one_or_none()
