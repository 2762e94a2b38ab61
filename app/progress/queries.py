"""SQL of the progress room: report versions, what is in force, cumulative sums and the year's standing.

"In force" for a month is its latest *approved* version: a pending correction changes nothing the
public or the sums see until a planner approves it, and a rejected one never does.

The maps' reads (the year's standing, the latest progress) take `:until`, the end of the day they
are judged on (Lianzhou): a version counts only if it was filed before it and, when a planner
reviewed it, approved before it too (`IN_FORCE_BY`); filing dates count only filings before it.
"""

from sqlalchemy import text

LIANZHOU_DATE = "(({col}) AT TIME ZONE INTERVAL '+08:00')::date"

_PROJECT = """SELECT p.id, p.slug, p.sensitive, p.name_zh, p.name_en,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id) AS towns,
              ARRAY(SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                    WHERE pu.project_id = p.id) AS units
       FROM projects p WHERE p.slug = :s AND p.deleted_at IS NULL"""
PROJECT = text(_PROJECT)
LOCK_PROJECT = text(_PROJECT + " FOR UPDATE")
PROGRAMME_OF = text(
    """SELECT g.id, i.planned_investment_cny_10k FROM programme_items i
       JOIN annual_programmes g ON g.id = i.programme_id WHERE g.year = :year AND i.project_id = :p"""
)
LATEST_VERSION = text("SELECT max(version) FROM progress_reports WHERE project_id = :p AND month = :m")
INSERT_REPORT = text(
    """INSERT INTO progress_reports (project_id, programme_id, month, version, invested_cny_10k, progress_pct,
                                    milestones, work_done, problems, coordination, correction_reason, state,
                                    submitted_by)
       VALUES (:project_id, :programme_id, :month, :version, :invested_cny_10k, :progress_pct, :milestones,
               :work_done, :problems, :coordination, :correction_reason, :state, :submitted_by)
       RETURNING id"""
)
OWN_PHOTOS = text("SELECT id FROM progress_photos WHERE project_id = :p AND id = ANY(:ids)")
LINK_PHOTO = text("INSERT INTO report_photos (report_id, photo_id) VALUES (:r, :ph)")
REPORT_FOR_REVIEW = text(
    """SELECT r.id, r.state, r.version, r.month, p.slug FROM progress_reports r
       JOIN projects p ON p.id = r.project_id WHERE r.id = :id FOR UPDATE OF r"""
)
CLOSE_REVIEW = text(
    """UPDATE progress_reports SET state = :state, reviewed_by = :u, reviewed_at = now(), review_reason = :reason
       WHERE id = :id"""
)
PENDING = text(
    """SELECT r.id, p.slug, p.name_zh, p.name_en, to_char(r.month, 'YYYY-MM') AS month, r.version,
              r.invested_cny_10k, r.progress_pct, r.work_done, r.problems, r.coordination, r.correction_reason,
              r.milestones, r.submitted_at, u.username AS submitted_by,
              ARRAY(SELECT rp.photo_id FROM report_photos rp WHERE rp.report_id = r.id ORDER BY rp.photo_id) AS photos
       FROM progress_reports r JOIN projects p ON p.id = r.project_id LEFT JOIN users u ON u.id = r.submitted_by
       WHERE r.state = 'pending' AND p.deleted_at IS NULL ORDER BY r.submitted_at"""
)

# Every version of a project's reports (staff), with the sums of what is in force.
VERSIONS = text(
    """SELECT r.id, to_char(r.month, 'YYYY-MM') AS month, r.version, r.state, r.invested_cny_10k, r.progress_pct,
              r.milestones, r.work_done, r.problems, r.coordination, r.correction_reason, r.submitted_at,
              su.username AS submitted_by, r.reviewed_at, ru.username AS reviewed_by, r.review_reason,
              ARRAY(SELECT rp.photo_id FROM report_photos rp WHERE rp.report_id = r.id ORDER BY rp.photo_id) AS photos
       FROM progress_reports r JOIN projects p ON p.id = r.project_id
       LEFT JOIN users su ON su.id = r.submitted_by LEFT JOIN users ru ON ru.id = r.reviewed_by
       WHERE p.slug = :s ORDER BY r.month, r.version"""
)
IN_FORCE = text(
    f"""WITH f AS (
          SELECT DISTINCT ON (r.month) r.* FROM progress_reports r JOIN projects p ON p.id = r.project_id
          WHERE p.slug = :s AND r.state = 'approved' ORDER BY r.month, r.version DESC),
        firsts AS (
          SELECT r.month, min(r.submitted_at) AS first_at FROM progress_reports r JOIN projects p ON p.id = r.project_id
          WHERE p.slug = :s GROUP BY r.month)
        SELECT f.id, to_char(f.month, 'YYYY-MM') AS month, f.month AS month_date, f.version, f.invested_cny_10k,
               sum(f.invested_cny_10k) OVER (ORDER BY f.month) AS cumulative_cny_10k,
               sum(f.invested_cny_10k) OVER (PARTITION BY extract(year FROM f.month) ORDER BY f.month)
                 AS year_to_date_cny_10k,
               f.progress_pct, f.milestones, f.work_done, f.problems, f.coordination, f.submitted_at,
               {LIANZHOU_DATE.format(col="firsts.first_at")} AS first_filed_on,
               ARRAY(SELECT rp.photo_id FROM report_photos rp WHERE rp.report_id = f.id ORDER BY rp.photo_id) AS photos
        FROM f JOIN firsts ON firsts.month = f.month ORDER BY f.month"""
)

