"""SQL of the plan catalog's lookups (statuses and categories with their labels).

The labels live in the lookup tables (migration 0001 and 0004), the one source for every
surface; these statements read them in the order each list is shown: statuses in their
workflow order, categories alphabetically in the reader's language.
"""

from typing import Any

from sqlalchemy import Connection, Row, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection


def _label(lang: str) -> str:
    """The label column for a page language (English or, by default, Chinese); never user input."""
    return "label_en" if lang == "en" else "label_zh"


def _statuses_sql(lang: str) -> TextClause:
    return text(f"SELECT code, {_label(lang)} AS label FROM project_statuses ORDER BY sort_order")


def _categories_sql(lang: str) -> TextClause:
    return text(f"SELECT code, {_label(lang)} AS label FROM project_categories ORDER BY {_label(lang)}")


async def vocabulary_rows(conn: AsyncConnection, lang: str) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """(statuses, categories) as (code, label) rows, for the async web app."""
    statuses = (await conn.execute(_statuses_sql(lang))).all()
    categories = (await conn.execute(_categories_sql(lang))).all()
    return list(statuses), list(categories)


def vocabulary_rows_sync(conn: Connection, lang: str) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """The same for synchronous callers (CLI, wall maps written from the command line)."""
    return list(conn.execute(_statuses_sql(lang)).all()), list(conn.execute(_categories_sql(lang)).all())


# --- County outline and towns (app/catalog/boundaries.py) ---

COUNTY_UNCHANGED = text("""SELECT name_zh = :name_zh AND name_en = :name_en AND source = :source
                          AND crs_note = :crs_note
                          AND ST_OrderingEquals(geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326)))
                   FROM county_boundary WHERE adcode = :adcode""")
UPSERT_COUNTY = text("""INSERT INTO county_boundary (adcode, name_zh, name_en, geom, source, crs_note)
                   VALUES (:adcode, :name_zh, :name_en,
                           ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326)), :source, :crs_note)
                   ON CONFLICT (adcode) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
                       geom = EXCLUDED.geom, source = EXCLUDED.source, crs_note = EXCLUDED.crs_note""")
TOWN_UNCHANGED = text("""SELECT name_zh = :name_zh AND name_en = :name_en AND kind = :kind
                          AND ST_Equals(seat, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
                   FROM towns WHERE slug = :slug""")
UPSERT_TOWN = text("""INSERT INTO towns (slug, name_zh, name_en, kind, seat, seat_source, area_precision)
                   VALUES (:slug, :name_zh, :name_en, :kind, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
                           :seat_source, 'approximate')
                   ON CONFLICT (slug) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
                       kind = EXCLUDED.kind, seat = EXCLUDED.seat, seat_source = EXCLUDED.seat_source""")
DERIVE_TOWN_AREAS = text("""
            WITH county AS (SELECT ST_Union(geom) AS geom FROM county_boundary),
                 cells AS (
                   SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(t.seat), 0.0,
                                    ST_Expand(ST_Envelope(county.geom), 0.5)))).geom AS cell
                   FROM towns t, county GROUP BY county.geom),
                 areas AS (
                   SELECT t.id, ST_Multi(ST_CollectionExtract(ST_Intersection(c.cell, county.geom), 3)) AS area
                   FROM towns t JOIN cells c ON ST_Contains(c.cell, t.seat) CROSS JOIN county
                   WHERE t.area_precision = 'approximate')
            UPDATE towns t SET area = a.area, area_source = :source
            FROM areas a
            WHERE t.id = a.id AND (t.area IS NULL OR NOT ST_Equals(t.area, a.area))
            RETURNING t.slug
            """)


# --- Projects of the catalog (app/catalog/projects.py) ---

