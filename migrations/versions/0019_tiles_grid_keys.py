"""Low-zoom vector tiles from keys kept by the database (issue 23, fifth round).

A tile up to zoom 10 counts the small projects into 8 × 8 grid cells (app/queries/tiles.py). Read
live, that meant visiting every project of the tile: at a million synthetic projects a z=10 tile over
Lianzhou holds about 3,000, each on its own heap page, each joined to its plan membership — some
15,000 buffers for 64 counts. The counts now come from `stats_project_keys` (0018), which already
holds, per live project, its plans, towns, status, category and the dates its warnings compare with
the reference day, and is kept by 0018's statement triggers after every insert, edit, delete,
restore, merge and change of towns or plans. This migration adds where the project falls on the grid:

- `tile_gx`, `tile_gy`: the cell of the finest grid any tile counts into (a z=10 tile's 32-pixel
  cells: 2^13 cells around the world), of the centre of the bounding box of the geometry *the public
  sees* (a sensitive site at its town seat, as `projects_public` has it), in Web Mercator by the same
  arithmetic as the live tile SQL; a tile at zoom z ≤ 10 finds a project's cell by a shift;
- `tile_cell`: the two interleaved (Morton order), so that every tile at any zoom up to 13 is one
  contiguous range of it, read by one scan of `stats_project_keys_tile_idx`, which includes every
  column the tile reads (an index-only scan: no heap page per project);
- `tile_extent`: the larger side of that bounding box in Web Mercator metres; a project at least one
  cell wide is drawn whole, never counted, so the tile still reads those from `projects`, through the
  partial index `projects_tile_large_idx` of the geometries at least one z=10 cell wide (and, at z ≤ 7,
  `projects_tile_huge_idx`, those a z=7 cell wide).

The public geometry of a sensitive site depends on its towns' seats and slugs, so a statement that
changes a town's seat or slug refreshes the keys of the sensitive projects in it (`tiles_follow_towns`).
Staff tiles (precise geometry), past days (`as_of`) and filters the keys do not hold stay live.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HALF_WORLD = "20037508.342789244"  # half the width of the Web Mercator world, metres
M_PER_DEGREE = "111319.49079327357"  # HALF_WORLD / 180
FINE_CELL = "(40075016.685578488 / 8192)"  # a z=10 tile's 32-pixel cell: the finest cell a tile counts into
HUGE_CELL = "(40075016.685578488 / 1024)"  # a z=7 tile's cell


def _merc_y(lat: str) -> str:
    return f"(ln(tan(pi() / 4 + radians({lat}) / 2)) * 6378137.0)"


# tile_extent's PostGIS calls name their schema: the function is in two index predicates and a statistics
# object, which pg_restore builds with an empty search_path (unqualified, `box2d` was not found and a
# backup could not be restored).
FUNCTIONS = f"""
CREATE FUNCTION tile_extent(g geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $function$
  SELECT greatest(
    (public.ST_XMax(b) - public.ST_XMin(b)) * {M_PER_DEGREE},
    {_merc_y("public.ST_YMax(b)")} - {_merc_y("public.ST_YMin(b)")}
  )
  FROM (SELECT public.box2d(g) AS b) s
$function$;

-- Every other bit of a 16-bit number spread out (abcd -> 0a0b0c0d), the half of a Morton code.
CREATE FUNCTION tile_spread(v bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $function$
  SELECT (d | (d << 1)) & 1431655765 FROM (
    SELECT (c | (c << 2)) & 858993459 AS d FROM (
      SELECT (b | (b << 4)) & 252645135 AS c FROM (SELECT (v | (v << 8)) & 16711935 AS b) s1) s2) s3
$function$;

-- The Morton code of cell (gx, gy): the cells of any quadtree tile are one contiguous range of it.
CREATE FUNCTION tile_morton(gx integer, gy integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $function$
  SELECT (tile_spread(gx) << 1) | tile_spread(gy)
$function$;
"""

# stats_project_keys_live of 0018 with the four tile columns appended (CREATE OR REPLACE VIEW may only add at the end).
KEYS_VIEW = f"""
CREATE OR REPLACE VIEW stats_project_keys_live AS
SELECT p.id AS project_id,
       coalesce(m.plans, '{{}}') AS plans,
       coalesce(m.chapters, '{{}}') AS chapters,
       coalesce(tw.towns, '{{}}') AS towns,
       p.status::text AS status,
       p.category::text AS category,
       CASE WHEN p.status::text IN ('planned', 'preparing', 'postponed') AND p.actual_start IS NULL
            THEN coalesce(p.planned_start, make_date(p.start_year, 1, 1)) END AS start_due,
       CASE WHEN p.status::text NOT IN ('completed', 'existing', 'cancelled', 'merged') AND p.actual_end IS NULL
            THEN coalesce(p.planned_end, make_date(p.end_year, 12, 31)) END AS end_due,
       (p.status::text NOT IN ('completed', 'existing', 'cancelled', 'merged') AND p.actual_end IS NULL
        AND p.planned_end IS NULL AND p.end_year IS NULL) AS open_undated,
       (p.status::text = 'under_construction' AND p.actual_start IS NULL) AS no_recorded_start,
       coalesce(p.actual_spend_cny_100m > coalesce(p.planned_investment_cny_100m,
                                                   (p.figures->>'investment_cny_100m')::numeric), false) AS over_budget,
       CASE WHEN p.status::text IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
            THEN CASE p.info_precision
                   WHEN 'year' THEN make_date(extract(year FROM p.info_date)::int, 12, 31)
                   WHEN 'month' THEN (p.info_date + interval '1 month')::date - 1
                   ELSE p.info_date END END AS info_until,
       tile_morton(c.gx, c.gy) AS tile_cell,
       c.gx AS tile_gx,
       c.gy AS tile_gy,
       tile_extent(g.geom) AS tile_extent
FROM projects p
LEFT JOIN LATERAL (SELECT array_agg(pt.town_id ORDER BY pt.town_id) AS towns
                   FROM project_towns pt WHERE pt.project_id = p.id) tw ON true
LEFT JOIN LATERAL (SELECT array_agg(pp.plan_id ORDER BY pp.plan_id) AS plans,
                          array_agg(pp.chapter ORDER BY pp.plan_id) AS chapters
                   FROM plan_projects pp WHERE pp.project_id = p.id) m ON true
-- The geometry the public sees (projects_public): a sensitive site at the seat of its first town by slug.
LEFT JOIN LATERAL (SELECT CASE WHEN p.sensitive
                               THEN (SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                     WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1)
                               ELSE p.geom END AS geom) g ON true
LEFT JOIN LATERAL (SELECT box2d(g.geom) AS b) bb ON true
LEFT JOIN LATERAL (SELECT least(greatest(floor(((ST_XMin(bb.b) + ST_XMax(bb.b)) / 2 * {M_PER_DEGREE} + {HALF_WORLD})
                                               / {FINE_CELL}), 0), 8191)::int AS gx,
                          least(greatest(floor(({HALF_WORLD} - ({_merc_y("ST_YMin(bb.b)")}
                                                               + {_merc_y("ST_YMax(bb.b)")}) / 2)
                                               / {FINE_CELL}), 0), 8191)::int AS gy) c ON true
WHERE p.deleted_at IS NULL
"""

FOLLOW_TOWNS = """
CREATE FUNCTION tiles_follow_towns() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  -- A sensitive site is shown at the seat of its first town by slug: a new seat or slug moves it.
  PERFORM stats_summary_refresh(ARRAY(
    SELECT DISTINCT pt.project_id
    FROM changed_new n JOIN changed_old o ON o.id = n.id
    JOIN project_towns pt ON pt.town_id = n.id
    JOIN projects p ON p.id = pt.project_id AND p.sensitive
    WHERE n.seat IS DISTINCT FROM o.seat OR n.slug IS DISTINCT FROM o.slug));
  RETURN NULL;
END $function$
"""

INCLUDED = (
    "project_id, tile_gx, tile_gy, tile_extent, plans, towns, status, category, start_due, end_due, "
    "open_undated, no_recorded_start, over_budget, info_until"
)


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for column, kind in (("tile_cell", "bigint"), ("tile_gx", "integer"), ("tile_gy", "integer")):
        op.execute(f"ALTER TABLE stats_project_keys ADD COLUMN {column} {kind}")
    op.execute("ALTER TABLE stats_project_keys ADD COLUMN tile_extent double precision")
    op.execute(KEYS_VIEW)
    op.execute(
        """UPDATE stats_project_keys k
           SET tile_cell = l.tile_cell, tile_gx = l.tile_gx, tile_gy = l.tile_gy, tile_extent = l.tile_extent
           FROM stats_project_keys_live l WHERE l.project_id = k.project_id"""
    )
    op.execute(
        f"CREATE INDEX stats_project_keys_tile_idx ON stats_project_keys (tile_cell) INCLUDE ({INCLUDED}) "
        "WHERE tile_cell IS NOT NULL"
    )
    op.execute(
        f"CREATE INDEX projects_tile_large_idx ON projects USING gist (geom) WHERE tile_extent(geom) >= {FINE_CELL}"
    )
    # The few geometries a z=7 cell wide (39 km): at z ≤ 7 the index above would hand over every geometry 5 km
    # wide in a tile a few hundred km across, to keep a handful (z=7 over Guangdong at 1 M: 400 ms of 500).
    op.execute(
        f"CREATE INDEX projects_tile_huge_idx ON projects USING gist (geom) WHERE tile_extent(geom) >= {HUGE_CELL}"
    )
    # How many geometries are that wide: without it the planner guessed 2 % of a million rows for the huge index
    # and joined them to every plan membership by a sequential scan (z=7: 376 ms; with it 60 ms).
    op.execute("CREATE STATISTICS projects_tile_extent_stats ON (tile_extent(geom)) FROM projects")
    op.execute("ANALYZE projects")
    op.execute(FOLLOW_TOWNS)
    op.execute(
        "CREATE TRIGGER towns_tiles_update AFTER UPDATE ON towns "
        "REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old "
        "FOR EACH STATEMENT EXECUTE FUNCTION tiles_follow_towns()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER towns_tiles_update ON towns")
    op.execute("DROP FUNCTION tiles_follow_towns()")
    op.execute("DROP STATISTICS projects_tile_extent_stats")
    op.execute("DROP INDEX projects_tile_huge_idx")
    op.execute("DROP INDEX projects_tile_large_idx")
    op.execute("DROP INDEX stats_project_keys_tile_idx")
    # The view of 0018 again (it cannot drop columns in place), then the columns.
    op.execute("DROP VIEW stats_project_keys_live")
    spec = importlib.util.spec_from_file_location("m0018", Path(__file__).with_name("0018_stats_summary.py"))
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.execute(previous.KEYS_VIEW)
    for column in ("tile_cell", "tile_gx", "tile_gy", "tile_extent"):
        op.execute(f"ALTER TABLE stats_project_keys DROP COLUMN {column}")
    op.execute("DROP FUNCTION tile_morton(integer, integer)")
    op.execute("DROP FUNCTION tile_spread(bigint)")
    op.execute("DROP FUNCTION tile_extent(geometry)")