# A version in force on the day judged: approved, filed before `:until`, and (if reviewed) approved before it.
# A report approved without review has no reviewed_at: it was in force from its filing.
IN_FORCE_BY = """r.state = 'approved' AND r.submitted_at < :until
                 AND (r.reviewed_at IS NULL OR r.reviewed_at < :until)"""

# Behind the year's target: investment through the last month due × the year's days < planned × the days
# that month closes (the exact fraction deadlines.year_share_through rounds); never without a plan.
_BEHIND = """coalesce({planned} <> 0 AND {invested} * CAST(:year_days AS integer)
                                                < {planned} * CAST(:share_days AS integer), FALSE)"""

# The year's standing of every programme item: investment through the last due month against the
# year's plan, the latest progress, the months not reported by their deadline and those filed late.
# `:through` is the last month of the year already due (NULL before any is).
# The year's reports are read once and aggregated per project (`sums`, `filed`, `photo`), then joined to
# the items: a correlated subquery per item over the whole year's reports made this items × reports
# (24 s at 1 k projects with a year of reports, bench/NOTES.md "Cycle reads at scale").
# A page (`:limit` items after the slug `:after`, both NULL for all) is cut in `items`, so a page costs its
# own items' reports, not the year's. With `:flag` (missing, late or behind) a page must hold `:limit`
# flagged items: on the current day (`:kept`) the flag is read from the rows the database keeps per project
# and year (`progress_years`, see YEAR_SUMMARY_KEPT) and the page is cut in `items` again; on a past day
# FLAGGED_WALK first finds the page's items (`:ids`, the cut again in `items`; the flag is checked once
# more below). Without `:ids` a flagged past-day read computes the whole year before cutting (52 s at 1 M).
YEAR_STANDING = text(
    f"""WITH items AS (
          SELECT p.id, p.slug, p.name_zh, p.name_en, p.category, p.sensitive, i.class AS item_class,
                 i.planned_investment_cny_10k, i.target,
                 ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                       WHERE pt.project_id = p.id ORDER BY t.slug) AS towns,
                 ARRAY(SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                       WHERE pu.project_id = p.id ORDER BY pu.is_lead DESC, n.slug) AS units,
                 (SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                  WHERE pu.project_id = p.id AND pu.is_lead) AS lead_unit
          FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id
          JOIN projects p ON p.id = i.project_id
          LEFT JOIN progress_years y ON CAST(:kept AS boolean) AND y.project_id = p.id AND y.year = :year
          WHERE g.year = :year AND p.deleted_at IS NULL AND (CAST(:slug AS text) IS NULL OR p.slug = :slug)
            AND (CAST(:after AS text) IS NULL OR p.slug > :after)
            AND (CAST(:ids AS integer[]) IS NULL OR p.id = ANY(CAST(:ids AS integer[])))
            AND (NOT CAST(:kept AS boolean) OR CAST(:flag AS text) IS NULL
                 OR (:flag = 'missing' AND CAST(:due_months AS integer)
                                           > coalesce(y.filed_cum[CAST(:due_months AS integer)], 0))
                 OR (:flag = 'late' AND coalesce(y.late_after[CAST(:deadline_day AS integer)], 0) > 0)
                 OR (:flag = 'behind' AND {
        _BEHIND.format(planned="i.planned_investment_cny_10k", invested="coalesce(y.invested_cum[:due_months], 0)")
    }))
          ORDER BY p.slug
          LIMIT CASE WHEN CAST(:flag AS text) IS NULL OR CAST(:kept AS boolean) THEN CAST(:limit AS integer) END),
        due AS (
          SELECT CAST(m AS date) AS month
          FROM generate_series(make_date(:year, 1, 1), CAST(:through AS date), interval '1 month') m),
        firsts AS (
          SELECT r.project_id, r.month, min(r.submitted_at) AS first_at
          FROM progress_reports r JOIN items it ON it.id = r.project_id
          WHERE r.month >= make_date(:year, 1, 1) AND r.month < make_date(:year + 1, 1, 1)
            AND r.submitted_at < :until
          GROUP BY r.project_id, r.month),
        filed AS (
          SELECT v.project_id, array_agg(v.month) AS months,
                 array_agg(to_char(v.month, 'YYYY-MM') ORDER BY v.month)
                   FILTER (WHERE {LIANZHOU_DATE.format(col="v.first_at")}
                                 > CAST(v.month + interval '1 month' AS date) + (:deadline_day - 1)) AS late_months
          FROM firsts v GROUP BY v.project_id),
        f AS (
          SELECT DISTINCT ON (r.project_id, r.month) r.project_id, r.month, r.invested_cny_10k, r.progress_pct, r.id
          FROM progress_reports r JOIN items it ON it.id = r.project_id
          WHERE {IN_FORCE_BY} AND r.month >= make_date(:year, 1, 1) AND r.month < make_date(:year + 1, 1, 1)
          ORDER BY r.project_id, r.month, r.version DESC),
        sums AS (
          SELECT f.project_id,
                 sum(f.invested_cny_10k) FILTER (WHERE f.month <= CAST(:through AS date)) AS invested_through,
                 sum(f.invested_cny_10k) AS year_to_date,
                 (array_agg(f.progress_pct ORDER BY f.month DESC))[1] AS latest_progress_pct,
                 max(f.month) AS latest_month
          FROM f GROUP BY f.project_id),
        photo AS (
          SELECT DISTINCT ON (f.project_id) f.project_id, ph.id
          FROM f JOIN report_photos rp ON rp.report_id = f.id JOIN progress_photos ph ON ph.id = rp.photo_id
          ORDER BY f.project_id, f.month DESC, ph.id DESC)
        SELECT it.*,
               coalesce(s.invested_through, 0) AS invested_through_cny_10k,
               coalesce(s.year_to_date, 0) AS year_to_date_cny_10k,
               s.latest_progress_pct,
               to_char(s.latest_month, 'YYYY-MM') AS latest_month,
               photo.id AS latest_photo,
               ARRAY(SELECT to_char(d.month, 'YYYY-MM') FROM due d
                     WHERE d.month <> ALL(coalesce(fl.months, CAST('{{}}' AS date[])))
                     ORDER BY d.month) AS missing_months,
               coalesce(fl.late_months, CAST('{{}}' AS text[])) AS late_months
        FROM items it LEFT JOIN sums s ON s.project_id = it.id LEFT JOIN filed fl ON fl.project_id = it.id
        LEFT JOIN photo ON photo.project_id = it.id
        WHERE CAST(:flag AS text) IS NULL
           OR (:flag = 'late' AND fl.late_months IS NOT NULL)
           OR (:flag = 'missing' AND EXISTS (SELECT FROM due d
                                             WHERE d.month <> ALL(coalesce(fl.months, CAST('{{}}' AS date[])))))
           OR (:flag = 'behind' AND it.planned_investment_cny_10k <> 0
               AND coalesce(s.invested_through, 0) * CAST(:year_days AS integer)
                   < it.planned_investment_cny_10k * CAST(:share_days AS integer))
        ORDER BY it.slug
        LIMIT CAST(:limit AS integer)"""
)

