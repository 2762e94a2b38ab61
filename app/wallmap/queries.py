"""The SQL of the county-wide map (app/wallmap/county.py): the outline, the statuses, the plan's projects.

(The town wall map's own SQL, in app/wallmap/data.py, is still to move here: tests/queries/test_sql_rule.py.)
"""

from sqlalchemy import TextClause, text

from app.wallmap.data import project_geometry_sql

COUNTY_OUTLINE = text("SELECT ST_AsGeoJSON(ST_Union(geom), 6) FROM county_boundary")
STATUSES = text("SELECT code, label_zh, sort_order FROM project_statuses ORDER BY sort_order")


def county_projects(source: str) -> TextClause:
    """Every live project of `source` (a plan-scoped public FROM item, aliased `p`) with what the map draws."""
    return text(
        f"""SELECT p.slug, p.name_zh, p.status, c.label_zh AS category_label, p.location_precision,
                      {project_geometry_sql("p")} AS geometry
               FROM {source} p JOIN project_categories c ON c.code = p.category
               WHERE p.deleted_at IS NULL"""
    )
