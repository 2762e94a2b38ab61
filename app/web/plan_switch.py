"""Which plan a page is about (`?plan=slug`), and the switcher that lets a reader choose another.

The 14th plan's period has ended and the 15th is in force: a planner writing the 14th plan's final
evaluation must see the 14th plan's picture while everyone else sees the plan in force. So the
overview, town pages and dashboard read `?plan=` as the API does, say in their header which plan and
period they show, and offer every plan in a labelled `<select>` whose choice reloads the page with
`plan=` and every other query parameter (`as_of`, `lang`) kept.

A slug the API would refuse with 422 (no such plan) is *ignored* by a page, which then says so, as
`as_of` is: a reader who followed an old link sees the plan in force with a note, not an error page.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.plans import queries as plan_queries
from app.queries.plan_scope import plan_in_force
from app.web.i18n import Translator
from app.web.monitoring import PageAsOf

# The pages and feeds whose reads a plan slices; links to them keep `plan` (a project page reads each
# project in the latest plan it belongs to, and a project's feed is its one history).
PLAN_PATHS = ("/", "/dashboard", "/feeds/plan.atom")
PLAN_PREFIXES = ("/towns/", "/feeds/towns/", "/feeds/categories/")


@dataclass(frozen=True)
class PlanChoice:
    """One plan of the switcher: its name and period in the reader's language, and the page's URL in it."""

    slug: str
    name: str
    period: str
    url: str
    selected: bool


@dataclass(frozen=True)
class PagePlan:
    """The plan a page shows: the one asked for (`requested`), or the plan in force on the page's day."""

    requested: str | None = None
    shown: PlanChoice | None = None
    choices: list[PlanChoice] = field(default_factory=list)
    rejected: str | None = None  # a slug given that names no plan, as typed (shortened)
    hidden: list[tuple[str, str]] = field(default_factory=list)  # the other query parameters, for the form

    def note(self, t: Translator) -> str | None:
        return t("plan_unknown", value=self.rejected) if self.rejected is not None else None

    def heading(self, t: Translator) -> str | None:
        if self.shown is None:
            return None
        return t("plan_shown", name=self.shown.name, period=self.shown.period)


def keeps_plan(path: str) -> bool:
    bare = path.split("?", 1)[0]
    return bare in PLAN_PATHS or bare.startswith(PLAN_PREFIXES)


def with_plan(path: str, plan: PagePlan | None) -> str:
    """A link inside the site that keeps the page's plan, when it leads to a page a plan slices."""
    if plan is None or plan.requested is None or not keeps_plan(path):
        return path
    return f"{path}{'&' if '?' in path else '?'}plan={plan.requested}"


def _url(request: Request, slug: str) -> str:
    url = request.url.include_query_params(plan=slug)
    return f"{url.path}?{url.query}"


async def page_plan(request: Request, conn: AsyncConnection, as_of: PageAsOf, t: Translator) -> PagePlan:
    """The page's plan from `?plan=` (ignored, with a note, when no plan has that slug) and every plan to switch to."""
    rows: list[Any] = list((await conn.execute(plan_queries.PLAN_CHOICES)).all())
    raw = (request.query_params.get("plan") or "").strip()
    known = {row.slug for row in rows}
    requested = raw if raw in known else None
    rejected = raw[:60] if raw and requested is None else None
    shown_slug = requested or await plan_in_force(conn, as_of.day or as_of.today)
    choices = [
        PlanChoice(
            slug=row.slug,
            name=row.name_en if t.lang == "en" else row.name_zh,
            period=f"{row.period_start}–{row.period_end}",
            url=_url(request, row.slug),
            selected=row.slug == shown_slug,
        )
        for row in reversed(rows)  # the most recent plan first
    ]
    hidden = [(k, v) for k, v in request.query_params.multi_items() if k != "plan"]
    shown = next((c for c in choices if c.selected), None)
    return PagePlan(requested, shown, choices, rejected, hidden)
