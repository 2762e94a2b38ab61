"""Plan monitoring on the pages: the programme "as of a date", warnings, planned versus actual, roll-ups.

The API computes everything (warnings in the database function `project_warnings`, the record
of a past day from `project_versions`); this module only decides what the HTML pages show of it
and hands the map scripts what they need:

- `?as_of=YYYY-MM-DD` on `/`, `/towns/…`, `/projects/…` and `/dashboard` is parsed here, once, the
  way the API parses it. A value the API would refuse with 422 (not a date, or a day after
  Lianzhou's today) is *ignored* by a page, which then says so: a reader who mistyped a date should
  see today's map with a note, not an error page. A valid day travels on to every API request the
  page's scripts make and to the links between those four pages, so a reader stays in the past
  until they choose "back to today".
- Red/amber/green follow the API's rule (red: late completion or over budget; amber: late start or
  stale; green: none); the colours are chosen to read as a traffic light on a light background.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import Request

from app.catalog.vocab import STATUSES_NEEDING_REASON, Lang, WarningKind
from app.core import clock
from app.queries.project_filter import RED, ProjectFilter
from app.web.i18n import Translator
from app.web.i18n_monitoring import DASHBOARD_JS_KEYS

RAG_COLORS: dict[str, str] = {"red": "#c62828", "amber": "#f0a202", "green": "#2e7d32"}
# The order a reader meets them in a legend: the worst first.
WARNING_ORDER: tuple[str, ...] = (
    "late_completion", "plan_period_ended", "over_budget", "late_start", "no_recorded_start", "stale",
)  # fmt: skip
WARNING_RAG: dict[str, str] = {w.value: ("red" if w.value in RED else "amber") for w in WarningKind}
# The pages that read the programme as of a date; links between them keep `as_of`.
AS_OF_PATHS = ("/", "/dashboard")
AS_OF_PREFIXES = ("/towns/", "/projects/")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class PageAsOf:
    """The `as_of` of one page request: the day to show, or why the value given was ignored."""

    today: date = field(default_factory=clock.today)
    day: date | None = None
    rejected: str | None = None  # the value as typed, when ignored
    problem: str | None = None  # "invalid" or "future"

    @property
    def iso(self) -> str:
        return self.day.isoformat() if self.day else ""

    def note(self, t: Translator) -> str | None:
        """Why the date given was ignored, in the reader's language (None when nothing was ignored)."""
        if self.problem is None:
            return None
        return t(f"as_of_{self.problem}", value=self.rejected or "")

    def banner(self, t: Translator) -> str | None:
        return t("as_of_banner", date=long_date(self.day, t.lang)) if self.day else None


def parse_as_of(raw: str | None, today: date | None = None) -> PageAsOf:
    """`as_of` as the API reads it (YYYY-MM-DD, not after Lianzhou's today); anything else is ignored."""
    today = today or clock.today()
    if raw is None or raw.strip() == "":
        return PageAsOf(today=today)
    value = raw.strip()
    shown = value[:40]  # echoed back as text; a long paste need not be repeated whole
    if not _ISO_DATE.match(value):
        return PageAsOf(today=today, rejected=shown, problem="invalid")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return PageAsOf(today=today, rejected=shown, problem="invalid")
    if day > today:
        return PageAsOf(today=today, rejected=shown, problem="future")
    return PageAsOf(today=today, day=day)


def page_as_of(request: Request) -> PageAsOf:
    return parse_as_of(request.query_params.get("as_of"))


def page_filter(request: Request, as_of: PageAsOf, plan: str | None = None) -> ProjectFilter:
    """What the server-rendered parts read: the public record, as of the page's day, in the page's plan (None:
    the plan in force that day), warnings as the API judges."""
    stale_days: int = request.app.state.settings.stale_days
    return ProjectFilter(as_of=as_of.day, stale_days=stale_days, plan=plan)


def long_date(day: date | None, lang: Lang) -> str:
    if day is None:
        return ""
    if lang == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def keeps_as_of(path: str) -> bool:
    """Whether a link to `path` should carry the page's `as_of` (only the pages that read it)."""
    bare = path.split("?", 1)[0]
    return bare in AS_OF_PATHS or (bare.startswith(AS_OF_PREFIXES) and not bare.endswith((".pdf", ".atom")))


