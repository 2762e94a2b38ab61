"""SQL of the programmes room."""

from sqlalchemy import text

# The plan a year's programme belongs to when none is named: the one whose period covers the year
# (the latest such, should periods ever overlap).
PLAN_FOR_YEAR = text(
    """SELECT id, slug, period_start, period_end FROM plans
       WHERE (CAST(:plan AS text) IS NULL AND :year BETWEEN period_start AND period_end) OR slug = :plan
       ORDER BY period_start DESC, id DESC LIMIT 1"""
)
PROGRAMME = text(
    """SELECT g.id, g.year, g.created_at, pl.slug AS plan, pl.period_start, pl.period_end
       FROM annual_programmes g JOIN plans pl ON pl.id = g.plan_id WHERE g.year = :year"""
)
ALL_PROGRAMMES = text(
    """SELECT g.year, pl.slug AS plan, count(i.project_id) AS projects,
              sum(i.planned_investment_cny_10k) AS planned_investment_cny_10k
       FROM annual_programmes g JOIN plans pl ON pl.id = g.plan_id
       LEFT JOIN programme_items i ON i.programme_id = g.id
       GROUP BY g.year, pl.slug ORDER BY g.year"""
)
INSERT_PROGRAMME = text(
    "INSERT INTO annual_programmes (plan_id, year, created_by) VALUES (:plan_id, :year, :user) RETURNING id"
)
# Staff see sensitive projects by name as everywhere else; the public list is read through projects_public.
# A page of one class: `:limit` items in slug order after `:after_slug` (or from the first). A programme
# pages class by class (service.programme), so the page walks the slug index instead of sorting the
# year's items by (class, slug): 1.9 s at 1 M items, bench/NOTES.md "Fifth round".
ITEMS = text(
    """SELECT p.slug, p.name_zh, p.name_en, p.category, p.status, i.class AS item_class,
              i.planned_investment_cny_10k, i.target, i.updated_at,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id ORDER BY t.slug) AS towns,
              (SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
               WHERE pu.project_id = p.id AND pu.is_lead) AS lead_unit
       FROM programme_items i JOIN projects p ON p.id = i.project_id
       WHERE i.programme_id = :programme AND i.class = :item_class AND p.deleted_at IS NULL
         AND (CAST(:after_slug AS text) IS NULL OR p.slug > :after_slug)
       ORDER BY p.slug
       LIMIT :limit"""
)
# A programme's number of items (its numberMatched): the items, less those of deleted projects (found by
# projects_deleted_idx, so the count never reads the live projects: 0.9 s → ms at 1 M).
ITEM_COUNT = text(
    """SELECT count(*) FROM programme_items i WHERE i.programme_id = :programme
       AND NOT EXISTS (SELECT FROM projects p WHERE p.id = i.project_id AND p.deleted_at IS NOT NULL)"""
)
PLAN_MEMBER = text(
    """SELECT p.id FROM projects p JOIN plan_projects pp ON pp.project_id = p.id
       WHERE p.slug = :slug AND p.deleted_at IS NULL AND pp.plan_id = :plan_id"""
)
PLAN_MEMBERS_BY_NAME = text(
    """SELECT p.name_zh, array_agg(p.slug ORDER BY p.slug) AS slugs FROM projects p
       JOIN plan_projects pp ON pp.project_id = p.id
       WHERE pp.plan_id = :plan_id AND p.deleted_at IS NULL GROUP BY p.name_zh"""
)
PLAN_MEMBER_SLUGS = text(
    """SELECT p.slug, p.id FROM projects p JOIN plan_projects pp ON pp.project_id = p.id
       WHERE pp.plan_id = :plan_id AND p.deleted_at IS NULL"""
)
ITEM = text(
    """SELECT i.class AS item_class, i.planned_investment_cny_10k, i.target FROM programme_items i
       WHERE i.programme_id = :programme AND i.project_id = :project FOR UPDATE"""
)
UPSERT_ITEM = text(
    """INSERT INTO programme_items (programme_id, project_id, class, planned_investment_cny_10k, target)
       VALUES (:programme, :project, :item_class, :planned, :target)
       ON CONFLICT (programme_id, project_id) DO UPDATE
         SET class = EXCLUDED.class, planned_investment_cny_10k = EXCLUDED.planned_investment_cny_10k,
             target = EXCLUDED.target, updated_at = now()"""
)
DELETE_ITEM = text("DELETE FROM programme_items WHERE programme_id = :programme AND project_id = :project")
REPORTS_OF_ITEM = text(
    "SELECT count(*) FROM progress_reports WHERE programme_id = :programme AND project_id = :project"
)
PROJECT_PROGRAMMES = text(
    """SELECT g.year, pl.slug AS plan, i.class AS item_class, i.planned_investment_cny_10k, i.target
       FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id JOIN plans pl ON pl.id = g.plan_id
       JOIN projects p ON p.id = i.project_id WHERE p.slug = :slug ORDER BY g.year"""
)
