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

Sensitive sites: the public reads `projects_public`, where such a site is already at its town
seat, so a cell counts it there and nowhere else, as the public project list does.
"""

from typing import Any

from app.queries.project_filter import WARNINGS_SQL, ProjectFilter, rag_sql

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


def tile_sql(flt: ProjectFilter, z: int) -> tuple[str, dict[str, Any]]:
    """The query returning the tile's bytes (its layers concatenated), and its filter parameters.

    Bind `z`, `x`, `y` in addition; `z` also chooses between the grid and the plain projects.
    """
    matching, params = flt.matching()
    sql = _grid_sql(matching) if z <= GRID_MAX_ZOOM else _features_sql(matching)
    return sql, params
