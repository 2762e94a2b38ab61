"""SQL that makes PostGIS build the GeoJSON, so Python only passes bytes along.

Each expression yields one Feature as json; collections aggregate them with json_agg.
Coordinates keep up to 7 decimals (about 1 cm), more than any location here deserves.
"""

from app.catalog.fields import PROPERTY_NAMES
from app.queries.project_filter import WARNINGS_SQL, rag_sql
from app.queries.summary import TOWN_STATUS_COUNTS

# A property's SQL when it is not simply the column of the same name.
_PROPERTY_SQL: dict[str, str] = {
    "towns": """ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                   WHERE pt.project_id = p.id ORDER BY t.slug)""",
    "merged_into": "(SELECT m.slug FROM projects m WHERE m.id = p.merged_into_id)",
    "plan": "p.plan_slug",
    "warnings": WARNINGS_SQL,
    "rag": rag_sql(WARNINGS_SQL),
}

# The properties in the registry's order (app.catalog.fields), which is the order readers get them in.
PROJECT_PROPERTIES = ",\n".join(f"    '{name}', {_PROPERTY_SQL.get(name, f'p.{name}')}" for name in PROPERTY_NAMES)


def project_feature_sql(extra_properties: str = "") -> str:
    """One project (alias `p`) as a GeoJSON Feature; `extra_properties` adds `'key', expr` pairs."""
    extra = f", {extra_properties}" if extra_properties else ""
    return (
        "json_build_object('type', 'Feature', 'id', p.slug, 'geometry', ST_AsGeoJSON(p.geom, 7)::json, "
        f"'properties', json_build_object({PROJECT_PROPERTIES}{extra}))"
    )


PROJECT_FEATURE = project_feature_sql()


def town_feature(project_count: str, counts_by_status: str) -> str:
    """A town as a GeoJSON Feature; the two count expressions are the caller's (correlated, or a join's)."""
    return f"""
json_build_object(
  'type', 'Feature',
  'id', t.slug,
  'geometry', ST_AsGeoJSON(t.area, 6)::json,
  'properties', json_build_object(
    'slug', t.slug,
    'name_zh', t.name_zh,
    'name_en', t.name_en,
    'kind', t.kind,
    'seat', ST_AsGeoJSON(t.seat, 6)::json,
    'seat_source', t.seat_source,
    'area_precision', t.area_precision,
    'area_source', t.area_source,
    'area_km2', round((ST_Area(t.area::geography) / 1e6)::numeric, 1),
    'project_count', {project_count},
    'counts_by_status', {counts_by_status}
  )
)
"""


# The towns' counts come from the summary the database keeps (migration 0018, rows of plan 0: every live
# project once, whatever its plans): a few hundred rows, where counting the projects themselves took
# 0.5–0.8 s for /api/towns at a million projects (and correlated per-town counts 10.6 s).
# One town at a time (an OGC item, /api/towns/{slug}): that town's summary rows.
TOWN_FEATURE = town_feature(
    f"""(SELECT coalesce(sum(c.n), 0)::bigint FROM {TOWN_STATUS_COUNTS} c WHERE c.town_id = t.id)""",
    f"""COALESCE((SELECT json_object_agg(c.status, c.n) FROM {TOWN_STATUS_COUNTS} c WHERE c.town_id = t.id),
                 '{{}}'::json)""",
)

# Every town at once: the counts of all towns grouped once and joined by town (`tc`, TOWN_COUNTS_JOIN).
TOWN_FEATURE_JOINED = town_feature("COALESCE(tc.total, 0)", "COALESCE(tc.by_status, '{}'::json)")
TOWN_COUNTS_JOIN = f"""LEFT JOIN (
    SELECT s.town_id, sum(s.n)::bigint AS total, json_object_agg(s.status, s.n) AS by_status
    FROM {TOWN_STATUS_COUNTS} s
    GROUP BY s.town_id) tc ON tc.town_id = t.id"""

# Without counts, for the maps: they draw the towns and never show the counts.
TOWN_FEATURE_UNCOUNTED = town_feature("NULL", "NULL")


def feature_collection(feature_sql: str, from_where: str) -> str:
    """A query returning one text value: the FeatureCollection of the selected rows."""
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"COALESCE(json_agg(f.feature), '[]'::json))::text FROM (SELECT {feature_sql} AS feature "
        f"{from_where}) f"
    )


COUNTY_FEATURE = """
json_build_object(
  'type', 'Feature',
  'id', c.adcode,
  'geometry', ST_AsGeoJSON(c.geom, 6)::json,
  'properties', json_build_object(
    'adcode', c.adcode, 'name_zh', c.name_zh, 'name_en', c.name_en, 'source', c.source, 'crs_note', c.crs_note,
    'area_km2', round((ST_Area(c.geom::geography) / 1e6)::numeric, 1)
  )
)
"""


# The same properties with a scalar type each, for desktop GIS layers (QGIS, GDAL's GPKG/SHP writers): a
# list or an object is a field type they cannot hold ("Unsupported type for field aliases"). Lists are
# joined with ';' as in the CSV export; figures stay JSON, as text (the queryables say so).
_FLAT_PROPERTY_SQL: dict[str, str] = {
    **_PROPERTY_SQL,
    "aliases": "array_to_string(p.aliases, ';')",
    "towns": f"array_to_string({_PROPERTY_SQL['towns']}, ';')",
    "figures": "p.figures::text",
    "warnings": f"array_to_string({WARNINGS_SQL}, ';')",
}
FLAT_PROJECT_PROPERTIES = ",\n".join(
    f"    '{name}', {_FLAT_PROPERTY_SQL.get(name, f'p.{name}')}" for name in PROPERTY_NAMES
)


# A desktop GIS layer holds one geometry type: lines and areas are all served as multi-geometries, since
# a few projects are (two ancient roads, a park of two parts) and a LineString layer cannot hold those.
_LAYER_GEOMETRY = "CASE WHEN ST_Dimension(p.geom) > 0 THEN ST_Multi(p.geom) ELSE p.geom END"


def project_flat_feature_sql() -> str:
    """One project (alias `p`) as a GeoJSON Feature whose properties are all strings, numbers or booleans,
    its geometry of its layer's one type (Point, MultiLineString or MultiPolygon)."""
    return (
        f"json_build_object('type', 'Feature', 'id', p.slug, 'geometry', ST_AsGeoJSON({_LAYER_GEOMETRY}, 7)::json, "
        f"'properties', json_build_object({FLAT_PROJECT_PROPERTIES}))"
    )