# A year's months per project as they stood at `:until` (`{project}`: AND a project), one row per month
# filed by then: when it was first filed, and the investment of the version then in force (the highest
# version in force: `max` of (version, investment) pairs, one pass without sorting the versions).
_MONTHS_AS_OF = f"""SELECT r.project_id, r.month, min(r.submitted_at) AS first_at,
                 (max(ARRAY[CAST(r.version AS numeric), r.invested_cny_10k]) FILTER (WHERE {IN_FORCE_BY}))[2]
                   AS invested
          FROM progress_reports r
          WHERE r.month >= make_date(:year, 1, 1) AND r.month < make_date(:year + 1, 1, 1)
            AND r.submitted_at < :until {{project}}
          GROUP BY r.project_id, r.month"""
# Those months summed for one project (`m`; no month: counts 0, sums NULL): months due (through `:through`)
# filed, months first filed after their deadline, investment in force through the month due and in the year.
# The figures of YEAR_STANDING's items (its `filed`, `sums`), so a flag read from them is the standing's flag.
_SUMS_AS_OF = f"""count(m.month) FILTER (WHERE m.month <= CAST(:through AS date)) AS filed_due,
                 count(m.month) FILTER (WHERE {LIANZHOU_DATE.format(col="m.first_at")}
                                        > CAST(m.month + interval '1 month' AS date) + (:deadline_day - 1)) AS late,
                 sum(m.invested) FILTER (WHERE m.month <= CAST(:through AS date)) AS invested_through,
                 sum(m.invested) AS year_to_date"""

