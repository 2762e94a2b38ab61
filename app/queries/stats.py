"""Progress figures, computed by PostGIS: projects by town × status and category × status,
the share started per town, and the computed warnings rolled up by town and plan chapter.

"Started" means under construction or completed. Projects the plan lists as `existing`
are context, not promises, so they are left out of the share started. With `as_of` the
figures are those of the record at the end of that day.

Today's figures come from the summary the database keeps (migration 0018, `app.queries.summary`):
a few hundred rows whatever the number of projects. A past day (`as_of`) is read from the record
of that day, project by project (`_live_rows`).
"""

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.project_filter import WARNINGS_SQL, ProjectFilter, rag_sql
from app.queries.summary import summary_current, summary_params, summary_rows

STARTED = ("under_construction", "completed")


def _live_rows(source: str) -> str:
    """The projects of `source` grouped into (status, category, chapter, warnings, towns) combinations, as a
    FROM item: the live query, for a past day (`as_of`) or a plan with memberships dated after today."""
    # One pass over the projects (issue 23): the projects are read once, their warnings computed once, and
    # each project's towns joined once as a sorted array (a project in two towns counts once in the totals
    # and once in each town).
    return f"""(SELECT p.status, p.category, p.plan_chapter, {WARNINGS_SQL} AS warnings,
               coalesce(pt.towns, '{{}}') AS towns, count(*) AS n
        FROM {source} p
        LEFT JOIN (SELECT project_id, array_agg(town_id ORDER BY town_id) AS towns
                   FROM project_towns GROUP BY project_id) pt ON pt.project_id = p.id
        WHERE p.deleted_at IS NULL
        GROUP BY 1, 2, 3, 4, 5)"""


def _stats_sql(rows: str) -> str:
    # Every figure below is a sum over a few hundred combinations of (status, category, chapter, warnings,
    # towns) — however many projects there are — whether they come from the summary the database keeps
    # (app.queries.summary) or from the projects themselves (`_live_rows`). Each breakdown is grouped once
    # and joined by its key: correlated sums per town and per category re-read the combinations about a
    # hundred times (120 ms of a 130 ms answer at 100,000 projects, once the combinations came from the summary).
    return f"""
    WITH combos AS (
        SELECT c.status, c.category, c.plan_chapter, c.warnings, c.towns, c.n FROM {rows} c
    ), rated AS MATERIALIZED (
        SELECT c.*, {rag_sql("c.warnings")} AS rag FROM combos c
    ), by_town AS MATERIALIZED (
        SELECT t.town_id, r.status, r.warnings, r.rag, r.n
        FROM rated r CROSS JOIN LATERAL unnest(r.towns) AS t(town_id)
    ), town_status AS (
        SELECT town_id, json_object_agg(status, n ORDER BY status) AS counts, sum(n)::bigint AS total,
               coalesce(sum(n) FILTER (WHERE status <> 'existing'), 0)::bigint AS plan_projects,
               coalesce(sum(n) FILTER (WHERE status = ANY(:started)), 0)::bigint AS started
        FROM (SELECT town_id, status, sum(n)::bigint AS n FROM by_town GROUP BY 1, 2) x GROUP BY 1
    ), town_warnings AS (
        SELECT town_id, json_object_agg(kind, n ORDER BY kind) AS warnings
        FROM (SELECT b.town_id, k.kind, sum(b.n)::bigint AS n
              FROM by_town b CROSS JOIN LATERAL unnest(b.warnings) AS k(kind) GROUP BY 1, 2) x GROUP BY 1
    ), town_rag AS (
        SELECT town_id, json_object_agg(rag, n ORDER BY rag) AS rag
        FROM (SELECT town_id, rag, sum(n)::bigint AS n FROM by_town GROUP BY 1, 2) x GROUP BY 1
    ), category_status AS (
        SELECT category, json_object_agg(status, n ORDER BY status) AS counts, sum(n)::bigint AS total
        FROM (SELECT category, status, sum(n)::bigint AS n FROM rated GROUP BY 1, 2) x GROUP BY 1
    ), chapter_warnings AS (
        SELECT plan_chapter, json_object_agg(kind, n ORDER BY kind) AS warnings
        FROM (SELECT r.plan_chapter, k.kind, sum(r.n)::bigint AS n
              FROM rated r CROSS JOIN LATERAL unnest(r.warnings) AS k(kind) GROUP BY 1, 2) x GROUP BY 1
    ), chapter_rag AS (
        SELECT plan_chapter, json_object_agg(rag, n ORDER BY rag) AS rag, sum(n)::bigint AS total
        FROM (SELECT plan_chapter, rag, sum(n)::bigint AS n FROM rated GROUP BY 1, 2) x GROUP BY 1
    )
    SELECT json_build_object(
      'as_of', CAST(:f_ref_date AS date),
      'statuses', (SELECT json_agg(json_build_object('code', s.code, 'label_zh', s.label_zh, 'label_en', s.label_en)
                                   ORDER BY s.sort_order) FROM project_statuses s),
      'by_town', (
        SELECT json_agg(json_build_object(
                 'town', t.slug, 'name_zh', t.name_zh, 'name_en', t.name_en,
                 'counts', COALESCE(ts.counts, '{{}}'::json),
                 'total', coalesce(ts.total, 0),
                 'plan_projects', coalesce(ts.plan_projects, 0),
                 'started', coalesce(ts.started, 0),
                 'warnings', COALESCE(tw.warnings, '{{}}'::json),
                 'rag', COALESCE(tr.rag, '{{}}'::json))
               ORDER BY t.slug)
        FROM towns t
        LEFT JOIN town_status ts ON ts.town_id = t.id
        LEFT JOIN town_warnings tw ON tw.town_id = t.id
        LEFT JOIN town_rag tr ON tr.town_id = t.id),
      'by_category', (
        SELECT json_agg(json_build_object(
                 'category', k.code, 'label_zh', k.label_zh, 'label_en', k.label_en,
                 'counts', COALESCE(cs.counts, '{{}}'::json),
                 'total', coalesce(cs.total, 0))
               ORDER BY k.code)
        FROM project_categories k LEFT JOIN category_status cs ON cs.category = k.code),
      'by_chapter', (
        SELECT json_agg(json_build_object(
                 'chapter', cr.plan_chapter, 'total', cr.total,
                 'warnings', COALESCE(cw.warnings, '{{}}'::json),
                 'rag', cr.rag)
               ORDER BY cr.plan_chapter)
        FROM chapter_rag cr
        LEFT JOIN chapter_warnings cw ON cw.plan_chapter IS NOT DISTINCT FROM cr.plan_chapter),
      'total', (SELECT coalesce(sum(n), 0)::bigint FROM rated)
    )::text
    """