TOWN_SLUGS = text("SELECT slug FROM towns")
# A town as a bureau's spreadsheet may name it (XLSX imports): slug, Chinese or English name.
TOWN_NAMES = text("SELECT slug, name_zh, name_en FROM towns")
STORED_PROJECT = text(
    """SELECT p.id, p.version, p.seeded_version, p.name_zh, p.name_en, p.aliases, p.category, p.status,
              p.status_basis, p.location_precision, p.location_note, p.location_note_zh, p.plan_chapter,
              p.plan_section, p.source_quote, p.figures, p.start_year, p.end_year,
              ST_AsGeoJSON(p.geom)::text AS geojson,
              ST_OrderingEquals(p.geom, ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)) AS same_geom,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id ORDER BY t.slug) AS towns
       FROM projects p WHERE p.slug = :slug"""
)
INSERT_PROJECT = text(
    """INSERT INTO projects (slug, name_zh, name_en, aliases, category, status, status_basis, geom,
                             location_precision, location_note, location_note_zh, plan_chapter, plan_section,
                             source_quote, figures, start_year, end_year, version, seeded_version)
       VALUES (:slug, :name_zh, :name_en, :aliases, :category, :status, :status_basis,
               ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326), :location_precision, :location_note,
               :location_note_zh, :plan_chapter, :plan_section, :source_quote, CAST(:figures AS jsonb), :start_year,
               :end_year, 1, :seeded_version)
       RETURNING id"""
)
UPDATE_PROJECT = text(
    """UPDATE projects SET name_zh = :name_zh, name_en = :name_en, aliases = :aliases, category = :category,
              status = :status, status_basis = :status_basis,
              geom = ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326),
              location_precision = :location_precision, location_note = :location_note,
              location_note_zh = :location_note_zh,
              plan_chapter = :plan_chapter, plan_section = :plan_section, source_quote = :source_quote,
              figures = CAST(:figures AS jsonb), start_year = :start_year, end_year = :end_year,
              version = version + 1, updated_at = now(),
              seeded_version = CASE WHEN :seed_owned THEN version + 1 ELSE seeded_version END
       WHERE id = :id AND version = :version"""
)
DROP_OTHER_TOWNS = text(
    """DELETE FROM project_towns pt USING towns t
       WHERE pt.project_id = :id AND t.id = pt.town_id AND NOT (t.slug = ANY(:towns))"""
)
ADD_TOWNS = text(
    """INSERT INTO project_towns (project_id, town_id)
       SELECT :id, t.id FROM towns t WHERE t.slug = ANY(:towns)
       ON CONFLICT DO NOTHING"""
)


# --- Imports (app/catalog/importer.py) ---

EXISTING_SLUGS = text("SELECT slug FROM projects WHERE slug = ANY(:slugs)")
# Taken before an --update overwrites: nobody may edit these rows until the import commits,
# so each update applies to the version just read (the same lock an UPDATE of the rows takes).
LOCK_PROJECTS = text("SELECT id FROM projects WHERE slug = ANY(:slugs) ORDER BY id FOR NO KEY UPDATE")
# An imported project belongs to the importer: a later seed must never take it back.
DISOWN_PROJECTS = text("UPDATE projects SET seeded_version = NULL WHERE slug = ANY(:slugs)")
SAME_GEOMETRY = text(
    """SELECT ST_AsGeoJSON(p.geom, 15)
       FROM projects p, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) AS g) n
       WHERE p.slug = :slug AND GeometryType(p.geom) = GeometryType(n.g) AND ST_NPoints(p.geom) = ST_NPoints(n.g)
         AND ST_HausdorffDistance(p.geom, n.g) <= :tol"""
)


# --- Geometry checks (app/catalog/checks.py) ---

CHECK_GEOMETRY = text(
    """
    WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) AS geom),
         c AS (SELECT ST_Union(geom) AS geom FROM county_boundary)
    SELECT replace(ST_GeometryType(g.geom), 'ST_', '')            AS kind,
           ST_IsValid(g.geom)                                    AS valid,
           ST_IsValidReason(g.geom)                              AS reason,
           ST_IsEmpty(g.geom)                                    AS empty,
           ST_XMin(g.geom) >= -180 AND ST_XMax(g.geom) <= 180
             AND ST_YMin(g.geom) >= -90 AND ST_YMax(g.geom) <= 90 AS in_range,
           c.geom IS NOT NULL AND ST_Intersects(g.geom, c.geom)  AS touches_county,
           c.geom IS NOT NULL AND ST_CoveredBy(g.geom, ST_Buffer(c.geom, :tol)) AS inside_county,
           ARRAY(SELECT t.slug FROM towns t
                 WHERE t.area IS NOT NULL AND ST_Intersects(t.area, g.geom)
                 ORDER BY t.slug)                                AS computed_towns
    FROM g LEFT JOIN c ON true
    """
)