# A past day's flagged standing page is found before it is read (YEAR_STANDING's `:ids`): the year's items
# after the slug `:after` in slug order, the first `:limit` with `:flag` (missing, late or behind), each
# item's flag from its own reports as they stood at `:until` (`_SUMS_AS_OF`). The walk reads at most
# `:window` items, each with its dozen reports (the (project, month, version) index, ~50 µs an item at
# 1 M with the reports stored month by month), and stops at the page's last flagged item: milliseconds
# when the flag is common. A rare flag's page ends at the window (service.flagged_ids): the year's
# reports read in one pass instead took 49 s at 1 M items (bench/NOTES.md, seventh session).
_FLAG_ITEMS = """SELECT p.id, p.slug, i.planned_investment_cny_10k AS planned
              FROM projects p JOIN programme_items i ON i.project_id = p.id
              WHERE i.programme_id = (SELECT g.id FROM annual_programmes g WHERE g.year = :year)
                AND p.deleted_at IS NULL AND (CAST(:after AS text) IS NULL OR p.slug > :after)"""
_FLAGGED = """(:flag = 'missing' AND CAST(:due_months AS integer) > s.filed_due)
           OR (:flag = 'late' AND s.late > 0)
           OR (:flag = 'behind' AND {behind})"""
_INVESTED = "coalesce(s.invested_through, 0)"
FLAGGED_WALK = text(
    f"""SELECT it.id, it.slug
        FROM ({_FLAG_ITEMS} ORDER BY p.slug LIMIT CAST(:window AS integer)) it
        CROSS JOIN LATERAL (SELECT {_SUMS_AS_OF}
                            FROM ({_MONTHS_AS_OF.format(project="AND r.project_id = it.id")}) m) s
        WHERE {_FLAGGED.format(behind=_BEHIND.format(planned="it.planned", invested=_INVESTED))}
        ORDER BY it.slug LIMIT CAST(:limit AS integer)"""
)
# Where a walk's window ends: the slug of the `:window`th item after `:after`, with the next one's (when the
# window is not the end of the year's items, the next page continues after it).
WINDOW_END = text(
    f"""SELECT array_agg(w.slug ORDER BY w.slug)
        FROM ({_FLAG_ITEMS} ORDER BY p.slug OFFSET CAST(:window AS integer) - 1 LIMIT 2) w"""
)

# How many items a year's standing holds (its numberMatched): the items less those of deleted projects
# (projects_deleted_idx), no report read.
STANDING_COUNT = text(
    """SELECT count(*) FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id
       WHERE g.year = :year
         AND NOT EXISTS (SELECT FROM projects p WHERE p.id = i.project_id AND p.deleted_at IS NOT NULL)"""
)

# Every live project's latest month in force (approved by `:until`) with its progress, and its latest public photo
# (one an approved report shows: the rule of app/photos/queries.py), for the maps' popups. Sensitive
# sites included: the public project page shows the same progress and photos, never where a photo was taken.
LATEST_BY_PROJECT = text(
    f"""WITH f AS (
          SELECT DISTINCT ON (r.project_id) r.project_id, r.month, r.progress_pct
          FROM progress_reports r WHERE {IN_FORCE_BY}
          ORDER BY r.project_id, r.month DESC, r.version DESC),
        ph AS (
          SELECT DISTINCT ON (x.project_id) x.project_id, x.id, x.sha256, x.caption,
                 to_char(r.month, 'YYYY-MM') AS month
          FROM progress_photos x JOIN report_photos rp ON rp.photo_id = x.id
          JOIN progress_reports r ON r.id = rp.report_id AND {IN_FORCE_BY}
          ORDER BY x.project_id, r.month DESC, x.id DESC)
        SELECT p.slug, f.progress_pct, to_char(f.month, 'YYYY-MM') AS month,
               ph.id AS photo_id, ph.sha256 AS photo_sha256, ph.caption AS photo_caption, ph.month AS photo_month
        FROM projects p LEFT JOIN f ON f.project_id = p.id LEFT JOIN ph ON ph.project_id = p.id
        WHERE p.deleted_at IS NULL AND (f.project_id IS NOT NULL OR ph.project_id IS NOT NULL)
          AND (CAST(:slug AS text) IS NULL OR p.slug = :slug)
        ORDER BY p.slug"""
)

