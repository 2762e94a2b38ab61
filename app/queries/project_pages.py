"""A page of projects matching a filter, as GeoJSON features built by PostGIS, plus the total."""

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.fields import CSV_COLUMNS
from app.queries.driver import fetch_one
from app.queries.geojson import project_feature_sql, project_flat_feature_sql
from app.queries.project_filter import ProjectFilter


@dataclass(frozen=True)
class FeaturePage:
    total: int
    returned: int
    features_json: str  # a JSON array of Feature objects, as PostGIS wrote it


def _page_sql(flt: ProjectFilter, flat: bool = False) -> tuple[str, dict[str, Any]]:
    where, params = flt.where()
    source, source_params = flt.source()
    params = {**params, **source_params}
    distance = flt.distance_sql() or "NULL::float8"
    extra = "'distance_m', round(m.distance_m::numeric, 1)" if flt.near else ""
    order = "m.distance_m, m.slug" if flt.near else "m.slug"
    feature = project_flat_feature_sql() if flat else project_feature_sql(extra)
    sql = f"""
        WITH matched AS (
            SELECT p.id, p.slug, {distance} AS distance_m FROM {source} p WHERE {where}
        ), page AS (
            SELECT m.* FROM matched m ORDER BY {order} LIMIT :limit OFFSET :offset
        )
        SELECT (SELECT count(*) FROM matched) AS total,
               count(p.id) AS returned,
               COALESCE(json_agg({feature} ORDER BY {order}), '[]'::json)::text AS features
        FROM page m CROSS JOIN LATERAL (SELECT * FROM {source} p WHERE p.id = m.id OFFSET 0) p
    """
    # LATERAL, not JOIN … ON: the public source is a UNION ALL view, which PostgreSQL cannot probe by a
    # join key, so a join read all its rows (1.4 s at a million projects); a lateral `p.id = m.id` is pushed
    # into both branches as a primary-key lookup per page row (bench/NOTES.md). OFFSET 0 keeps the planner
    # from flattening the subquery back into that join.
    return sql, params


def page_sql(flt: ProjectFilter) -> tuple[str, dict[str, Any]]:
    """The SQL `fetch_page` runs (bind `limit` and `offset` too); public so the benchmark can EXPLAIN it."""
    return _page_sql(flt)


async def fetch_page(
    conn: AsyncConnection, flt: ProjectFilter, limit: int, offset: int, flat: bool = False
) -> FeaturePage:
    """A page of features; `flat` gives every property a scalar type (project_flat_feature_sql)."""
    sql, params = _page_sql(flt, flat)
    row = await fetch_one(conn, sql, {**params, "limit": limit, "offset": offset})
    assert row is not None  # an aggregate always answers one row
    total, returned, features = row
    return FeaturePage(total=int(total), returned=int(returned), features_json=str(features))


# The flat columns' order and names are the registry's (app.catalog.fields); here only how each
# is flattened when it is not simply its column: lists joined with ';', figures as JSON text.
_FLAT_SQL: dict[str, str] = {
    "aliases": "array_to_string(p.aliases, ';')",
    "towns": """array_to_string(ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                       WHERE pt.project_id = p.id ORDER BY t.slug), ';')""",
    "figures": "p.figures::text",
}
_FLAT_SELECT = ", ".join(f"{_FLAT_SQL[c]} AS {c}" if c in _FLAT_SQL else f"p.{c}" for c in CSV_COLUMNS)


def rows_sql(flt: ProjectFilter, paged: bool = True) -> tuple[str, dict[str, Any]]:
    """Flat rows (lists joined with ';', figures as JSON, geometry as WKT) in the filter's order; with
    `paged`, bind `limit` and `offset` too. One SQL for CSV, the GDAL formats and their streams."""
    matching, params = flt.matching()
    distance = flt.distance_sql() or "NULL::float8"
    order = "distance_m, p.slug" if flt.near else "p.slug"
    sql = f"""
        SELECT {_FLAT_SELECT},
               round(({distance})::numeric, 1) AS distance_m, ST_AsText(p.geom, 7) AS wkt
        FROM {matching} ORDER BY {order}{" LIMIT :limit OFFSET :offset" if paged else ""}
    """
    return sql, params


async def fetch_rows(conn: AsyncConnection, flt: ProjectFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    """Flat rows (`rows_sql`) of one page, for CSV."""
    sql, params = rows_sql(flt)
    result = await conn.execute(text(sql), {**params, "limit": limit, "offset": offset})
    return [dict(r._mapping) for r in result]


def feature_sql(flt: ProjectFilter, slug: str, flat: bool = False) -> tuple[str, dict[str, Any]]:
    """The SQL `fetch_feature` runs; public so the benchmark can EXPLAIN it.

    Without a plan named, the project is read in the latest plan it belongs to: a project found by
    its slug is found whichever plan is in force.
    """
    flt = replace(flt, own_plan=True)
    where, params = flt.where()
    source, source_params = flt.source()
    params = {**params, **source_params}
    feature = project_flat_feature_sql() if flat else project_feature_sql()
    sql = f"SELECT p.version, ({feature})::text FROM {source} p WHERE p.slug = :slug AND {where}"
    return sql, {**params, "slug": slug}


async def fetch_feature(
    conn: AsyncConnection, flt: ProjectFilter, slug: str, flat: bool = False
) -> tuple[int, str] | None:
    """One live project as (version, Feature JSON) seen through the filter's source and conditions, or None."""
    sql, params = feature_sql(flt, slug, flat)
    row = await fetch_one(conn, sql, params)
    return None if row is None else (int(row[0]), str(row[1]))
