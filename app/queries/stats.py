"""Progress figures, computed by PostGIS: projects by town × status and category × status,
the share started per town, and the computed warnings rolled up by town and plan chapter.

"Started" means under construction or completed. Projects the plan lists as `existing`
are context, not promises, so they are left out of the share started. With `as_of` the
figures are those of the record at the end of that day.
"""

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.project_filter import WARNINGS_SQL, ProjectFilter, rag_sql

STARTED = ("under_construction", "completed")


def _stats_sql(source: str) -> str:
    return f"""
    WITH live AS (
        SELECT p.id, p.status, p.category, p.plan_chapter, {WARNINGS_SQL} AS warnings
        FROM {source} p WHERE p.deleted_at IS NULL
    ), rated AS (
        SELECT l.*, {rag_sql("l.warnings")} AS rag
        FROM live l
    ), by_town AS (
        SELECT t.slug, r.* FROM rated r JOIN project_towns pt ON pt.project_id = r.id JOIN towns t ON t.id = pt.town_id
    ), counts_by_town AS (
        SELECT slug, status, count(*) AS n FROM by_town GROUP BY slug, status
    ), counts_by_category AS (
        SELECT category, status, count(*) AS n FROM rated GROUP BY category, status
    )
    SELECT json_build_object(
      'as_of', CAST(:f_ref_date AS date),
      'statuses', (SELECT json_agg(json_build_object('code', s.code, 'label_zh', s.label_zh, 'label_en', s.label_en)
                                   ORDER BY s.sort_order) FROM project_statuses s),
      'by_town', (
        SELECT json_agg(json_build_object(
                 'town', t.slug, 'name_zh', t.name_zh, 'name_en', t.name_en,
                 'counts', COALESCE((SELECT json_object_agg(c.status, c.n) FROM counts_by_town c
                                     WHERE c.slug = t.slug), '{{}}'::json),
                 'total', (SELECT count(*) FROM by_town b WHERE b.slug = t.slug),
                 'plan_projects', (SELECT count(*) FROM by_town b WHERE b.slug = t.slug AND b.status <> 'existing'),
                 'started', (SELECT count(*) FROM by_town b WHERE b.slug = t.slug AND b.status = ANY(:started)),
                 'warnings', COALESCE((SELECT json_object_agg(w.kind, w.n) FROM (
                                 SELECT unnest(b.warnings) AS kind, count(*) AS n FROM by_town b
                                 WHERE b.slug = t.slug GROUP BY 1) w), '{{}}'::json),
                 'rag', COALESCE((SELECT json_object_agg(g.rag, g.n) FROM (
                                 SELECT b.rag, count(*) AS n FROM by_town b WHERE b.slug = t.slug GROUP BY 1) g),
                                 '{{}}'::json))
               ORDER BY t.slug)
        FROM towns t),
      'by_category', (
        SELECT json_agg(json_build_object(
                 'category', k.code, 'label_zh', k.label_zh, 'label_en', k.label_en,
                 'counts', COALESCE((SELECT json_object_agg(c.status, c.n) FROM counts_by_category c
                                     WHERE c.category = k.code), '{{}}'::json),
                 'total', (SELECT count(*) FROM rated r WHERE r.category = k.code))
               ORDER BY k.code)
        FROM project_categories k),
      'by_chapter', (
        SELECT json_agg(json_build_object(
                 'chapter', ch.plan_chapter, 'total', ch.n,
                 'warnings', COALESCE((SELECT json_object_agg(w.kind, w.n) FROM (
                                 SELECT unnest(r.warnings) AS kind, count(*) AS n FROM rated r
                                 WHERE r.plan_chapter IS NOT DISTINCT FROM ch.plan_chapter GROUP BY 1) w),
                                 '{{}}'::json),
                 'rag', (SELECT json_object_agg(g.rag, g.n) FROM (
                                 SELECT r.rag, count(*) AS n FROM rated r
                                 WHERE r.plan_chapter IS NOT DISTINCT FROM ch.plan_chapter GROUP BY 1) g))
               ORDER BY ch.plan_chapter)
        FROM (SELECT plan_chapter, count(*) AS n FROM rated GROUP BY plan_chapter) ch),
      'total', (SELECT count(*) FROM rated)
    )::text
    """


async def plan_stats(conn: AsyncConnection, flt: ProjectFilter | None = None) -> dict[str, Any]:
    flt = flt or ProjectFilter()
    source, params = flt.source()
    row = await conn.execute(text(_stats_sql(source)), {**params, "started": list(STARTED)})
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
