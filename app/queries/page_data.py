"""What the server-rendered parts of the pages read from the database.

The maps themselves fetch their features from the JSON API in the browser (so a page
stays a few kilobytes whatever the size of the catalog); these queries only fill the
text and tables that the HTML carries: the town list, one town's counts, one project's
properties (its history: app.history.timeline). (Status and category labels: app.catalog.vocab.load_vocab.)
"""

from dataclasses import replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Lang
from app.queries.project_filter import WARNINGS_SQL, ProjectFilter


async def load_towns(conn: AsyncConnection, lang: Lang) -> list[dict[str, Any]]:
    """Every town with its seat (for the near-me list) and name in the page language."""
    name = "name_en" if lang == "en" else "name_zh"
    rows = await conn.execute(
        text(
            f"SELECT slug, {name} AS name, name_zh, name_en, ST_X(seat) AS lon, ST_Y(seat) AS lat "
            f"FROM towns ORDER BY {'name_en' if lang == 'en' else 'slug'}"
        )
    )
    return [dict(r._mapping) for r in rows]


async def load_town(conn: AsyncConnection, slug: str) -> dict[str, Any] | None:
    """One town with its bounds (south-west, north-east as lat/lon) so the map opens zoomed to it."""
    row = (
        await conn.execute(
            text(
                """SELECT slug, name_zh, name_en, kind, area_precision, area_source,
                          round((ST_Area(area::geography) / 1e6)::numeric, 1) AS area_km2,
                          ST_YMin(area) AS s, ST_XMin(area) AS w, ST_YMax(area) AS n, ST_XMax(area) AS e
                   FROM towns WHERE slug = :slug"""
            ),
            {"slug": slug},
        )
    ).one_or_none()
    return dict(row._mapping) if row else None


async def town_status_counts(conn: AsyncConnection, slug: str, flt: ProjectFilter | None = None) -> dict[str, int]:
    """One town's projects by status; with `flt.as_of`, as recorded at the end of that day (as the map shows)."""
    source, params = (flt or ProjectFilter()).source()
    rows = await conn.execute(
        text(
            f"""SELECT p.status, count(*) AS n FROM {source} p
               JOIN project_towns pt ON pt.project_id = p.id JOIN towns t ON t.id = pt.town_id
               WHERE t.slug = :slug AND p.deleted_at IS NULL GROUP BY p.status"""
        ),
        {**params, "slug": slug},
    )
    return {r.status: int(r.n) for r in rows}


async def load_project(conn: AsyncConnection, slug: str, flt: ProjectFilter | None = None) -> dict[str, Any] | None:
    """Every property of one project, its towns (with names) and its bounds; with `flt.as_of`, as recorded
    at the end of that day, and always with the warnings the API computes (judged on that day)."""
    # Read in the latest plan it belongs to unless the page names one: found whichever plan is in force.
    source, params = replace(flt or ProjectFilter(), own_plan=True).source()
    row = (
        await conn.execute(
            text(
                f"""SELECT p.slug, p.name_zh, p.name_en, p.aliases, p.category, p.status, p.status_basis,
                          p.info_date, p.info_precision, p.plan_slug, p.plan_role,
                          p.plan_chapter, p.plan_section, p.source_quote, p.figures, p.start_year, p.end_year,
                          p.location_precision, p.location_note, p.location_note_zh, p.updated_at, p.version,
                          p.status_reason, p.planned_start, p.planned_end, p.planned_investment_cny_100m,
                          p.actual_start, p.actual_end, p.actual_spend_cny_100m, {WARNINGS_SQL} AS warnings,
                          (SELECT json_build_object('slug', m.slug, 'name_zh', m.name_zh, 'name_en', m.name_en)
                           FROM projects m WHERE m.id = p.merged_into_id AND m.deleted_at IS NULL) AS merged_into,
                          GeometryType(p.geom) AS geometry_type,
                          ST_YMin(p.geom) AS s, ST_XMin(p.geom) AS w, ST_YMax(p.geom) AS n, ST_XMax(p.geom) AS e,
                          COALESCE((SELECT json_agg(json_build_object('slug', t.slug, 'name_zh', t.name_zh,
                                                                      'name_en', t.name_en) ORDER BY t.slug)
                                    FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                    WHERE pt.project_id = p.id), '[]'::json) AS towns
                   FROM {source} p WHERE p.slug = :slug AND p.deleted_at IS NULL"""
            ),
            {**params, "slug": slug},
        )
    ).one_or_none()
    return dict(row._mapping) if row else None


async def count_projects(conn: AsyncConnection, flt: ProjectFilter, up_to: int) -> int:
    """How many projects `flt` matches, counting no further than `up_to`.

    A capped count costs the same at a thousand projects as at a million, where an exact one would
    read the whole table on every page view; the map only needs to know whether it is over a threshold.
    """
    matching, params = flt.matching()
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {matching} LIMIT :up_to) l"
    return int((await conn.execute(text(sql), {**params, "up_to": up_to})).scalar_one())


async def uncertainty_area(
    conn: AsyncConnection, slug: str, metres: int, flt: ProjectFilter | None = None
) -> dict[str, Any] | None:
    """The ground within `metres` of one project's drawn geometry (read as `load_project` reads it), for the
    page to draw its stated error: a circle round a point, a band along a line, a margin round an area.

    Buffered on the geography (metres on the ground, not degrees), simplified to ~10 m and written with
    5 decimals: a 50 km road's 10 km band stays a few kilobytes. Returns the GeoJSON and its bounds.
    """
    source, params = replace(flt or ProjectFilter(), own_plan=True).source()
    row = (
        await conn.execute(
            text(
                f"""WITH a AS (
                        SELECT ST_SimplifyPreserveTopology(
                                   ST_Buffer(p.geom::geography, :metres, 'quad_segs=16')::geometry, 0.0001) AS g
                        FROM {source} p WHERE p.slug = :slug AND p.deleted_at IS NULL AND p.geom IS NOT NULL)
                    SELECT ST_AsGeoJSON(g, 5)::json AS geometry,
                           ST_YMin(g) AS s, ST_XMin(g) AS w, ST_YMax(g) AS n, ST_XMax(g) AS e FROM a"""
            ),
            {**params, "slug": slug, "metres": metres},
        )
    ).one_or_none()
    return dict(row._mapping) if row else None
