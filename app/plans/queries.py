"""The SQL of the plans domain: plans, memberships, baselines, revisions, decisions at closing.

How a *read* is scoped to one plan is the query layer's business: app.queries.plan_scope.
"""

from sqlalchemy import text

# --- the plans domain's own reads and writes (synchronous: run inside the caller's transaction) ---

PLAN_BY_SLUG = text("SELECT * FROM plans WHERE slug = :slug")
ALL_PLANS = text(
    """SELECT pl.*, (SELECT count(*) FROM plan_projects pp WHERE pp.plan_id = pl.id) AS projects
       FROM plans pl ORDER BY pl.period_start, pl.id"""
)
# What a page's plan switcher needs of every plan, without ALL_PLANS' count of memberships: that count reads
# every row of plan_projects (70–90 ms at a million projects), and each page naming its plan paid it.
PLAN_CHOICES = text("SELECT pl.slug, pl.name_zh, pl.name_en, pl.period_start, pl.period_end FROM plans pl "
                    "ORDER BY pl.period_start, pl.id")  # fmt: skip
INSERT_PLAN = text(
    """INSERT INTO plans (slug, name_zh, name_en, period_start, period_end, adopted_on, adopted_precision,
                          revised_on, revised_precision, source_document)
       VALUES (:slug, :name_zh, :name_en, :period_start, :period_end, :adopted_on, :adopted_precision,
               :revised_on, :revised_precision, :source_document)
       RETURNING id"""
)
# The latest plan a project belongs to, with its baseline there (for revisions).
LATEST_MEMBERSHIP = text(
    """SELECT pp.*, pl.slug AS plan_slug FROM plan_projects pp JOIN plans pl ON pl.id = pp.plan_id
       WHERE pp.project_id = :project_id ORDER BY pl.period_start DESC, pl.id DESC LIMIT 1"""
)
SET_BASELINE = {
    field: text(f"UPDATE plan_projects SET {column} = :v WHERE plan_id = :plan AND project_id = :p")
    for field, column in (
        ("planned_start", "baseline_planned_start"),
        ("planned_end", "baseline_planned_end"),
        ("planned_investment_cny_100m", "baseline_investment_cny_100m"),
    )
}
INSERT_REVISION = text(
    """INSERT INTO project_revisions (project_id, plan_id, field, baseline_value, previous_value, revised_value,
                                      revised_on, reason, user_id)
       VALUES (:project_id, :plan_id, :field, CAST(:baseline AS jsonb), CAST(:previous AS jsonb),
               CAST(:revised AS jsonb), :revised_on, :reason, :user_id)"""
)
PROJECT_REVISIONS = text(
    """SELECT r.field, r.baseline_value, r.previous_value, r.revised_value, r.revised_on, r.reason,
              pl.slug AS plan, u.display_name AS by_name, r.recorded_at
       FROM project_revisions r JOIN plans pl ON pl.id = r.plan_id LEFT JOIN users u ON u.id = r.user_id
       JOIN projects p ON p.id = r.project_id
       WHERE p.slug = :slug ORDER BY r.recorded_at, r.id"""
)
PROJECT_PLANS = text(
    """SELECT pl.slug, pl.name_zh, pl.name_en, pl.period_start, pl.period_end, pp.role, pp.chapter, pp.section,
              pp.quote, pp.baseline_start_year, pp.baseline_end_year, pp.baseline_planned_start,
              pp.baseline_planned_end, pp.baseline_investment_cny_100m, pp.decision, pp.decision_reason
       FROM plan_projects pp JOIN plans pl ON pl.id = pp.plan_id JOIN projects p ON p.id = pp.project_id
       WHERE p.slug = :slug ORDER BY pl.period_start, pl.id"""
)
# The closing picture: every live project of the plan with its status and the decision taken (if any).
CLOSING_PICTURE = text(
    """SELECT p.id, p.slug, p.name_zh, p.status, p.status_reason, pp.decision, pp.decision_reason
       FROM plan_projects pp JOIN projects p ON p.id = pp.project_id
       WHERE pp.plan_id = :plan AND p.deleted_at IS NULL ORDER BY p.slug"""
)
SET_DECISION = text(
    """UPDATE plan_projects SET decision = :decision, decision_reason = :reason, decided_at = now(),
              decided_by = :user_id
       WHERE plan_id = :plan AND project_id = (SELECT id FROM projects WHERE slug = :slug AND deleted_at IS NULL)"""
)
# Carry a project into the next plan as continuing (续建): same project, one history, a new membership
# whose baseline is the project's values now.
CARRY_OVER = text(
    """INSERT INTO plan_projects (plan_id, project_id, role, baseline_start_year, baseline_end_year,
                                  baseline_planned_start, baseline_planned_end, baseline_investment_cny_100m,
                                  baseline_scope)
       SELECT :into, p.id, 'continuing', p.start_year, p.end_year, p.planned_start, p.planned_end,
              coalesce(p.planned_investment_cny_100m, (p.figures->>'investment_cny_100m')::numeric), p.figures
       FROM projects p WHERE p.id = :project_id
       ON CONFLICT (plan_id, project_id) DO UPDATE SET role = 'continuing'"""
)
CLOSE_PLAN = text("UPDATE plans SET closed_at = now(), closed_by = :user_id, successor_id = :into WHERE id = :plan")
# A project already known by its slug joins a plan as continuing, with where that plan names it and the
# plan's values as its baseline there; it stays one project with one history.
JOIN_AS_CONTINUING = text(
    """INSERT INTO plan_projects (plan_id, project_id, role, chapter, section, quote, baseline_start_year,
                                  baseline_end_year, baseline_investment_cny_100m, baseline_scope)
       SELECT pl.id, p.id, 'continuing', :plan_chapter, :plan_section, :source_quote, :start_year, :end_year,
              CAST(CAST(:figures AS jsonb)->>'investment_cny_100m' AS numeric), CAST(:figures AS jsonb)
       FROM plans pl, projects p WHERE pl.slug = :plan AND p.slug = :slug
       ON CONFLICT (plan_id, project_id) DO NOTHING
       RETURNING project_id"""
)
PLAN_KNOWN = text("SELECT 1 FROM plans WHERE slug = :s")
