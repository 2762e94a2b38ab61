"""The SQL of a vector tile (`GET /tiles/{z}/{x}/{y}.pbf`): layers `projects`, `clusters`, `towns`, `county`.

Kept here, with the other reads, so the router only parses parameters and the benchmark can
EXPLAIN exactly what the endpoint runs.

- `towns` and `county`, the frame, come from their stored Web Mercator copies (migration 0017,
  generated columns with their own GiST index): filters never change them, so nothing about
  them is transformed per request; each tile only clips and quantises what it shows.
- `projects`, filtered like `/api/projects` by the one `ProjectFilter`. Up to zoom
  GRID_MAX_ZOOM a tile of a large catalog would hold tens of thousands of points, so there the
  projects small enough to be a dot (smaller than one grid cell) are counted into a grid of
  GRID_CELL_PX-pixel cells, in the database: a cell holding one project draws that project as
  at higher zooms; a cell holding more becomes one feature of the `clusters` layer with its
  `count` (drawn at the cell's centre) and `mix`, the counts by combination of warnings
  (`:12;late_start+stale:3`, the empty combination first), so the page can still count
  exactly what its warning switches show.
  Larger lines and areas stay whole features: their shape is the information. A point is
  counted in the one tile that holds it (each tile's envelope half-open), so counts never
  repeat across tiles. The lists of what lies somewhere come from the API, never a tile.
- The warnings of each project are computed once (the inner select's LIMIT keeps PostgreSQL
  from flattening it) with *today's* date bound at read time: four of the six warnings change
  with the day, not only with writes, so nothing dated is stored.

Counts from kept keys (`_grid_keys_sql`, migration 0019): a public tile of today up to GRID_MAX_ZOOM,
filtered at most by plan, town, status, category and warning, reads its cells' counts from
`stats_project_keys`, which the database keeps after every write (0018's triggers) with each
project's cell on the finest grid (a z=10 tile's cells) and its Morton code: a tile is one range of
that code, read from an index that includes every column needed, so the counts cost one index range
instead of a visit to every project's heap page and plan membership (at a million projects a z=10
tile went from 15,159 buffers to 1,744). The warnings of a key come from its dates on the reference
day, as in app/queries/summary.py. The projects drawn (whole, or alone in their cell) are still read
from the source, so each keeps every property. Anything else (staff, `as_of`, bbox, text, distance,
years, geometry kind, CQL2, no_report/behind, a plan membership dated after the day) takes the live
SQL; tests/queries/test_tile_keys.py checks the two give the same bytes.

Sensitive sites: the public reads `projects_public`, where such a site is already at its town
seat, so a cell counts it there and nowhere else, as the public project list does.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import clock
from app.queries.driver import PooledReader, run_pooled
from app.queries.plan_scope import CHOSEN_PLAN_ID
from app.queries.project_filter import WARNINGS_SQL, ProjectFilter, rag_sql
from app.queries.summary import SUMMARY_WARNINGS_SQL, current_sql, key_clauses, summary_applies, summary_params

EXTENT = 4096  # tile coordinate space, the MVT default
BUFFER = 64  # tile units kept around the tile so lines and outlines join without seams
# At most this many projects in one tile (the lowest ids first, so a tile is always the same bytes).
MAX_TILE_FEATURES = 20_000
# Zooms up to this one aggregate small projects into grid cells. Lianzhou fills about four z=10 tiles;
# a z=10 tile of Guangdong at a million projects holds thousands of them.
GRID_MAX_ZOOM = 10
# The cell, in pixels of a 256-pixel tile: 8 × 8 cells a tile, wide enough for a count to be read.
GRID_CELL_PX = 32
TILE_PX = 256
# Every geometry at least this wide (a z=10 cell, in Web Mercator metres) is in the partial index
# projects_tile_large_idx (migration 0019); written exactly as its predicate, so the planner can use it.
LARGE_EXTENT = "(40075016.685578488 / 8192)"
# And those at least a z=7 cell wide, in projects_tile_huge_idx: what a tile at z <= HUGE_MAX_ZOOM may draw whole.
HUGE_EXTENT = "(40075016.685578488 / 1024)"
HUGE_MAX_ZOOM = 7

_ENV = "ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer))"
_ENV_MARGIN = (
    f"ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer), margin => {BUFFER / EXTENT})"
)
_ENV_4326 = f"ST_Transform({_ENV_MARGIN}, 4326)"
# The tile's width in metres of Web Mercator (the world is 2 × 20037508.34 m wide), over cells.
_CELL_M = f"(40075016.685578488 / (1 << CAST(:z AS integer)) / {TILE_PX // GRID_CELL_PX})"

# Web Mercator (EPSG:3857) by arithmetic on a sphere of the WGS84 semi-major axis, as PROJ does.
_M_PER_DEGREE = 111319.49079327357  # 20037508.342789244 / 180


def _merc_y(lat: str) -> str:
    return f"(ln(tan(pi() / 4 + radians({lat}) / 2)) * 6378137.0)"


_PROJECT_COLUMNS = (
    "p.id, p.slug, p.name_zh AS name, p.name_en, p.status, p.category, "
    "p.location_precision AS precision, ST_Dimension(p.geom) AS dim"
)
_PROJECT_PROPERTIES = (
    f"r.id, r.slug, r.name, r.name_en, r.status, r.category, r.precision, r.dim, {rag_sql('r.w')} AS rag, "
    "array_to_string(r.w, ',') AS warnings"
)


def _mvt_geom(column: str) -> str:
    return f"ST_AsMVTGeom({column}, {_ENV}, {EXTENT}, {BUFFER}, true)"


def _layer(name: str, select: str, with_id: bool = True) -> str:
    id_arg = ", 'id'" if with_id else ""
    return (
        f"COALESCE((SELECT ST_AsMVT(l, '{name}', {EXTENT}, 'geom'{id_arg}) FROM ({select}) l "
        "WHERE l.geom IS NOT NULL), ''::bytea)"
    )


def _frame() -> str:
    towns = (
        f"SELECT t.id, t.slug, t.name_zh AS name, t.name_en, t.kind, {_mvt_geom('t.area_3857')} AS geom "
        f"FROM towns t WHERE t.area_3857 && {_ENV_MARGIN} ORDER BY t.id"
    )
    county = (
        f"SELECT c.id, c.adcode, c.name_zh AS name, c.name_en, {_mvt_geom('c.geom_3857')} AS geom "
        f"FROM county_boundary c WHERE c.geom_3857 && {_ENV_MARGIN}"
    )
    return f"{_layer('towns', towns)} || {_layer('county', county)}"


def _features_sql(matching: str) -> str:
    """Every project as itself: the tiles above GRID_MAX_ZOOM."""
    rows = (
        f"SELECT {_PROJECT_COLUMNS}, {WARNINGS_SQL} AS w, {_mvt_geom('ST_Transform(p.geom, 3857)')} AS geom "
        f"FROM {matching} AND p.geom && {_ENV_4326} ORDER BY p.id LIMIT {MAX_TILE_FEATURES}"
    )
    projects = f"SELECT {_PROJECT_PROPERTIES}, r.geom FROM ({rows}) r"
    return f"SELECT {_layer('projects', projects)} || {_frame()}"


def _grid_sql(matching: str) -> str:
    """Small projects counted into grid cells, large ones whole: the tiles up to GRID_MAX_ZOOM.

    One pass reads the projects (`r`: each with its cell and whether it is counted or drawn
    whole); the cells are one aggregate over it, and the projects layer a second read of it.
    """
    inside = "q.cx >= t.x0 AND q.cx < t.x1 AND q.cy > t.y0 AND q.cy <= t.y1"
    last = TILE_PX // GRID_CELL_PX - 1
    return f"""
        WITH grid AS MATERIALIZED (
            SELECT ST_XMin(e) AS x0, ST_XMax(e) AS x1, ST_YMin(e) AS y0, ST_YMax(e) AS y1, cell
            FROM (SELECT {_ENV} AS e, {_CELL_M} AS cell) tile
        ), r AS MATERIALIZED (
            SELECT q.id, q.slug, q.name, q.name_en, q.status, q.category, q.precision, q.dim, q.w, q.geom AS src,
                   q.extent >= t.cell AS whole,
                   q.extent < t.cell AND {inside} AS counted,
                   -- Clamped: a point a rounding error from the tile's edge stays in the tile's last cell.
                   least(floor((q.cx - t.x0) / t.cell), {last}) AS i, least(floor((t.y1 - q.cy) / t.cell), {last}) AS j
            FROM (
                -- Where a project falls and how large it is, from its bounding box (stored with the
                -- geometry) in Web Mercator by arithmetic: no geometry is transformed to be counted.
                SELECT m.*, (ST_XMin(m.b) + ST_XMax(m.b)) / 2 * {_M_PER_DEGREE} AS cx,
                       ({_merc_y("ST_YMin(m.b)")} + {_merc_y("ST_YMax(m.b)")}) / 2 AS cy,
                       greatest((ST_XMax(m.b) - ST_XMin(m.b)) * {_M_PER_DEGREE},
                                {_merc_y("ST_YMax(m.b)")} - {_merc_y("ST_YMin(m.b)")}) AS extent
                FROM (
                    SELECT {_PROJECT_COLUMNS}, {WARNINGS_SQL} AS w, p.geom, box2d(p.geom) AS b
                    FROM {matching} AND p.geom && {_ENV_4326}
                ) m
            ) q CROSS JOIN grid t
        ), cells AS MATERIALIZED (
            SELECT i, j, sum(n)::int AS n, string_agg(k || ':' || n, ';' ORDER BY k) AS mix
            FROM (SELECT i, j, array_to_string(w, '+') AS k, count(*) AS n FROM r WHERE counted GROUP BY i, j, k) m
            GROUP BY i, j
        )
        SELECT {
        _layer(
            "projects",
            f'''
            SELECT {_PROJECT_PROPERTIES}, r.geom FROM (
                SELECT r.*, {_mvt_geom("ST_Transform(r.src, 3857)")} AS geom FROM r
                WHERE r.whole OR (r.counted AND (r.i, r.j) IN (SELECT i, j FROM cells WHERE n = 1))
                ORDER BY r.id LIMIT {MAX_TILE_FEATURES}
            ) r''',
        )
    }
        || {
        _layer(
            "clusters",
            f'''
            -- Drawn at the cell's centre, half a cell from any tile edge, so no tile cuts a cluster in two.
            SELECT c.n AS count, c.mix, {
                _mvt_geom("ST_SetSRID(ST_MakePoint(t.x0 + (c.i + 0.5) * t.cell, t.y1 - (c.j + 0.5) * t.cell), 3857)")
            } AS geom
            FROM cells c CROSS JOIN grid t WHERE c.n > 1 ORDER BY c.i, c.j''',
            with_id=False,
        )
    }
        || {_frame()}
    """


def keys_apply(flt: ProjectFilter) -> bool:
    """Whether a grid tile for `flt` may count from the kept keys (the module's docstring): the public's tile of
    today, filtered at most by plan, town, status, category and warning. The caller also checks
    `app.queries.summary.summary_current` (no membership of the plan dated after the day)."""
    return not flt.staff and summary_applies(flt)


def _warning_filter(flt: ProjectFilter) -> str:
    """`flt`'s warning condition on a group `s` of keys (their dates) and the plan `pl`; `true` without one."""
    return f"{SUMMARY_WARNINGS_SQL} && CAST(:f_warnings AS text[])" if flt.warnings else "true"


def _key_filters(flt: ProjectFilter) -> str:
    """`flt`'s plan, town, status and category conditions on a row `s` of stats_project_keys."""
    return " AND ".join([f"{CHOSEN_PLAN_ID} = ANY(s.plans)", *key_clauses(flt)])


def _grid_keys_sql(flt: ProjectFilter, matching: str, z: int) -> str:
    """The grid tile of `_grid_sql`, its counts read from the keys the database keeps (migration 0019).

    The cells: one range scan of `stats_project_keys_tile_idx` (the tile's cells are one range of
    Morton codes), index only, each key's warnings from its dates on the reference day as the
    statistics compute them. Drawn from `projects` as before: the projects at least one cell wide
    that reach into the tile (the partial index `projects_tile_large_idx` holds every geometry a
    z=10 cell wide or more), and the one project of each cell that counts only one.
    """
    shift = "(10 - CAST(:z AS integer))"
    span = "(2 * (13 - CAST(:z AS integer)))"
    code = "tile_morton(CAST(:x AS integer), CAST(:y AS integer))"
    first, last = f"({code} << {span})", f"(({code} + 1) << {span})"
    drawn = f"SELECT {_PROJECT_COLUMNS}, {WARNINGS_SQL} AS w, p.geom AS src FROM {matching}"
    projects = _layer(
        "projects",
        f"SELECT {_PROJECT_PROPERTIES}, r.geom FROM (SELECT r.*, "
        f"{_mvt_geom('ST_Transform(r.src, 3857)')} AS geom FROM r ORDER BY r.id) r",
    )
    centre = "ST_SetSRID(ST_MakePoint(t.x0 + (c.i + 0.5) * t.cell, t.y1 - (c.j + 0.5) * t.cell), 3857)"
    clusters = _layer(
        "clusters",
        f"SELECT c.n AS count, c.mix, {_mvt_geom(centre)} AS geom FROM cells c CROSS JOIN grid t "
        "WHERE c.n > 1 ORDER BY c.i, c.j",
        with_id=False,
    )
    return f"""
        WITH grid AS MATERIALIZED (
            SELECT ST_XMin(e) AS x0, ST_YMax(e) AS y1, cell
            FROM (SELECT {_ENV} AS e, {_CELL_M} AS cell) tile
        ), pl AS MATERIALIZED (
            SELECT pl0.id, make_date(pl0.period_end, 12, 31) AS plan_end FROM plans pl0 WHERE pl0.id = {CHOSEN_PLAN_ID}
        ), k AS MATERIALIZED (
            -- Grouped on the cell and the dates first (few groups: projects of one cell share most keys), so the
            -- warnings and their text are computed once per group, not once per project.
            SELECT s.i, s.j, array_to_string({SUMMARY_WARNINGS_SQL}, '+') AS k, s.n, s.one
            FROM (
                -- i, j as double precision, as the live grid has them, so the cells' centres are the same numbers.
                SELECT ((s.tile_gx >> {shift}) & 7)::float8 AS i, ((s.tile_gy >> {shift}) & 7)::float8 AS j,
                       s.start_due, s.end_due, s.open_undated, s.no_recorded_start, s.over_budget, s.info_until,
                       count(*) AS n, min(s.project_id) AS one
                FROM stats_project_keys s
                WHERE s.tile_cell >= {first} AND s.tile_cell < {last} AND s.tile_cell IS NOT NULL
                  AND s.tile_extent < (SELECT cell FROM grid) AND {_key_filters(flt)}
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ) s CROSS JOIN pl
            WHERE {_warning_filter(flt)}
        ), cells AS MATERIALIZED (
            SELECT i, j, sum(n)::int AS n, string_agg(k || ':' || n, ';' ORDER BY k) AS mix, min(one) AS one
            FROM (SELECT i, j, k, sum(n) AS n, min(one) AS one FROM k GROUP BY i, j, k) m
            GROUP BY i, j
        ), r AS MATERIALIZED (
            SELECT * FROM (
                {drawn} AND p.geom && {_ENV_4326}
                    AND tile_extent(p.geom) >= {HUGE_EXTENT if z <= HUGE_MAX_ZOOM else LARGE_EXTENT}
                    AND tile_extent(p.geom) >= (SELECT cell FROM grid)
                UNION ALL
                {drawn} AND p.id = ANY(ARRAY(SELECT one FROM cells WHERE n = 1))
            ) d ORDER BY d.id LIMIT {MAX_TILE_FEATURES}
        )
        SELECT {projects} || {clusters} || {_frame()}
    """


def tile_sql(flt: ProjectFilter, z: int, keys: bool = False) -> tuple[str, dict[str, Any]]:
    """The query returning the tile's bytes (its layers concatenated), and its filter parameters.

    Bind `z`, `x`, `y` in addition; `z` also chooses between the grid and the plain projects. `keys`: count
    the grid from the kept keys; only when `keys_apply(flt)` and the summary is current (else live).
    """
    matching, params = flt.matching()
    if z > GRID_MAX_ZOOM:
        return _features_sql(matching), params
    if keys:
        return _grid_keys_sql(flt, matching, z), {**params, **summary_params(flt)}
    return _grid_sql(matching), params


# The public's plain tile (app/api/public_tile.py): its statements built once per (stale_days, day, form of the
# SQL) rather than per request, as `public_feature_sql` does for one project.
_public: dict[tuple[int, date, str], tuple[str, dict[str, Any]]] = {}


def _daily(stale_days: int, form: str, build: Callable[[], tuple[str, dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    today = clock.today()
    found = _public.get((stale_days, today, form))
    if found is None:
        found = build()
        if found[1]["f_ref_date"] == today:  # not kept if midnight fell between the two readings of the clock
            if any(day != today for _, day, _ in _public):
                _public.clear()  # yesterday's are no longer asked for
            _public[(stale_days, today, form)] = found
    return found


def public_tile_sql(stale_days: int, z: int, keys: bool) -> tuple[str, dict[str, Any]]:
    """`tile_sql(ProjectFilter(stale_days=stale_days), z, keys)`: the public's tile without filters. Its SQL has
    four forms (street level; the grid live; the grid from the keys, below or above HUGE_MAX_ZOOM), z is bound."""
    form = "features" if z > GRID_MAX_ZOOM else "grid" if not keys else "huge" if z <= HUGE_MAX_ZOOM else "keys"
    return _daily(stale_days, form, lambda: tile_sql(ProjectFilter(stale_days=stale_days), z, keys=keys))


def public_current_sql(stale_days: int) -> tuple[str, dict[str, Any]]:
    """`current_sql(ProjectFilter(stale_days=stale_days))`: whether the public's grid tiles may count from the keys."""
    return _daily(stale_days, "current", lambda: current_sql(ProjectFilter(stale_days=stale_days)))


async def fetch_public_tile(engine: AsyncEngine, stale_days: int, z: int, x: int, y: int) -> bytes:
    """The tile the public sees without any filter (`projects_public`: sensitive sites at their town seat), made
    as the tile route makes it for `ProjectFilter(stale_days=…)`, on one connection of the engine's pool lent
    for its statements (`run_pooled`): up to GRID_MAX_ZOOM whether the kept keys are current (`keys_apply` holds
    for this filter), then the tile, street-level tiles with their generic plan."""
    return await run_pooled(engine, lambda read: _public_tile(read, stale_days, z, x, y))


def _public_tile(read: PooledReader, stale_days: int, z: int, x: int, y: int) -> bytes:
    keys = False
    if z <= GRID_MAX_ZOOM:
        current = read.one(*public_current_sql(stale_days))
        keys = current is not None and bool(current[0])
    sql, params = public_tile_sql(stale_days, z, keys)
    row = read.one(sql, {**params, "z": z, "x": x, "y": y}, generic_plan=z > GRID_MAX_ZOOM)
    return bytes(row[0]) if row is not None else b""
