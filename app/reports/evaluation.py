"""What an evaluation report of a plan says on a day: the figures, the tables and the lists.

Why one data model for both documents: the DOCX (which the bureau edits further) and the PDF (which it
files) must say the same thing, and both must say what the dashboard says. So the figures are *the
dashboard's own*: `plan_stats`, the function behind `GET /api/stats`, called with the same plan and day;
the report adds only the lists (completed, late, postponed, cancelled, with their reasons) and the public
feedback, read through the same project source.

Kinds (年度考核 / 中期评估 / 总结评估) differ in their title and default day, not in their arithmetic:
annual → 31 December of the year asked (default last year), mid-term → the end of the plan's third year,
final → the end of its last year. A day in the future is refused: a report cannot know it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.core import clock
from app.core.errors import Invalid, NotFound
from app.queries.project_filter import ProjectFilter
from app.queries.stats import STARTED, plan_stats
from app.reports import queries as q

LATE = ("late_completion", "late_start", "plan_period_ended")
# Statuses a project is never listed as "late" under: done, ended, or listed with its own reason elsewhere.
NOT_LATE = ("completed", "existing", "cancelled", "merged", "postponed")


class Kind(StrEnum):
    ANNUAL = "annual"
    MIDTERM = "midterm"
    FINAL = "final"


TITLES = {
    Kind.ANNUAL: ("年度实施情况考核报告", "Annual assessment"),
    Kind.MIDTERM: ("实施情况中期评估报告", "Mid-term evaluation"),
    Kind.FINAL: ("实施情况总结评估报告", "Final evaluation"),
}


@dataclass(frozen=True)
class ListedProject:
    slug: str
    name_zh: str
    status_label: str
    towns: str
    chapter: str
    when: str
    reason: str


@dataclass(frozen=True)
class ChapterRow:
    chapter: str
    total: int
    counts: dict[str, int]
    started: int
    late: int


@dataclass(frozen=True)
class TownRow:
    name_zh: str
    total: int
    plan_projects: int
    started: int
    started_share: float | None
    counts: dict[str, int]
    late: int


@dataclass
class Evaluation:
    plan: dict[str, Any]
    kind: Kind
    as_of: date
    made_on: date
    stats: dict[str, Any]  # exactly /api/stats?plan=…&as_of=… (the dashboard's figures)
    statuses: list[tuple[str, str]]  # (code, label_zh), in their order
    totals: dict[str, int]
    chapters: list[ChapterRow]
    towns: list[TownRow]
    completed: list[ListedProject] = field(default_factory=list)
    late: list[ListedProject] = field(default_factory=list)
    postponed: list[ListedProject] = field(default_factory=list)
    cancelled: list[ListedProject] = field(default_factory=list)
    feedback: dict[str, int] = field(default_factory=dict)
    feedback_projects: int = 0
    feedback_top: list[tuple[str, int]] = field(default_factory=list)
    ratings: tuple[int, int, Decimal | None] = (0, 0, None)  # approved ratings, projects rated, average

    @property
    def title(self) -> str:
        return f"{self.plan['name_zh']}{TITLES[self.kind][0]}"

    @property
    def started_share(self) -> float | None:
        plan_projects = self.totals["plan_projects"]
        return round(self.totals["started"] / plan_projects, 4) if plan_projects else None


NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def chapter_order(chapter: str) -> tuple[int, str]:
    """第九章 before 第十一章: the plan's own order, not the order of the characters."""
    digits = chapter.removeprefix("第").split("章")[0]
    if not digits or any(c not in NUMERALS and c != "十" for c in digits):
        return (10_000, chapter)
    if "十" in digits:
        tens, _, ones = digits.partition("十")
        return (NUMERALS.get(tens, 1) * 10 + NUMERALS.get(ones, 0), chapter)
    return (NUMERALS[digits], chapter) if len(digits) == 1 else (10_000, chapter)


def default_day(kind: Kind, plan: dict[str, Any], year: int | None) -> date:
    """The day a kind of report is made on when none is given (see the module docstring)."""
    if kind is Kind.ANNUAL:
        return date(year or clock.today().year - 1, 12, 31)
    if kind is Kind.MIDTERM:
        return date(plan["period_start"] + 2, 12, 31)
    return date(plan["period_end"], 12, 31)


