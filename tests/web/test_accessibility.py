"""axe-core on every kind of page, in Chromium, Chinese and English, desktop and phone (issue 18, item 10).

axe (tests/support/vendor/axe-core-4.10.2, MPL-2.0) is injected into the page by Playwright, so the
audit needs no network; the pages' strict CSP would refuse the injected script, so these contexts
alone bypass it (every other browser test keeps the CSP and fails on a violation). A page passes with
no critical or serious violation, counted after the map has drawn (its controls and markers are part
of the page a reader tabs through). A feedback item waits in the moderation queue so that page is
audited with content, as a moderator sees it.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import PHONE, browser, log_in, needs_chromium, serve_world
from tests.support.editing import EditWorld, open_world

__all__ = ["browser"]  # fixture, used by name
pytestmark = needs_chromium

AXE = Path(__file__).resolve().parents[1] / "support" / "vendor" / "axe-core-4.10.2" / "axe.min.js"
# /near both before a place is chosen (the follow form waits, its button disabled) and after.
MAP_PAGES = ["/", "/towns/lianzhou", "/projects/tanling-pumped-storage", "/near", "/near?town=lianzhou", "/dashboard"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": PHONE}


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_a11y") as w:
        response = w.client.post(
            "/api/projects/tanling-pumped-storage/feedback",
            json={
                "text": "工地旁边的路灯不亮了，晚上很黑。",
                "point": {"type": "Point", "coordinates": [112.38, 24.78]},
            },
        )
        assert response.status_code in (201, 202), response.text
        yield w


@pytest.fixture(scope="module")
def base_url(world: EditWorld) -> Iterator[str]:
    with serve_world(world) as url:
        yield url


def audit(page: Any) -> list[dict[str, Any]]:
    """The critical and serious violations axe finds on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => ({violations: r.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))}))"""
    )
    return [v for v in result["violations"] if v["impact"] in ("critical", "serious")]


def context(browser: Any, viewport: str) -> Any:
    phone = viewport == "phone"
    return browser.new_context(
        viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone, locale="zh-CN", bypass_csp=True
    )


def block_the_internet(page: Any) -> None:
    page.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:")) else r.abort()
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_have_no_serious_violations(browser: Any, base_url: str, lang: str, viewport: str) -> None:
    ctx = context(browser, viewport)
    page = ctx.new_page()
    block_the_internet(page)
    found = {}
    try:
        for path in [*MAP_PAGES, "/login"]:
            url = base_url + path + ((("&" if "?" in path else "?") + "lang=en") if lang == "en" else "")
            page.goto(url)
            if path != "/login":
                page.wait_for_selector("html[data-pm-ready='1']", timeout=20_000)
                page.wait_for_timeout(300)
            violations = audit(page)
            if violations:
                found[path] = violations
    finally:
        ctx.close()
    assert found == {}, found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_moderation_page_has_no_serious_violations(browser: Any, base_url: str, lang: str) -> None:
    ctx = context(browser, "desktop")
    page = ctx.new_page()
    block_the_internet(page)
    try:
        suffix = "?lang=en" if lang == "en" else ""
        log_in(page, base_url, "planner", "/moderation" + suffix)
        page.wait_for_selector("#pm-moderation, .pm-moderation, main")
        assert page.locator("text=路灯不亮").count() >= 1
        violations = audit(page)
    finally:
        ctx.close()
    assert violations == [], violations


def test_tab_meets_only_named_stops_and_can_skip_the_map(browser: Any, base_url: str) -> None:
    ctx = context(browser, "desktop")
    page = ctx.new_page()
    block_the_internet(page)
    try:
        page.goto(base_url + "/towns/lianzhou")
        page.wait_for_selector("html[data-pm-ready='1']", timeout=20_000)
        page.focus("#pm-as-of-show")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "pm-skip"
        stops = []
        for _ in range(60):
            page.keyboard.press("Tab")
            stops.append(
                page.evaluate(
                    """() => { const e = document.activeElement;
                         const name = e.getAttribute('aria-label') || e.title || e.alt || (e.labels && e.labels.length
                           ? e.labels[0].textContent : '') || e.textContent;
                         return {tag: e.tagName, name: (name || '').trim()}; }"""
                )
            )
        assert [s for s in stops if s["tag"].lower() == "path"] == []  # no anonymous SVG shapes
        assert [s for s in stops if not s["name"]] == []
        # the skip link goes straight to the list
        page.focus("#pm-as-of-show")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.url.endswith("#pm-list")
    finally:
        ctx.close()
