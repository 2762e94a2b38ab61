"""Which plan a read is about, as SQL: the one named, or the one in force on the reference date.

Every project read goes through `app.queries.sources.project_source`, which joins the project to its
membership in the chosen plan; so the API, OGC, tiles, stats, exports, pages and wall maps all slice
by plan the same way, and a read that names no plan sees the plan in force on its day (at
`as_of=2022-12-31` the 14th plan even after the 15th exists).
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core import clock

# The plan a read is about: `:src_plan` when given, else the most recent plan whose period has begun
# by the reference day and that planmap had recorded by then.
CHOSEN_PLAN_ID = """(SELECT pl0.id FROM plans pl0
    WHERE CASE WHEN CAST(:src_plan AS text) IS NULL
               THEN pl0.period_start <= extract(year FROM CAST(:src_ref AS date))
                    AND pl0.recorded_at < CAST(:src_ref_end AS timestamptz)
               ELSE pl0.slug = CAST(:src_plan AS text) END
    ORDER BY pl0.period_start DESC, pl0.id DESC LIMIT 1)"""

# For a read of one project by its slug without a plan: the latest plan it belongs to by then, so a
# project of the 14th plan only is still found after the 15th comes into force.
OWN_PLAN_ID = """(SELECT pp0.plan_id FROM plan_projects pp0 JOIN plans pl0 ON pl0.id = pp0.plan_id
    WHERE pp0.project_id = b.id AND pp0.added_at < CAST(:src_ref_end AS timestamptz)
    ORDER BY pl0.period_start DESC, pl0.id DESC LIMIT 1)"""

# Where the chosen plan names the project: these columns of `p` come from the membership row.
FROM_MEMBERSHIP = {"plan_chapter": "pp.chapter", "plan_section": "pp.section", "source_quote": "pp.quote"}

# Columns a plan-scoped `p` has besides the project's own.
PLAN_COLUMNS = (
    "pl.slug AS plan_slug, pp.role AS plan_role, make_date(pl.period_end, 12, 31) AS plan_end, "
    "pl.period_start AS plan_period_start, pl.period_end AS plan_period_end"
)


def in_plan(base: str, columns: list[str], *, own_plan: bool, extra: str = "") -> str:
    """`base` (aliased `b`) restricted to the chosen plan's projects, with the plan's chapter, section
    and quote; a membership made after the reference day (a later carry-over) is not there yet."""
    cols = ", ".join(f"{FROM_MEMBERSHIP[c]} AS {c}" if c in FROM_MEMBERSHIP else f"b.{c}" for c in columns)
    chosen = OWN_PLAN_ID if own_plan else CHOSEN_PLAN_ID
    return f"""(SELECT {cols}{extra}, {PLAN_COLUMNS}
               FROM {base} b
               JOIN plan_projects pp ON pp.project_id = b.id AND pp.added_at < CAST(:src_ref_end AS timestamptz)
               JOIN plans pl ON pl.id = pp.plan_id
               WHERE pp.plan_id = {chosen})"""


async def plan_exists(conn: AsyncConnection, slug: str) -> bool:
    return bool((await conn.execute(text("SELECT 1 FROM plans WHERE slug = :s"), {"s": slug})).scalar())


def reference_params(plan: str | None, day: date) -> dict[str, Any]:
    """The bind parameters of `CHOSEN_PLAN_ID`: the plan named, and the reference day and its end in Lianzhou
    (what was recorded before the end of the day counts)."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=clock.LIANZHOU_TZ)
    return {"src_plan": plan, "src_ref": day, "src_ref_end": end}


async def plan_in_force(conn: AsyncConnection, day: date) -> str | None:
    """The slug of the plan a read naming no plan is about on `day` (what a page says it shows)."""
    sql = text(f"SELECT slug FROM plans WHERE id = {CHOSEN_PLAN_ID}")
    slug = (await conn.execute(sql, reference_params(None, day))).scalar()
    return None if slug is None else str(slug)
