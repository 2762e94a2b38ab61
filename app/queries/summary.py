"""Counts from the summaries the database keeps (migration 0018), for stats, facets and the towns' counts.

`stats_summary` holds, per plan, how many live projects share a (towns, status, category, chapter)
and the same *dates* the date-dependent warnings compare with the reference day; the warnings
themselves are computed here, at read time, from those few hundred rows, so they are as of the day
asked, never as of the day a row was written. A read uses the summary when:

- it is about today (no `as_of`): a past day is the record of that day (`projects_as_of`), which
  the summary does not keep, so such reads take the live query;
- it filters only by what the summary holds (plan, towns, status, category, warnings): a bbox, a
  text search, a distance, years, a geometry kind, a CQL2 filter or the implementation cycle's
  flags (`no_report`, `behind`: a set of slugs) take the live query;
- no membership of its plan is dated after its day (`plan_projects.added_at`; the live source
  leaves such memberships out, the summary cannot): checked by `summary_current`.

Staff and the public get the same figures: the public view moves a sensitive site's geometry, which
no count reads.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.plan_scope import CHOSEN_PLAN_ID
from app.queries.project_filter import ProjectFilter

# The warnings of a summary row `s` on `:f_ref_date`, in project_warnings()'s order (0010); `pl.plan_end`
# is the last day of the period of the row's plan. tests/queries/test_stats_summary.py checks that these
# equal the live warnings project by project, summed.
SUMMARY_WARNINGS_SQL = """array_remove(ARRAY[
    CASE WHEN s.start_due < CAST(:f_ref_date AS date) THEN 'late_start' END,
    CASE WHEN s.end_due < CAST(:f_ref_date AS date) THEN 'late_completion' END,
    CASE WHEN s.open_undated AND pl.plan_end < CAST(:f_ref_date AS date) THEN 'plan_period_ended' END,
    CASE WHEN s.no_recorded_start THEN 'no_recorded_start' END,
    CASE WHEN s.over_budget THEN 'over_budget' END,
    CASE WHEN s.info_until < CAST(:f_ref_date AS date) - CAST(:f_stale_days AS int) THEN 'stale' END], NULL)"""

# Rows of plan 0 count every live project once, whatever its plans (the towns' counts).
ALL_PLANS = 0


def summary_applies(flt: ProjectFilter) -> bool:
    """Whether the summary holds what `flt` asks for (see the module's docstring)."""
    return (
        flt.as_of is None
        and not flt.own_plan
        and flt.bbox is None
        and not flt.q
        and flt.near is None
        and flt.years is None
        and flt.dimension is None
        and flt.condition is None
        and flt.slugs is None  # no_report / behind: a set of projects the implementation cycle computed
    )


def summary_params(flt: ProjectFilter) -> dict[str, Any]:
    """The bind parameters of `summary_rows` for `flt`: its plan and reference day, and its filters."""
    _, params = flt.source()  # the plan, the reference day and stale_days, exactly as the live query has them
    if flt.towns:
        params["f_towns"] = list(flt.towns)
    if flt.statuses:
        params["f_statuses"] = [s.value for s in flt.statuses]
    if flt.categories:
        params["f_categories"] = [c.value for c in flt.categories]
    if flt.warnings:
        params["f_warnings"] = [w.value for w in flt.warnings]
    return params


def key_clauses(flt: ProjectFilter) -> list[str]:
    """`flt`'s town, status and category conditions on a kept row `s` (stats_summary or stats_project_keys):
    both tables name these columns alike, so the statistics and the low-zoom tiles filter them with one text."""
    clauses: list[str] = []
    if flt.towns:
        clauses.append("s.towns && ARRAY(SELECT t.id FROM towns t WHERE t.slug = ANY(:f_towns))")
    if flt.statuses:
        clauses.append("s.status = ANY(:f_statuses)")
    if flt.categories:
        clauses.append("s.category = ANY(:f_categories)")
    return clauses


def summary_rows(flt: ProjectFilter) -> str:
    """The FROM item (alias it) of the chosen plan's summary rows matching `flt`, each with its warnings
    on the reference day: status, category, plan_chapter, warnings, towns and n, already grouped."""
    clauses = ["s.n > 0", *key_clauses(flt)]
    if flt.warnings:
        clauses.append(f"{SUMMARY_WARNINGS_SQL} && CAST(:f_warnings AS text[])")
    return f"""(SELECT s.status, s.category, s.chapter AS plan_chapter, {SUMMARY_WARNINGS_SQL} AS warnings,
                       s.towns, sum(s.n)::bigint AS n
                FROM stats_summary s
                JOIN (SELECT pl0.id, make_date(pl0.period_end, 12, 31) AS plan_end FROM plans pl0
                      WHERE pl0.id = {CHOSEN_PLAN_ID}) pl ON pl.id = s.plan_id
                WHERE {" AND ".join(clauses)}
                GROUP BY 1, 2, 3, 4, 5)"""


# Written as the latest membership's time, not `NOT EXISTS (… added_at >= :day_end)`: psycopg prepares a statement
# run five times, and PostgreSQL's generic plan for NOT EXISTS expected a third of the memberships to match and
# scanned plan_projects whole to find none (110 ms at a million projects, on every stats read and low-zoom tile);
# max() is one step down the (plan_id, added_at) index whatever the parameters.
_CURRENT_SQL = f"""SELECT coalesce((SELECT max(pp.added_at) FROM plan_projects pp
                                     WHERE pp.plan_id = {CHOSEN_PLAN_ID}) < CAST(:src_ref_end AS timestamptz), true)"""


def current_sql(flt: ProjectFilter) -> tuple[str, dict[str, Any]]:
    """The statement `summary_current` runs once the summary applies: one boolean, true when no membership of
    `flt`'s plan postdates its day; public for the lean tile route (app/queries/tiles.py, `fetch_public_tile`)."""
    _, params = flt.source()
    return _CURRENT_SQL, params


async def summary_current(conn: AsyncConnection, flt: ProjectFilter) -> bool:
    """True when the summary may answer `flt`: it applies, and no membership of the plan postdates the day."""
    if not summary_applies(flt):
        return False
    sql, params = current_sql(flt)
    return bool((await conn.execute(text(sql), params)).scalar())


# The towns' counts of every live project whatever its plan (/api/towns, OGC towns): rows of plan 0.
TOWN_STATUS_COUNTS = f"""(SELECT tt.town_id, s.status, sum(s.n)::bigint AS n
    FROM stats_summary s CROSS JOIN LATERAL unnest(s.towns) AS tt(town_id)
    WHERE s.plan_id = {ALL_PLANS} AND s.n > 0
    GROUP BY 1, 2)"""