# The year's standing summed in the database (`/api/progress/summary`): the same figures as summing
# YEAR_STANDING's items (`glance.summarise` did that in Python, reading every item first: 8.6 s at 100 k
# projects), the groups summed in one pass with GROUPING SETS, nothing per item leaving the database.
# Two sources of each item's year, one grouping (`_SUMMARY_GROUPS`):
# - YEAR_SUMMARY_KEPT, the current day: the rows the database keeps per project and year from its
#   reports (`progress_years`, migration 0020), read at the month due and the deadline day;
# - YEAR_SUMMARY, any day (`as_of`): from the reports, only what was filed and approved by `:until`.
# Per item: its lead unit (`:no_lead` when none), investment in force through the last month due and in
# the year, months due not filed (`:due_months` minus those filed, in any state: a filing rejected later
# is not missing), months filed after their deadline, and whether behind: invested × year days < planned
# × days through the month due (`:share_days` / `:year_days`, the exact fraction
# `deadlines.year_share_through` rounds). Town keys are a project's towns (each counted, `:no_town`
# when none); the total counts it once. One row per group: `grouping` names it ('total': the county).
# The year's items are found by the programme's id (one programme a year), not by a join on its year: joined,
# PostgreSQL estimated 62 items of 100 k (255 of 1 M), read the items' reports by a nested loop and sorted them
# on disk; by id it knows the programme's size (past day, 100 k: 4.0 → 2.9 s; 1 M: 52 → 39 s, bench/NOTES.md).
_SUMMARY_ITEMS = """items AS (
          SELECT p.id, p.category, CAST(i.class AS text) AS item_class, i.planned_investment_cny_10k AS planned,
                 coalesce(n.slug, :no_lead) AS lead_unit
          FROM programme_items i JOIN projects p ON p.id = i.project_id
          LEFT JOIN project_units pu ON pu.project_id = p.id AND pu.is_lead LEFT JOIN units n ON n.id = pu.unit_id
          WHERE i.programme_id = (SELECT g.id FROM annual_programmes g WHERE g.year = :year)
            AND p.deleted_at IS NULL)"""
_SUMMED = """count(*) AS projects, coalesce(sum(planned), 0) AS planned_investment_cny_10k,
               count(*) FILTER (WHERE planned IS NULL) AS not_planned,
               coalesce(sum(invested_through), 0) AS invested_through_cny_10k,
               coalesce(sum(year_to_date), 0) AS year_to_date_cny_10k,
               coalesce(sum(missing), 0) AS missing_reports, coalesce(sum(late), 0) AS late_reports,
               count(*) FILTER (WHERE behind) AS behind_target"""
_SUMMARY_GROUPS = f"""
        SELECT CASE WHEN GROUPING(lead_unit) = 0 THEN 'unit' WHEN GROUPING(category) = 0 THEN 'category'
                    WHEN GROUPING(item_class) = 0 THEN 'class' ELSE 'total' END AS grouping,
               coalesce(lead_unit, category, item_class) AS key, {_SUMMED}
        FROM per GROUP BY GROUPING SETS ((), (lead_unit), (category), (item_class))
        UNION ALL
        SELECT 'town', town, {_SUMMED} FROM (
          SELECT per.*, t.slug AS town FROM per JOIN project_towns pt ON pt.project_id = per.id
          JOIN towns t ON t.id = pt.town_id
          UNION ALL
          SELECT per.*, CAST(:no_town AS text) FROM per
          WHERE NOT EXISTS (SELECT FROM project_towns pt WHERE pt.project_id = per.id)) keyed
        GROUP BY town"""