def with_as_of(path: str, as_of: PageAsOf | None) -> str:
    if as_of is None or as_of.day is None or not keeps_as_of(path):
        return path
    return f"{path}{'&' if '?' in path else '?'}as_of={as_of.iso}"


def page_query(lang: Lang, as_of: PageAsOf | None) -> str:
    """The query string the map scripts append to the page links it builds (language, and the day when set)."""
    params = [f"as_of={as_of.iso}"] if as_of is not None and as_of.day else []
    if lang == "en":
        params.append("lang=en")
    return f"?{'&'.join(params)}" if params else ""


def rag_of(warnings: list[str]) -> str:
    if any(w in RED for w in warnings):
        return "red"
    return "amber" if warnings else "green"


def warning_legend(t: Translator, stale_days: int) -> list[dict[str, str]]:
    """The warnings (and "none") with label, explanation and colour: the legend and filter of the maps."""
    items = [
        {
            "code": code,
            "label": t(f"warning_{code}"),
            "explain": t(f"explain_{code}", days=stale_days),
            "rag": WARNING_RAG[code],
            "color": RAG_COLORS[WARNING_RAG[code]],
        }
        for code in WARNING_ORDER
    ]
    items.append(
        {"code": "none", "label": t("warning_none"), "explain": t("explain_none"), "rag": "green",
         "color": RAG_COLORS["green"]}
    )  # fmt: skip
    return items


def map_monitoring_config(request: Request, t: Translator, as_of: PageAsOf) -> dict[str, Any]:
    """What the map scripts need for the colour switch, the warnings filter and `as_of` on its requests."""
    stale_days: int = request.app.state.settings.stale_days
    return {
        "asOf": as_of.iso or None,
        "warnings": warning_legend(t, stale_days),
        "ragColors": RAG_COLORS,
    }


# ---------------------------------------------------------------- the project page


def project_monitoring(t: Translator, project: dict[str, Any]) -> dict[str, Any]:
    """Warnings and the planned-versus-actual rows of the project page.

    Planned values fall back to what the plan text states (its years, its investment figure), as
    the warnings do; the page says when a value comes from the plan rather than from a planner.
    """
    warnings = [w for w in WARNING_ORDER if w in (project.get("warnings") or [])]
    figures = project.get("figures") or {}
    from_plan = t("from_plan_text")

    def planned(value: Any, fallback: Any) -> str:
        if value is not None:
            return _show(value)
        return f"{_show(fallback)}{from_plan}" if fallback is not None else "—"

    start_year, end_year = project.get("start_year"), project.get("end_year")
    rows = [
        ("start", t("tracking_start"), planned(project.get("planned_start"), start_year),
         _show(project.get("actual_start"))),
        ("end", t("tracking_end"), planned(project.get("planned_end"), end_year), _show(project.get("actual_end"))),
        ("money", t("tracking_money"),
         planned(project.get("planned_investment_cny_100m"), figures.get("investment_cny_100m")),
         _show(project.get("actual_spend_cny_100m"))),
    ]  # fmt: skip
    return {
        "warnings": [
            {"code": w, "label": t(f"warning_{w}"), "rag": WARNING_RAG[w], "color": RAG_COLORS[WARNING_RAG[w]]}
            for w in warnings
        ],
        "rag": rag_of(warnings),
        "rag_color": RAG_COLORS[rag_of(warnings)],
        "tracking": rows,
    }


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float | Decimal):
        return f"{float(value):g}"
    return str(value)


def reason_statuses() -> list[str]:
    """The statuses the status editor asks a reason for (the API refuses them without one)."""
    return sorted(s.value for s in STATUSES_NEEDING_REASON)


# ---------------------------------------------------------------- the dashboard


def chapter_number(chapter: str | None) -> int:
    """第八章 → 8, 第十二章 → 12: chapters sort as the plan numbers them, not as text does."""
    match = re.match(r"^第([一二三四五六七八九十]+)章", chapter or "")
    if not match:
        return 999
    digits = match.group(1)
    if "十" not in digits:
        return _CN_DIGITS.get(digits, 999)
    tens, _, ones = digits.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def chapter_label(chapter: str | None, t: Translator) -> str:
    if not chapter:
        return t("no_chapter")
    number = chapter_number(chapter)
    return f"Chapter {number} ({chapter})" if t.lang == "en" and number != 999 else chapter


