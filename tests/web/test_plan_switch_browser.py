"""Switching plans on the overview and the dashboard, in Debian's Chromium driven by Playwright.

A second plan, `fixture-15th` (a FIXTURE, 测试夹具: the 15th plan's text is not in the repository, so no
real 15th-plan project is invented), holds one project carried over from the 14th plan. Its period has
begun, so it is the plan in force and the pages open on it; the switcher takes a reader to the 14th
plan's picture, and back, with the URL carrying `plan=` and every other parameter kept, and every
request the page's scripts make carrying the plan too.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import needs_chromium, open_page, serve_world, shot
from tests.support.editing import EditWorld, open_world
from tests.support.plans import FIXTURE_PLAN, add_fixture_plan

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def plans_world() -> Iterator[EditWorld]:
    with open_world("planmap_browser_plans") as w:
        add_fixture_plan(w.engine)
        yield w


@pytest.fixture(scope="module")
def base_url(plans_world: EditWorld) -> Iterator[str]:
    with serve_world(plans_world) as url:
        yield url


def _api_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/api/" in request.url else None)
    return seen


def _shown_total(page: Any) -> int:
    total: int = page.evaluate("() => planmap.current.visibleCounts().total")
    return total


def _choose(page: Any, plan: str) -> None:
    with page.expect_navigation():
        page.locator("#pm-plan-select").select_option(plan)
    page.wait_for_selector("html[data-pm-ready='1']", timeout=20_000)


def test_switching_plans_on_the_overview(page: Any, base_url: str, api: httpx.Client) -> None:
    in_14th = len(api.get("/api/projects", params={"plan": "lianzhou-14th", "limit": 10000}).json()["features"])
    assert in_14th > 1
    seen = _api_requests(page)

    open_page(page, base_url + "/?lang=en")
    assert page.locator("#pm-plan-shown").get_attribute("data-plan") == FIXTURE_PLAN  # the plan in force
    assert "FIXTURE: next plan (2026–2030)" in page.locator("#pm-plan-shown").inner_text()
    assert page.locator("label[for='pm-plan-select']").inner_text() == "Plan"
    assert _shown_total(page) == 1

    _choose(page, "lianzhou-14th")
    assert "plan=lianzhou-14th" in page.url and "lang=en" in page.url  # the other parameters kept
    assert page.locator("#pm-plan-shown").get_attribute("data-plan") == "lianzhou-14th"
    assert "(2021–2025)" in page.locator("#pm-plan-shown").inner_text()
    assert _shown_total(page) == in_14th
    projects = [u for u in seen if "/api/projects" in u]
    assert projects and "plan=lianzhou-14th" in projects[-1]
    # Links to the pages a plan slices keep it.
    assert "plan=lianzhou-14th" in (page.locator("nav a[href^='/dashboard']").get_attribute("href") or "")
    shot(page, "plan-switch-overview-14th")

    _choose(page, FIXTURE_PLAN)
    assert f"plan={FIXTURE_PLAN}" in page.url
    assert _shown_total(page) == 1


def test_switching_plans_on_the_dashboard(page: Any, base_url: str, api: httpx.Client) -> None:
    seen = _api_requests(page)

    open_page(page, base_url + "/dashboard")
    assert page.locator("#pm-plan-shown").get_attribute("data-plan") == FIXTURE_PLAN
    assert "测试夹具：第十五个五年规划（2026–2030年）" in page.locator("#pm-plan-shown").inner_text()

    def totals() -> dict[str, int]:
        rows = page.locator("#pm-by-town tr[data-town]")
        pairs = rows.evaluate_all("els => els.map(e => [e.dataset.town, Number(e.dataset.total)])")
        return {town: n for town, n in pairs if n}

    def expected(plan: str) -> dict[str, int]:
        stats = api.get("/api/stats", params={"plan": plan}).json()
        return {t["town"]: t["total"] for t in stats["by_town"] if t["total"]}

    assert totals() == expected(FIXTURE_PLAN)
    assert sum(totals().values()) == 1

    _choose(page, "lianzhou-14th")
    assert "plan=lianzhou-14th" in page.url
    assert totals() == expected("lianzhou-14th")
    assert sum(totals().values()) > 1
    # The comparison between two dates is of the same plan's projects.
    page.locator("#pm-compare").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-pm-compare-ready]")
    compare = [u for u in seen if "/api/stats/compare" in u]
    assert compare and all("plan=lianzhou-14th" in u for u in compare)
    shot(page, "plan-switch-dashboard-14th")