YEAR_SUMMARY = text(
    f"""WITH {_SUMMARY_ITEMS},
        months AS (
          SELECT r.project_id, r.month, min(r.submitted_at) AS first_at,
                 (array_agg(r.invested_cny_10k ORDER BY r.version DESC) FILTER (WHERE {IN_FORCE_BY}))[1] AS invested
          FROM progress_reports r JOIN items it ON it.id = r.project_id
          WHERE r.month >= make_date(:year, 1, 1) AND r.month < make_date(:year + 1, 1, 1)
            AND r.submitted_at < :until
          GROUP BY r.project_id, r.month),
        sums AS (
          SELECT m.project_id,
                 count(*) FILTER (WHERE m.month <= CAST(:through AS date)) AS filed_due,
                 count(*) FILTER (WHERE {LIANZHOU_DATE.format(col="m.first_at")}
                                        > CAST(m.month + interval '1 month' AS date) + (:deadline_day - 1)) AS late,
                 sum(m.invested) FILTER (WHERE m.month <= CAST(:through AS date)) AS invested_through,
                 sum(m.invested) AS year_to_date
          FROM months m GROUP BY m.project_id),
        per AS (
          SELECT it.*, coalesce(s.invested_through, 0) AS invested_through,
                 coalesce(s.year_to_date, 0) AS year_to_date,
                 CAST(:due_months AS integer) - coalesce(s.filed_due, 0) AS missing, coalesce(s.late, 0) AS late,
                 {_BEHIND.format(planned="it.planned", invested="coalesce(s.invested_through, 0)")} AS behind
          FROM items it LEFT JOIN sums s ON s.project_id = it.id)
        {_SUMMARY_GROUPS}"""
)
YEAR_SUMMARY_KEPT = text(
    f"""WITH {_SUMMARY_ITEMS},
        per AS (
          SELECT it.*, coalesce(y.invested_cum[CAST(:due_months AS integer)], 0) AS invested_through,
                 coalesce(y.invested_cum[12], 0) AS year_to_date,
                 CAST(:due_months AS integer) - coalesce(y.filed_cum[CAST(:due_months AS integer)], 0) AS missing,
                 coalesce(y.late_after[CAST(:deadline_day AS integer)], 0) AS late,
                 {_BEHIND.format(planned="it.planned", invested="coalesce(y.invested_cum[:due_months], 0)")} AS behind
          FROM items it LEFT JOIN progress_years y ON y.project_id = it.id AND y.year = :year)
        {_SUMMARY_GROUPS}"""
)

# The current day's summary from the sums the database keeps per group (`progress_summary`, migration
# 0021): a few rows per year whatever the number of items, each group's figures picked at the last month
# due (`:due_months`, 0 before any: nothing invested, missing or behind yet) and the deadline day. The
# same figures as YEAR_SUMMARY_KEPT (tests/progress/test_summary_kept.py checks it after every kind of
# write); town and unit keys are ids, named here (`:no_town` / `:no_lead` for none). A year without
# items still has its county total, zero, as the GROUPING SETS of the live queries give it. Sums of money
# always carry their two decimals (万元): "0.00" where the per-item sums wrote "0" (nothing planned or
# approved in the group), the same number.
YEAR_SUMMARY_SUMS = text(
    """WITH kept AS (
          SELECT s.grouping,
                 CASE s.grouping WHEN 'town' THEN coalesce(t.slug, :no_town) WHEN 'unit' THEN coalesce(n.slug, :no_lead)
                                 ELSE s.key END AS key,
                 s.projects, round(s.planned, 2) AS planned_investment_cny_10k, s.not_planned,
                 round(coalesce(s.invested_cum[CAST(:due_months AS integer)], 0), 2) AS invested_through_cny_10k,
                 round(s.invested_cum[12], 2) AS year_to_date_cny_10k,
                 s.projects * CAST(:due_months AS integer)
                   - coalesce(s.filed_cum[CAST(:due_months AS integer)], 0) AS missing_reports,
                 s.late_after[CAST(:deadline_day AS integer)] AS late_reports,
                 coalesce(s.behind[CAST(:due_months AS integer)], 0) AS behind_target
          FROM progress_summary s
          LEFT JOIN towns t ON s.grouping = 'town' AND t.id = s.ref
          LEFT JOIN units n ON s.grouping = 'unit' AND n.id = s.ref
          WHERE s.year = :year)
        SELECT * FROM kept
        UNION ALL
        SELECT 'total', NULL, 0, 0.00, 0, 0.00, 0.00, 0, 0, 0
        WHERE NOT EXISTS (SELECT FROM kept WHERE grouping = 'total')"""
)