# --- Seed (app/catalog/seed.py) ---

MARK_CATALOG_LOAD = text("SELECT set_config('planmap.loading_catalog', 'on', true)")
# New projects of this load join the named plan, their information dated to its revision
# (the triggers of migration 0010 read it).
SET_LOAD_PLAN = text("SELECT set_config('planmap.plan', :p, true)")


# --- Synthetic catalogs for benchmarks (app/catalog/synth.py, `planmap dev synth`) ---

# Reports and programme items of synthetic projects go first, set-based, like the town links.
SYNTH_DELETE_REPORTS = text(
    "DELETE FROM progress_reports r USING projects p WHERE r.project_id = p.id AND p.slug LIKE :p"
)
SYNTH_DELETE_ITEMS = text("DELETE FROM programme_items i USING projects p WHERE i.project_id = p.id AND p.slug LIKE :p")
SYNTH_UNLINK_TOWNS = text("DELETE FROM project_towns pt USING projects p WHERE pt.project_id = p.id AND p.slug LIKE :p")
SYNTH_DELETE = text("DELETE FROM projects WHERE slug LIKE :p")
SYNTH_NEXT_INDEX = text("SELECT max(substring(slug FROM '^synth-([0-9]+)$')::bigint) FROM projects WHERE slug LIKE :p")
TOWN_COUNT = text("SELECT count(*) FROM towns")
SYNTH_TEMPLATES_TABLE = text("""
            CREATE TEMP TABLE synth_templates (
                n int PRIMARY KEY, template_slug text, kind text, name_zh text, name_en text, aliases text[],
                category text, status text, status_basis text, plan_chapter text, plan_section text,
                source_quote text, figures jsonb, start_year smallint, end_year smallint
            ) ON COMMIT DROP
            """)
