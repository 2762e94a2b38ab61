"""The SQL of the evaluation report. Every project read takes its FROM item from
`app.queries.sources.project_source` (via ProjectFilter.source), so the report counts exactly the
projects the dashboard's `/api/stats` counts for the same plan and day."""

from sqlalchemy import TextClause, text

from app.queries.project_filter import WARNINGS_SQL

PLAN = text(
    """SELECT slug, name_zh, name_en, period_start, period_end, adopted_on, source_document
       FROM plans WHERE slug = :slug"""
)


def projects_sql(source: str) -> TextClause:
    """Each project of the plan on the day, with its towns, chapter, dates, reason and warnings."""
    return text(
        f"""SELECT p.slug, p.name_zh, p.status, s.label_zh AS status_label, p.status_reason,
                   p.plan_chapter, p.planned_end, p.actual_end, p.end_year, p.info_date,
                   {WARNINGS_SQL} AS warnings,
                   coalesce((SELECT string_agg(t.name_zh, '、' ORDER BY t.slug) FROM project_towns pt
                             JOIN towns t ON t.id = pt.town_id WHERE pt.project_id = p.id), '') AS towns,
                   (SELECT string_agg(r.revised_on || ' ' || r.reason, '；' ORDER BY r.recorded_at)
                    FROM project_revisions r WHERE r.project_id = p.id AND r.recorded_at < CAST(:src_ref_end
                    AS timestamptz)) AS revision_reasons
            FROM {source} p JOIN project_statuses s ON s.code = p.status
            WHERE p.deleted_at IS NULL ORDER BY p.plan_chapter NULLS LAST, p.slug"""
    )


# Public feedback on the plan's projects up to the end of the day, by moderation state.
FEEDBACK_SUMMARY = text(
    """SELECT f.state, count(*) AS n, count(DISTINCT f.project_id) AS projects
       FROM feedback f JOIN plan_projects pp ON pp.project_id = f.project_id
       JOIN plans pl ON pl.id = pp.plan_id
       WHERE pl.slug = :plan AND f.created_at < CAST(:src_ref_end AS timestamptz)
       GROUP BY f.state"""
)
# The projects most written about by the public (approved feedback only: pending and rejected are not public).
FEEDBACK_TOP = text(
    """SELECT p.name_zh, count(*) AS n FROM feedback f JOIN projects p ON p.id = f.project_id
       JOIN plan_projects pp ON pp.project_id = f.project_id JOIN plans pl ON pl.id = pp.plan_id
       WHERE pl.slug = :plan AND f.state = 'approved' AND f.created_at < CAST(:src_ref_end AS timestamptz)
       GROUP BY p.name_zh ORDER BY n DESC, p.name_zh LIMIT 10"""
)
