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
       WHERE pl.slug = :plan AND f.created_at < CAST(:src_ref_end AS timestamptz) AND f.rating IS NULL
       GROUP BY f.state"""
)
# Public evaluation (公众评价) up to the end of the day: approved ratings, how many projects, the average.
RATINGS_SUMMARY = text(
    """SELECT count(*) AS n, count(DISTINCT f.project_id) AS projects, round(avg(f.rating), 2) AS average
       FROM feedback f JOIN plan_projects pp ON pp.project_id = f.project_id JOIN plans pl ON pl.id = pp.plan_id
       WHERE pl.slug = :plan AND f.rating IS NOT NULL AND f.state = 'approved'
         AND f.created_at < CAST(:src_ref_end AS timestamptz)"""
)
# The projects most written about by the public (approved feedback only: pending and rejected are not public).
FEEDBACK_TOP = text(
    """SELECT p.name_zh, count(*) AS n FROM feedback f JOIN projects p ON p.id = f.project_id
       JOIN plan_projects pp ON pp.project_id = f.project_id JOIN plans pl ON pl.id = pp.plan_id
       WHERE pl.slug = :plan AND f.state = 'approved' AND f.created_at < CAST(:src_ref_end AS timestamptz)
         AND f.rating IS NULL
       GROUP BY p.name_zh ORDER BY n DESC, p.name_zh LIMIT 10"""
)

# The month's investment table: every item of the year's programme with the money reported for it. Only the
# version of each month's report in force counts (the latest approved one), as in app/progress; a month
# still waiting for review is not counted yet. Amounts in 万元 (the programme's and the reports' unit);
# a project's total investment is stored in 亿元 and converted (× 10 000). The reports are summed once per
# project (`s`) and joined: a subquery per item over all of them made this items × reports (bench/NOTES.md).
# The monthly investment workbook's rows, every sheet's, in the order they are written, so the workbook is
# streamed from one statement (the year's reports are read once, in `s`): `sheet` 0 town, 1 unit,
# 2 category, 3 class (app/reports/investment.SHEETS); within a sheet by group key in code-point order
# (COLLATE "C": as Python sorts) then slug. A project in several towns is a row under each (`first`
# marks one of them, so the total counts it once); one in none is under `:no_town`. `:class_labels`
# maps each class to the Chinese word the sheet shows and groups by.
INVESTMENT_ROWS = text(
    """WITH f AS (
          SELECT DISTINCT ON (r.project_id, r.month) r.project_id, r.month, r.invested_cny_10k
          FROM progress_reports r
          WHERE r.state = 'approved' AND r.month >= make_date(:year, 1, 1) AND r.month <= :month
          ORDER BY r.project_id, r.month, r.version DESC),
       s AS (
          SELECT f.project_id, sum(f.invested_cny_10k) FILTER (WHERE f.month = :month) AS month_cny_10k,
                 sum(f.invested_cny_10k) AS year_cny_10k
          FROM f GROUP BY f.project_id),
       items AS (
          SELECT p.slug, p.name_zh, CAST(:class_labels AS jsonb) ->> i.class AS item_class, c.label_zh AS category,
                 coalesce((SELECT u.name_zh FROM project_units pu JOIN units u ON u.id = pu.unit_id
                           WHERE pu.project_id = p.id AND pu.is_lead), '（未指定）') AS unit,
                 ARRAY(SELECT t.name_zh FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                       WHERE pt.project_id = p.id ORDER BY t.slug) AS towns,
                 coalesce(p.planned_investment_cny_100m, (p.figures->>'investment_cny_100m')::numeric) * 10000
                     AS total_cny_10k,
                 i.planned_investment_cny_10k AS year_plan_cny_10k,
                 coalesce(s.month_cny_10k, 0) AS month_cny_10k, coalesce(s.year_cny_10k, 0) AS year_cny_10k
          FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id
          JOIN projects p ON p.id = i.project_id JOIN project_categories c ON c.code = p.category
          LEFT JOIN s ON s.project_id = p.id
          WHERE g.year = :year AND p.deleted_at IS NULL),
       keyed AS (
          SELECT 0 AS sheet, town.name AS key, town.n = 1 AS first, items.* FROM items
          CROSS JOIN LATERAL unnest(CASE WHEN cardinality(items.towns) > 0 THEN items.towns
                                         ELSE ARRAY[CAST(:no_town AS text)] END) WITH ORDINALITY AS town(name, n)
          UNION ALL SELECT 1, items.unit, TRUE, items.* FROM items
          UNION ALL SELECT 2, items.category, TRUE, items.* FROM items
          UNION ALL SELECT 3, items.item_class, TRUE, items.* FROM items)
       SELECT * FROM keyed ORDER BY sheet, key COLLATE "C", slug"""
)
PROGRAMME_EXISTS = text("SELECT 1 FROM annual_programmes WHERE year = :year")

# --- public evaluation (公众评价): ratings are feedback rows with `rating` set (migration 0014) ---
RATEABLE_PROJECT = text("SELECT id, status FROM projects_public WHERE slug = :slug AND deleted_at IS NULL")
INSERT_RATING = text(
    """INSERT INTO feedback (project_id, body, rating, client_hash)
       VALUES (:project_id, :body, :rating, :client) RETURNING id, created_at"""
)
# What the public sees: approved ratings only, per completed project, with the approved comments.
RATING_RESULTS = text(
    """SELECT p.slug, p.name_zh, p.name_en, p.actual_end,
              count(f.id) AS ratings, round(avg(f.rating), 1) AS average,
              coalesce(json_agg(json_build_object('rating', f.rating, 'comment', f.body, 'reply', f.reply)
                                ORDER BY f.created_at DESC) FILTER (WHERE f.body <> ''), '[]') AS comments
       FROM projects_public p
       LEFT JOIN feedback f ON f.project_id = p.id AND f.rating IS NOT NULL AND f.state = 'approved'
       WHERE p.status = 'completed' AND p.deleted_at IS NULL
       GROUP BY p.id, p.slug, p.name_zh, p.name_en, p.actual_end
       ORDER BY p.name_zh"""
)
# When the catalog last changed: a drawn map stays good until then (cache key of the disclosure map).
LAST_CHANGE = text("SELECT max(updated_at) FROM projects")