async def plan_stats(conn: AsyncConnection, flt: ProjectFilter | None = None) -> dict[str, Any]:
    flt = flt or ProjectFilter()
    # The figures cover the whole plan: of a filter only who reads, which plan, which day and stale_days count.
    scope = ProjectFilter(
        staff=flt.staff, as_of=flt.as_of, stale_days=flt.stale_days, plan=flt.plan, own_plan=flt.own_plan
    )
    if await summary_current(conn, scope):
        sql, params = _stats_sql(summary_rows(scope)), summary_params(scope)
    else:
        source, params = flt.source()
        sql = _stats_sql(_live_rows(source))
    row = await conn.execute(text(sql), {**params, "started": list(STARTED)})
    stats: dict[str, Any] = orjson.loads(row.scalar_one())
    for town in stats["by_town"]:
        plan = town["plan_projects"]
        town["started_share"] = round(town["started"] / plan, 4) if plan else None
    return stats


async def status_changes(conn: AsyncConnection, before: ProjectFilter, after: ProjectFilter) -> list[dict[str, Any]]:
    """Projects whose status differs between two dates (appearing or disappearing included)."""
    a_src, a_params = before.source()
    b_src, b_params = after.source()
    # Both sources use the same parameter names; prefix one side's.
    b_sql = b_src.replace(":src_", ":b_src_")
    params = {**a_params, **{f"b_{k}": v for k, v in b_params.items() if k.startswith("src_")}}
    rows = await conn.execute(
        text(
            f"""SELECT coalesce(b.slug, a.slug) AS slug, coalesce(b.name_zh, a.name_zh) AS name_zh,
                       coalesce(b.name_en, a.name_en) AS name_en, a.status AS status_before, b.status AS status_after
                FROM (SELECT * FROM {a_src} p WHERE p.deleted_at IS NULL) a
                FULL JOIN (SELECT * FROM {b_sql} p WHERE p.deleted_at IS NULL) b ON a.id = b.id
                WHERE a.status IS DISTINCT FROM b.status ORDER BY 1"""
        ),
        params,
    )
    return [dict(r._mapping) for r in rows]
