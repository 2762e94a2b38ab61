"""The SQL of the exports that are not map downloads: the OC4IDS project package.

Public reads: every project comes from `projects_public`, so a sensitive site appears at its town seat
(generalised), exactly as on the public map; deleted projects are left out.
"""

from sqlalchemy import text

# One row per live project with what OC4IDS can carry: its geometry as GeoJSON (6 decimals, ~0.1 m), its
# towns, its lead responsible unit, where the plan names it and its revisions with their reasons.
OC4IDS_PROJECTS = text(
    """SELECT p.id, p.slug, p.name_zh, p.name_en, p.category, p.status, p.status_reason, p.source_quote,
              p.plan_chapter, p.plan_section, p.location_precision, p.location_note,
              p.start_year, p.end_year, p.planned_start, p.planned_end, p.actual_start, p.actual_end,
              coalesce(p.planned_investment_cny_100m, (p.figures->>'investment_cny_100m')::numeric)
                  AS investment_cny_100m,
              p.actual_spend_cny_100m, p.info_date, p.updated_at,
              m.slug AS merged_into_slug,
              CAST(ST_AsGeoJSON(p.geom, 6) AS json) AS geometry,
              coalesce((SELECT array_agg(t.name_zh ORDER BY t.slug) FROM project_towns pt
                        JOIN towns t ON t.id = pt.town_id WHERE pt.project_id = p.id), '{}') AS towns,
              (SELECT u.name_zh FROM project_units pu JOIN units u ON u.id = pu.unit_id
               WHERE pu.project_id = p.id AND pu.is_lead) AS lead_unit,
              coalesce((SELECT json_agg(json_build_object(
                            'field', r.field, 'revised_value', r.revised_value, 'revised_on', r.revised_on,
                            'reason', r.reason) ORDER BY r.recorded_at, r.id)
                        FROM project_revisions r WHERE r.project_id = p.id), '[]') AS revisions
       FROM projects_public p LEFT JOIN projects m ON m.id = p.merged_into_id
       WHERE p.deleted_at IS NULL
       ORDER BY p.slug"""
)
# The day the package's contents last changed: OC4IDS asks for that, not the moment of the request.
OC4IDS_LAST_CHANGE = text("SELECT max(updated_at) FROM projects")