SYNTH_INSERT_TEMPLATE = text(
    "INSERT INTO synth_templates VALUES (:n, :template_slug, :kind, :name_zh, :name_en, :aliases, :category, "
    ":status, :status_basis, :plan_chapter, :plan_section, :source_quote, CAST(:figures AS jsonb), "
    ":start_year, :end_year)"
)
SYNTH_TOWNS_TABLE = text(
    "CREATE TEMP TABLE synth_towns ON COMMIT DROP AS SELECT id, ST_X(seat) AS x, ST_Y(seat) AS y FROM towns"
)
SYNTH_SETSEED = text("SELECT setseed(:s)")
# One batch: draw template, anchor point and shape numbers per row; grow the geometry the
# template's kind asks for (a point; a 3-vertex line of 1–10 km; an octagon of 0.3–2 km);
# insert the projects; link each to the town with the nearest seat. Everything stays in
# PostgreSQL, so a batch is one round trip.
SYNTH_BATCH = text("""
WITH src AS (
    SELECT g.i,
           floor(random() * :ntpl)::int AS tn,
           :minx + random() * (:maxx - :minx) AS x,
           :miny + random() * (:maxy - :miny) AS y,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g(i)
), shaped AS (
    SELECT 'synth-' || s.i AS slug, s.i, s.x, s.y, t.*,
           CASE t.kind
             WHEN 'point' THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)
             WHEN 'line' THEN ST_SetSRID(ST_MakeLine(ARRAY[
                 ST_MakePoint(s.x, s.y),
                 ST_MakePoint(s.x + 0.004 + s.r1 * 0.04, s.y + (s.r2 - 0.5) * 0.04),
                 ST_MakePoint(s.x + 0.008 + s.r1 * 0.08, s.y + (s.r3 - 0.5) * 0.06)]), 4326)
             ELSE ST_SetSRID(ST_Buffer(ST_MakePoint(s.x, s.y), 0.003 + s.r4 * 0.015, 'quad_segs=2'), 4326)
           END AS geom,
           (SELECT st.id FROM synth_towns st ORDER BY (st.x - s.x) ^ 2 + (st.y - s.y) ^ 2 LIMIT 1) AS town_id
    FROM src s JOIN synth_templates t ON t.n = s.tn
), inserted AS (
    INSERT INTO projects (slug, name_zh, name_en, aliases, category, status, status_basis, geom,
                          location_precision, location_note, plan_chapter, plan_section, source_quote,
                          figures, start_year, end_year)
    SELECT slug, name_zh, name_en || ' (synthetic #' || i || ')', aliases, category, status, status_basis, geom,
           'approximate', replace(:note, '{template}', template_slug), plan_chapter, plan_section, source_quote,
           figures, start_year, end_year
    FROM shaped
    RETURNING id, slug
)
INSERT INTO project_towns (project_id, town_id)
SELECT ins.id, sh.town_id FROM inserted ins JOIN shaped sh ON sh.slug = ins.slug
""")
# A year's programme for synthetic progress: the plan whose period covers the year; an existing programme is reused.
SYNTH_PROGRAMME = text(
    """INSERT INTO annual_programmes (plan_id, year)
       SELECT id, :year FROM plans WHERE :year BETWEEN period_start AND period_end
       ORDER BY period_start DESC, id DESC LIMIT 1
       ON CONFLICT (year) DO UPDATE SET year = EXCLUDED.year
       RETURNING id"""
)
# Every synthetic project not yet in the programme joins it, with a random class and planned investment (万元).
SYNTH_PROGRAMME_ITEMS = text(
    """INSERT INTO programme_items (programme_id, project_id, class, planned_investment_cny_10k, target)
       SELECT :programme, p.id,
              (ARRAY['new_start', 'continuing', 'completion', 'preparatory'])[1 + floor(random() * 4)::int],
              round((100 + random() * 9900)::numeric, 2), :target
       FROM projects p WHERE p.slug LIKE :p
       ON CONFLICT (programme_id, project_id) DO NOTHING"""
)
# Twelve approved monthly reports per synthetic item of the programme (version 1, filed on the 5th of the
# next month): each month's investment a random share of the planned twelfth, progress rising to the year's end.
SYNTH_REPORTS = text(
    """INSERT INTO progress_reports (project_id, programme_id, month, version, invested_cny_10k, progress_pct,
                                    work_done, state, submitted_at, reviewed_at)
       SELECT i.project_id, i.programme_id, make_date(:year, m, 1), 1,
              round(coalesce(i.planned_investment_cny_10k, 0) / 12 * CAST(0.5 + random() AS numeric), 2),
              least(100, round((m * 8 + random() * 4)::numeric, 2)), :note, 'approved',
              make_date(:year, m, 1) + interval '1 month 4 days', make_date(:year, m, 1) + interval '1 month 6 days'
       FROM programme_items i JOIN projects p ON p.id = i.project_id, generate_series(1, 12) AS m
       WHERE i.programme_id = :programme AND p.slug LIKE :p
       ON CONFLICT (project_id, month, version) DO NOTHING"""
)
# A bulk load's summary: the per-statement refresh stands aside for the transaction, one rebuild at its end
# (migration 0021, progress_summary_rebuild); the setting is cleared so later statements refresh again.
SUMMARY_BULK_BEGIN = text("SELECT set_config('planmap.summary_bulk', 'on', true)")
SUMMARY_BULK_END = text("SELECT progress_summary_rebuild(), set_config('planmap.summary_bulk', '', true)")
ANALYZE_PROGRESS = text("ANALYZE programme_items, progress_reports")
ANALYZE_PROJECTS = text("ANALYZE projects")
ANALYZE_PROJECT_TOWNS = text("ANALYZE project_towns")