def is_late(row: Any) -> bool:
    """Behind its dates and still open: the one definition behind the "late" figures and the late list."""
    return row.status not in NOT_LATE and bool(set(row.warnings) & set(LATE))


def _listed(row: Any, when: str, reason: str) -> ListedProject:
    return ListedProject(
        row.slug, row.name_zh, row.status_label, row.towns, row.plan_chapter or "（未列章节）", when, reason
    )


async def build_evaluation(
    conn: AsyncConnection, plan_slug: str, kind: Kind, as_of: date | None = None, year: int | None = None
) -> Evaluation:
    """Everything the report says about `plan_slug` on `as_of` (default: the kind's day, see above)."""
    plan_row = (await conn.execute(q.PLAN, {"slug": plan_slug})).mappings().one_or_none()
    if plan_row is None:
        raise NotFound(f"unknown plan: {plan_slug[:60]}")
    plan = dict(plan_row)
    today = clock.today()
    day = as_of or default_day(kind, plan, year)
    if day > today:
        raise Invalid(
            ("query", "as_of"), f"{day} is in the future: a report is made on a day that has passed (or today)"
        )
    # Always read "as recorded at the end of the day", even today: the same source as /api/stats?as_of=day.
    flt = ProjectFilter(as_of=day, plan=plan_slug)
    stats = await plan_stats(conn, flt)
    source, params = flt.source()
    rows = (await conn.execute(q.projects_sql(source), params)).all()
    statuses = [(s["code"], s["label_zh"]) for s in stats["statuses"]]

    counts = Counter(r.status for r in rows)
    totals = {
        "total": len(rows),
        "plan_projects": sum(r.status != "existing" for r in rows),
        "started": sum(r.status in STARTED for r in rows),
        "late": sum(is_late(r) for r in rows),
        **{code: counts.get(code, 0) for code, _ in statuses},
    }
    chapters: dict[str, list[Any]] = {}
    for r in rows:
        chapters.setdefault(r.plan_chapter or "（未列章节）", []).append(r)
    chapter_rows = [
        ChapterRow(
            name,
            len(members),
            dict(Counter(m.status for m in members)),
            sum(m.status in STARTED for m in members),
            sum(is_late(m) for m in members),
        )
        for name, members in sorted(chapters.items(), key=lambda item: chapter_order(item[0]))
    ]
    town_rows = [
        TownRow(
            t["name_zh"],
            t["total"],
            t["plan_projects"],
            t["started"],
            t["started_share"],
            t["counts"],
            sum(is_late(r) and t["name_zh"] in r.towns.split("、") for r in rows),
        )
        for t in stats["by_town"]
    ]
    report = Evaluation(plan, kind, day, today, stats, statuses, totals, chapter_rows, town_rows)
    for r in rows:
        if r.status == "completed":
            report.completed.append(_listed(r, str(r.actual_end or "完成日期未记录"), r.revision_reasons or ""))
        elif r.status == "postponed":
            report.postponed.append(_listed(r, str(r.info_date), r.status_reason or ""))
        elif r.status in ("cancelled", "merged"):
            report.cancelled.append(_listed(r, str(r.info_date), r.status_reason or ""))
        if is_late(r):
            due = r.planned_end or (f"{r.end_year}年" if r.end_year else "规划期末")
            why = "、".join(WARNING_LABELS.get(w, w) for w in r.warnings if w in LATE)
            report.late.append(_listed(r, str(due), "；".join(x for x in (why, r.revision_reasons) if x)))
    await _feedback(conn, report, {**params, "plan": plan_slug})
    return report


WARNING_LABELS = {
    "late_completion": "逾期未竣工",
    "late_start": "逾期未开工",
    "plan_period_ended": "规划期已结束仍未完成",
}


async def _feedback(conn: AsyncConnection, report: Evaluation, params: dict[str, Any]) -> None:
    summary = (await conn.execute(q.FEEDBACK_SUMMARY, params)).all()
    report.feedback = {r.state: int(r.n) for r in summary}
    report.feedback_projects = sum(int(r.projects) for r in summary if r.state == "approved")
    report.feedback_top = [(r.name_zh, int(r.n)) for r in (await conn.execute(q.FEEDBACK_TOP, params)).all()]
    rated = (await conn.execute(q.RATINGS_SUMMARY, params)).one()
    report.ratings = (int(rated.n), int(rated.projects), rated.average)