def rag_counts(rag: dict[str, int] | None) -> list[dict[str, Any]]:
    """Red, amber, green counts (zeros included) with colours, for the small stacked bars."""
    rag = rag or {}
    return [{"rag": k, "n": int(rag.get(k, 0)), "color": RAG_COLORS[k]} for k in ("red", "amber", "green")]


def share_red(rag: dict[str, int] | None, total: int) -> float | None:
    return round((rag or {}).get("red", 0) / total, 4) if total else None


def dashboard_monitoring(stats: dict[str, Any], t: Translator) -> dict[str, Any]:
    """Template context for the warnings columns, the chapter table and the red choropleth."""
    chapters = sorted(stats.get("by_chapter") or [], key=lambda c: (chapter_number(c["chapter"]), c["chapter"] or ""))
    return {
        "warning_columns": [{"code": w, "label": t(f"warning_{w}"), "rag": WARNING_RAG[w]} for w in WARNING_ORDER],
        "town_rag": {r["town"]: rag_counts(r.get("rag")) for r in stats["by_town"]},
        "town_share_red": {r["town"]: share_red(r.get("rag"), r["total"]) for r in stats["by_town"]},
        "chapters": [
            {
                "chapter": c["chapter"] or "",
                "label": chapter_label(c["chapter"], t),
                "total": c["total"],
                "warnings": c.get("warnings") or {},
                "rag": rag_counts(c.get("rag")),
            }
            for c in chapters
        ],
        "rag_legend": [(RAG_COLORS[k], t(f"rag_{k}_means")) for k in ("red", "amber", "green")],
    }


def compare_defaults(as_of: PageAsOf) -> tuple[date, date]:
    """The two days the comparison opens on: the end of the year before, and today (or the page's day)."""
    to = as_of.day or as_of.today
    return date(to.year - 1, 12, 31), to


def dashboard_config(
    t: Translator,
    as_of: PageAsOf,
    towns: list[dict[str, Any]],
    statuses: list[dict[str, str]],
    page_query: str,
    plan: str | None = None,
) -> dict[str, Any]:
    """Config of frontend/static/js/dashboard.js (the comparison between two dates)."""
    start, end = compare_defaults(as_of)
    return {
        "lang": t.lang,
        "api": "/api/stats/compare",
        "plan": plan,  # the page's plan, when it names one: the comparison is of that plan's projects
        "projectPage": "/projects/",
        "pageQuery": page_query,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "today": as_of.today.isoformat(),
        "towns": {town["slug"]: town["name"] for town in towns},
        "statuses": statuses,
        "messages": {key: t(key) for key in DASHBOARD_JS_KEYS},
    }


# ---------------------------------------------------------------- following a page


def follow_links(t: Translator, kind: str, slug: str | None = None, plan: str | None = None) -> dict[str, Any]:
    """The Atom feeds of a page (its own and the whole plan's) and, for a town, its A3 wall map.

    The feeds (app/feeds) and the wall map (app/wallmap) always describe the current record, so
    these links carry the language but never `as_of`; they carry the page's `plan` when it names
    one (a project's feed is its one history, whatever plans it is in).
    """
    lang = "?lang=en" if t.lang == "en" else ""
    of_plan = f"{'&' if lang else '?'}plan={quote(plan)}" if plan else ""
    feeds: list[tuple[str, str, str]] = []
    wallmap = None
    if kind == "town" and slug:
        feeds.append(("pm-feed-town", t("feed_town"), f"/feeds/towns/{quote(slug)}.atom{lang}{of_plan}"))
        wallmap = f"/towns/{quote(slug)}/wallmap.pdf" + (f"?plan={quote(plan)}" if plan else "")
    elif kind == "project" and slug:
        feeds.append(("pm-feed-project", t("feed_project"), f"/feeds/projects/{quote(slug)}.atom{lang}"))
    feeds.append(("pm-feed-plan", t("feed_plan"), f"/feeds/plan.atom{lang}{of_plan}"))
    return {"feeds": feeds, "wallmap": wallmap}


def information_date(day: date | None, precision: str | None, lang: Lang) -> str:
    """When a project's information dates from, to the precision known (资料截至 2022年, not a made-up day)."""
    if day is None:
        return ""
    if precision == "year":
        return f"{day.year}" if lang == "en" else f"{day.year}年"
    if precision == "month":
        return f"{_MONTHS_EN[day.month - 1]} {day.year}" if lang == "en" else f"{day.year}年{day.month}月"
    return long_date(day, lang)
