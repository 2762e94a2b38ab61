"""A page of projects matching a filter, as GeoJSON features built by PostGIS, plus the total."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.catalog.fields import CSV_COLUMNS
from app.core import clock
from app.queries.driver import fetch_one, fetch_one_pooled
from app.queries.geojson import project_feature_sql, project_flat_feature_sql
from app.queries.project_filter import ProjectFilter


@dataclass(frozen=True)
class FeaturePage:
    total: int | None  # None on a page reached by cursor: see `fetch_page_after`
    returned: int
    features_json: str  # a JSON array of Feature objects, as PostGIS wrote it
    last_slug: str | None = None  # the page's last slug in slug order: the next page's cursor
    more: bool | None = None  # known without a total: whether a page follows this one


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
               COALESCE(json_agg({feature} ORDER BY {order}), '[]'::json)::text AS features,
               max(m.slug) AS last_slug
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
    total, returned, features, last_slug = row
    return FeaturePage(total=int(total), returned=int(returned), features_json=str(features), last_slug=last_slug)


def keyset_page_sql(flt: ProjectFilter) -> tuple[str, dict[str, Any]]:
    """The SQL `fetch_page_after` runs (bind `limit` and `after` too); public so the benchmark can EXPLAIN it.

    The page after a slug, in slug order: `slug > :after … LIMIT`, so PostgreSQL keeps only the
    best `limit + 1` rows while it reads (a top-N sort) instead of sorting and skipping every row
    before the page as OFFSET must; and no `count(*)` of the whole match, which at 100,000
    projects was a third of a deep page's time. One row past the page says whether another
    follows. (The public source is a UNION ALL view PostgreSQL does not flatten, so it cannot walk
    the slug index in order; the rows after the cursor are still read once, but never sorted.)
    """
    where, params = flt.where()
    source, source_params = flt.source()
    sql = f"""
        WITH ahead AS (
            SELECT p.id, p.slug, NULL::float8 AS distance_m FROM {source} p
            WHERE {where} AND p.slug > :after ORDER BY p.slug LIMIT :limit + 1
        ), page AS (
            SELECT a.* FROM ahead a ORDER BY a.slug LIMIT :limit
        )
        SELECT (SELECT count(*) FROM ahead) > :limit AS more,
               count(p.id) AS returned,
               COALESCE(json_agg({project_feature_sql("")} ORDER BY m.slug), '[]'::json)::text AS features,
               max(m.slug) AS last_slug
        FROM page m CROSS JOIN LATERAL (SELECT * FROM {source} p WHERE p.id = m.id OFFSET 0) p
    """
    return sql, {**params, **source_params}


async def fetch_page_after(conn: AsyncConnection, flt: ProjectFilter, limit: int, after: str) -> FeaturePage:
    """The page of projects whose slugs follow `after` (keyset paging; not for `near`, which orders by distance).

    `total` is None: counting the whole match would cost as much as the deep OFFSET this avoids.
    """
    sql, params = keyset_page_sql(flt)
    row = await fetch_one(conn, sql, {**params, "limit": limit, "after": after})
    assert row is not None  # an aggregate always answers one row
    more, returned, features, last_slug = row
    return FeaturePage(
        total=None, returned=int(returned), features_json=str(features), last_slug=last_slug, more=bool(more)
    )


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
    return await _feature_row(conn, *feature_sql(flt, slug, flat))


# The public read of one project by slug, built once per (stale_days, day) rather than per request:
# assembling it (filter, plan-scoped source, feature SQL) was 4 % of a worker's samples on the item.
_public_feature: dict[tuple[int, date], tuple[str, dict[str, Any]]] = {}


def public_feature_sql(stale_days: int, slug: str) -> tuple[str, dict[str, Any]]:
    """`feature_sql(ProjectFilter(stale_days=stale_days), slug)`: what the public reads of one project."""
    today = clock.today()
    found = _public_feature.get((stale_days, today))
    if found is None:
        found = feature_sql(ProjectFilter(stale_days=stale_days), "")
        if found[1]["f_ref_date"] == today:  # not kept if midnight fell between the two readings of the clock
            _public_feature.clear()  # yesterday's is no longer asked for
            _public_feature[(stale_days, today)] = found
    sql, params = found
    return sql, {**params, "slug": slug}


async def fetch_public_feature(engine: AsyncEngine, stale_days: int, slug: str) -> tuple[int, str] | None:
    """One live project as the public sees it (`projects_public`, the latest plan it belongs to), or None;
    on a connection of the engine's pool lent for this one statement (`fetch_one_pooled`)."""
    row = await fetch_one_pooled(engine, *public_feature_sql(stale_days, slug))
    return None if row is None else (int(row[0]), str(row[1]))


async def _feature_row(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> tuple[int, str] | None:
    row = await fetch_one(conn, sql, params)
    return None if row is None else (int(row[0]), str(row[1]))
