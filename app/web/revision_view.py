"""Baseline and revisions on the project page: "计划2025年完工 → 2026-03调整为2027年：征地延误".

When a plan is adopted its projects' planned dates and investment are the baseline, and they are kept
(`app.plans.revisions`); each later change is a revision with its date and a required reason. A reader
judging a project must see both at once — what the plan promised, what it is now, when and why it
moved — not only today's value in the planned-versus-actual table. So each revised field is one line:
the baseline, then every revision in the order made, each with its month and the reason as typed
(shown as text, like everything a person writes).

A page showing a past day (`as_of`) lists only the revisions recorded by the end of that day.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.core import clock
from app.plans import queries as plan_queries
from app.web.i18n import Translator
from app.web.monitoring import long_date

# The fields a revision may change (app.plans.revisions.BASELINED), in the order the page lists them.
REVISED_FIELDS = ("planned_start", "planned_end", "planned_investment_cny_100m")


@dataclass(frozen=True)
class RevisionLine:
    """One field's baseline and its revisions, as one sentence in the reader's language."""

    field: str
    text: str
    reasons: tuple[str, ...]


def _day(value: str, t: Translator) -> str:
    """A planned date: its year when it is a year's last day (how plans state a deadline), else the day."""
    day = date.fromisoformat(value)
    if (day.month, day.day) == (12, 31):
        return f"{day.year}年" if t.lang == "zh" else str(day.year)
    return long_date(day, t.lang)


def _value(field: str, value: Any, t: Translator) -> str:
    if value is None:
        return t("revision_none")
    if field == "planned_investment_cny_100m":
        return t("revision_investment", value=f"{float(value):g}")
    return _day(str(value), t)


def _line(field: str, revisions: list[Any], t: Translator, plan: str | None) -> RevisionLine:
    base = revisions[0].baseline_value
    start = t(f"revision_{field}", value=_value(field, base, t)) if base is not None else t("revision_no_baseline")
    steps = [
        t("revision_step", month=f"{r.revised_on:%Y-%m}", value=_value(field, r.revised_value, t), reason=r.reason)
        for r in revisions
    ]
    text = " → ".join([start, *steps])
    text = text[:1].upper() + text[1:]
    return RevisionLine(field, f"{plan}: {text}" if plan else text, tuple(r.reason for r in revisions))


async def revision_lines(conn: AsyncConnection, slug: str, t: Translator, as_of: date | None) -> list[RevisionLine]:
    """Every revised field of the project with its baseline and revisions (recorded by the end of `as_of`).

    A baseline is one plan's: a project revised in two plans gets a line per plan and field, named by plan."""
    rows = list((await conn.execute(plan_queries.PROJECT_REVISIONS, {"slug": slug})).all())
    if as_of is not None:
        end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=clock.LIANZHOU_TZ)
        rows = [r for r in rows if r.recorded_at < end]
    chains: dict[tuple[str, str], list[Any]] = {}  # (plan, field), plans in the order first revised
    for row in sorted(rows, key=lambda r: REVISED_FIELDS.index(r.field) if r.field in REVISED_FIELDS else 99):
        chains.setdefault((row.plan, row.field), []).append(row)
    several_plans = len({plan for plan, _ in chains}) > 1
    return [_line(name, chain, t, plan if several_plans else None) for (plan, name), chain in chains.items()]
