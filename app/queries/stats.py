"""Progress figures: projects by town × status and category × status, computed by PostGIS.

"Started" means under construction or completed. Projects the plan lists as `existing`
are context, not promises, so they are left out of the share started.
"""

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

STARTED = ("under_construction", "completed")

_STATS_SQL = text(
    """
    WITH counts_by_town AS (
        SELECT t.slug, p.status, count(*) AS n
        FROM towns t JOIN project_towns pt ON pt.town_id = t.id JOIN projects p ON p.id = pt.project_id
        WHERE p.deleted_at IS NULL
        GROUP BY t.slug, p.status
    ), counts_by_category AS (
        SELECT p.category, p.status, count(*) AS n FROM projects p WHERE p.deleted_at IS NULL
        GROUP BY p.category, p.status
    )
    SELECT json_build_object(
      'statuses', (SELECT json_agg(json_build_object('code', s.code, 'label_zh', s.label_zh, 'label_en', s.label_en)
                                   ORDER BY s.sort_order) FROM project_statuses s),
      'by_town', (
        SELECT json_agg(json_build_object(
                 'town', t.slug, 'name_zh', t.name_zh, 'name_en', t.name_en,
                 'counts', COALESCE((SELECT json_object_agg(c.status, c.n) FROM counts_by_town c
                                     WHERE c.slug = t.slug), '{}'::json),
                 'total', COALESCE((SELECT sum(c.n) FROM counts_by_town c WHERE c.slug = t.slug), 0),
                 'plan_projects', COALESCE((SELECT sum(c.n) FROM counts_by_town c
                                            WHERE c.slug = t.slug AND c.status <> 'existing'), 0),
                 'started', COALESCE((SELECT sum(c.n) FROM counts_by_town c
                                      WHERE c.slug = t.slug AND c.status = ANY(:started)), 0))
               ORDER BY t.slug)
        FROM towns t),
      'by_category', (
        SELECT json_agg(json_build_object(
                 'category', k.code, 'label_zh', k.label_zh, 'label_en', k.label_en,
                 'counts', COALESCE((SELECT json_object_agg(c.status, c.n) FROM counts_by_category c
                                     WHERE c.category = k.code), '{}'::json),
                 'total', COALESCE((SELECT sum(c.n) FROM counts_by_category c WHERE c.category = k.code), 0))
               ORDER BY k.code)
        FROM project_categories k),
      'total', (SELECT count(*) FROM projects WHERE deleted_at IS NULL)
    )::text
    """
)


async def plan_stats(conn: AsyncConnection) -> dict[str, Any]:
    stats: dict[str, Any] = orjson.loads((await conn.execute(_STATS_SQL, {"started": list(STARTED)})).scalar_one())
    for town in stats["by_town"]:
        plan = town["plan_projects"]
        town["started_share"] = round(town["started"] / plan, 4) if plan else None
    return stats
