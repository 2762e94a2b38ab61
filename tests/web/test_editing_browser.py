"""Editing on the map and public feedback, in Debian's Chromium driven by Playwright, with no network.

The browser, the page fixture (which fails a test on any request leaving 127.0.0.1, any
script or console error, failed local request, CSP violation or dialog), the screenshot
helper and the staff helpers are those of tests/support/browser.py, shared with the other
browser tests. The server runs on a database of this module's own (tests/support/editing.py),
because these tests write.
"""

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import (
    XSS,
    bearer,
    create_project,
    log_in,
    needs_chromium,
    open_page,
    save_and_reload,
    serve_world,
    shot,
)
from tests.support.editing import EditWorld, open_world

SCRIPT = "<script>alert(1)</script>"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def ed() -> Iterator[EditWorld]:
    with open_world("planmap_browser_edit", feedback_per_hour=100) as w:
        yield w


@pytest.fixture(scope="module")
def base_url(ed: EditWorld) -> Iterator[str]:
    """A real server on this module's database."""
    with serve_world(ed) as url:
        yield url


def tolerate(page: Any, status: int) -> None:
    """An HTTP error the test provoked on purpose is not a failure of the page."""
    page.wait_for_timeout(200)  # the console message of a failed fetch arrives a little later
    problems = page.problems
    problems.failed_local = [f for f in problems.failed_local if not f.endswith(f"HTTP {status}")]
    problems.console_errors = [m for m in problems.console_errors if f"status of {status}" not in m]


def metres(a: list[float], b: list[float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * 111_320 * math.cos(lat), (a[1] - b[1]) * 110_540)


def test_an_official_drags_a_point_and_sees_it_moved_everywhere(page: Any, base_url: str, api: httpx.Client) -> None:
    slug = "browser-drag-probe"
    before = create_project(api, slug)["geometry"]["coordinates"]
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    assert "official_xingzi" in page.locator("#pm-user").inner_text()
    assert "镇街工作人员" in page.locator("#pm-user").inner_text()
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    marker = page.locator(".leaflet-marker-pane .pm-edit-marker")
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dx, dy = 140, 70
    expected = page.evaluate(
        """([dx, dy]) => {
          const pm = planmap.current, m = planmap.editor.layer.getLayers()[0];
          const p = pm.map.latLngToContainerPoint(m.getLatLng()).add([dx, dy]);
          return pm.toWgs(pm.map.containerPointToLatLng(p));
        }""",
        [dx, dy],
    )
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()
    page.wait_for_selector("html[data-pm-edit-moved='1']")
    page.fill("#pm-edit-note", "moved onto the site, seen from the road")
    shot(page, "edit-dragged")
    save_and_reload(page)
    assert "版本 2" in page.locator("#pm-edit-notice").inner_text()

    after = api.get(f"/api/projects/{slug}").json()
    moved_to = after["geometry"]["coordinates"]
    assert metres(moved_to, expected) < 15, (moved_to, expected)  # where the mouse let go, to a few pixels
    assert metres(moved_to, before) > 300
    assert after["properties"]["location_precision"] == "approximate"

    # the history says who moved it, how far, and why
    newest = page.locator("#pm-history tbody tr").first
    assert newest.get_attribute("data-action") == "update"
    assert newest.locator(".pm-history-who").inner_text() == "official_xingzi"
    moved_text = newest.locator("li[data-field='geometry']").inner_text()
    assert "移动约" in moved_text
    assert "moved onto the site" in newest.inner_text()
    # and where it was before, drawn faintly, with a switch
    page.wait_for_selector("html[data-pm-history-ready='1']")
    assert page.locator("path.pm-earlier").count() == 1
    page.locator("#pm-earlier-toggle").uncheck()
    assert page.locator("path.pm-earlier").count() == 0
    page.locator("#pm-earlier-toggle").check()
    shot(page, "edit-history")
    page.locator("#pm-history").scroll_into_view_if_needed()
    shot(page, "edit-history-table")

    # the overview map draws it at the new place
    open_page(page, base_url + "/")
    drawn = page.evaluate(
        "slug => { const pm = planmap.current, e = pm.entries.find(e => e.props.slug === slug);"
        " return pm.toWgs(e.marker.getLatLng()); }",
        slug,
    )
    assert metres(drawn, moved_to) < 1


def test_an_official_of_another_town_finds_no_edit_control(page: Any, base_url: str, api: httpx.Client) -> None:
    slug = "browser-other-town-probe"
    create_project(api, slug)
    log_in(page, base_url, "official_lianzhou", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1']")
    assert "official_lianzhou" in page.locator("#pm-user").inner_text()
    assert page.locator("#pm-editor, #pm-edit-start, #pm-edit-form").count() == 0
    assert page.evaluate("typeof L.PM") == "undefined"  # the drawing library is not even loaded
    assert page.locator(".leaflet-marker-pane .pm-pin").count() == 1
    shot(page, "edit-other-town")


def test_a_stale_edit_shows_what_changed_and_offers_to_redo(page: Any, base_url: str, api: httpx.Client) -> None:
    slug = "browser-conflict-probe"
    create_project(api, slug)
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    page.fill("#pm-edit-name_en", "Name typed in the browser")
    # meanwhile a planner changes the project through the API
    etag = api.get(f"/api/projects/{slug}").headers["etag"]
    meanwhile = api.patch(
        f"/api/projects/{slug}",
        json={"properties": {"location_note": XSS}, "note": "checked on site"},
        headers={**bearer(api, "planner"), "If-Match": etag},
    )
    assert meanwhile.status_code == 200, meanwhile.text
    page.click("#pm-edit-save")
    page.wait_for_selector("#pm-edit-conflict:not([hidden])")
    tolerate(page, 412)
    conflict = page.locator("#pm-edit-conflict").inner_text()
    assert "其他人已修改" in conflict and "版本 2" in conflict
    assert "planner" in conflict and XSS in conflict and "checked on site" in conflict  # shown as text
    assert page.locator("#pm-edit-conflict img").count() == 0
    shot(page, "edit-conflict")
    assert api.get(f"/api/projects/{slug}").json()["properties"]["name_en"] == "Test health centre"  # not saved
    # reload and redo: the editor opens again on the current version
    with page.expect_navigation():
        page.click("#pm-edit-reload")
    page.wait_for_selector("html[data-pm-editing='1']")
    assert page.locator("#pm-edit-location_note").input_value() == XSS
    page.fill("#pm-edit-name_en", "Name typed in the browser")
    page.select_option("#pm-edit-status", "under_construction")  # a dated status change, sent after the patch
    page.fill("#pm-edit-status_note", "foundations poured")
    save_and_reload(page)
    saved = api.get(f"/api/projects/{slug}").json()["properties"]
    assert saved["name_en"] == "Name typed in the browser" and saved["status"] == "under_construction"
    rows = page.locator("#pm-history tbody tr")
    assert rows.nth(0).get_attribute("data-action") == "status"
    assert "在建" in rows.nth(0).locator("li[data-field='status']").inner_text()
    assert "foundations poured" in rows.nth(0).inner_text()
    assert rows.nth(1).get_attribute("data-action") == "update"


def test_a_visitors_feedback_is_moderated_then_shown_without_the_contact(
    page: Any, base_url: str, api: httpx.Client
) -> None:
    slug = "browser-feedback-probe"
    create_project(api, slug)
    contact = "visitor-secret@example.com"
    text = f"{SCRIPT} 工地已经停工两个月"
    open_page(page, f"{base_url}/projects/{slug}")
    assert page.locator("#pm-edit-start").count() == 0
    page.fill("#pm-feedback-text", text)
    page.fill("#pm-feedback-contact", contact)
    page.click("#pm-feedback-pick")
    map_box = page.locator(".folium-map").bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] / 2 + 40, map_box["y"] + map_box["height"] / 2 - 30)
    page.wait_for_selector("#pm-feedback-clear:not([hidden])")
    page.click("#pm-feedback-send")
    page.wait_for_selector("html[data-pm-feedback-sent]")
    assert "已收到" in page.locator("#pm-feedback-message").inner_text()
    assert page.locator("#pm-feedback-list").count() == 0  # pending: not shown yet

    log_in(page, base_url, "planner", "/moderation")
    page.wait_for_selector("html[data-pm-ready='1']")
    item = page.locator(".pm-moderation-item", has_text="工地已经停工两个月")
    assert SCRIPT in item.locator(".pm-feedback-text").inner_text()
    assert item.locator(".pm-contact").inner_text() == contact  # staff see how to reach the sender
    item.locator(".pm-reply").fill("<b>已通知施工单位</b>")
    shot(page, "feedback-moderation")
    item.locator(".pm-approve").click()
    page.wait_for_selector(".pm-moderation-item[data-state='approved']")
    with page.expect_navigation():
        page.click("#pm-logout")
    page.wait_for_selector("html[data-pm-ready='1'] #pm-login-link")  # back on the overview, logged out

    open_page(page, f"{base_url}/projects/{slug}")
    shown = page.locator("#pm-feedback-list .pm-feedback-item")
    assert shown.count() == 1
    assert shown.locator(".pm-feedback-text").inner_text() == text
    assert shown.locator(".pm-feedback-reply-text").inner_text() == "<b>已通知施工单位</b>"
    assert page.locator("#pm-feedback-list script, #pm-feedback-list b").count() == 0
    assert contact not in page.content()
    shown.scroll_into_view_if_needed()
    shot(page, "feedback-shown")


def test_near_page_feedback_goes_to_the_nearest_listed_project(page: Any, base_url: str, api: httpx.Client) -> None:
    open_page(page, f"{base_url}/near?near=112.3712,24.7819&radius_m=10000")
    page.wait_for_selector("html[data-pm-near-ready='1']")
    nearest = page.locator("#pm-near-list li[data-slug]").first.get_attribute("data-slug")
    assert page.locator("#pm-feedback-project").input_value() == nearest
    assert page.locator("#pm-feedback-attach").is_checked()
    assert "112.37120" in page.locator("#pm-feedback-place").inner_text()
    page.fill("#pm-feedback-text", "这里新修了一座桥")
    page.click("#pm-feedback-send")
    page.wait_for_selector("html[data-pm-feedback-sent]")
    fid = int(page.locator("html").get_attribute("data-pm-feedback-sent"))
    shot(page, "feedback-near")
    queue = api.get("/api/feedback", headers=bearer(api, "planner")).json()
    sent = next(f for f in queue if f["id"] == fid)
    assert sent["project"]["slug"] == nearest
    assert sent["point"]["coordinates"] == pytest.approx([112.3712, 24.7819], abs=1e-6)


def test_injected_names_and_feedback_stay_text_for_staff_too(page: Any, base_url: str, api: httpx.Client) -> None:
    slug = "browser-xss-probe"
    create_project(api, slug, name_zh=XSS, name_en=XSS, location_note=XSS)
    planner = bearer(api, "planner")
    sent = api.post(f"/api/projects/{slug}/feedback", json={"text": SCRIPT, "contact": XSS})
    assert sent.status_code == 201, sent.text
    approved = api.post(f"/api/feedback/{sent.json()['id']}/approve", json={"reply": XSS}, headers=planner)
    assert approved.status_code == 200
    pending = api.post(f"/api/projects/{slug}/feedback", json={"text": f"{SCRIPT}{XSS}"})
    assert pending.status_code == 201

    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    assert page.locator("h1").inner_text() == XSS
    assert page.locator("#pm-feedback-list .pm-feedback-text").inner_text() == SCRIPT
    assert page.locator("#pm-feedback-list .pm-feedback-reply-text").inner_text() == XSS
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    assert page.locator("#pm-edit-name_zh").input_value() == XSS
    page.fill("#pm-edit-name_en", f"{XSS} renamed")
    save_and_reload(page)
    change = page.locator("#pm-history tbody tr").first.locator("li[data-field='name_en']").inner_text()
    assert XSS in change and f"{XSS} renamed" in change
    page.wait_for_load_state("networkidle")  # leaving mid-read would abort the history's request (not a page fault)

    open_page(page, f"{base_url}/moderation")
    item = page.locator(".pm-moderation-item", has_text="<script>alert(1)</script><img")
    assert item.locator("a").first.inner_text() == XSS
    assert page.locator("main img").count() == 0
    scripts = page.locator("main script").evaluate_all("els => els.map(e => e.getAttribute('src') || e.type)")
    assert all(s == "application/json" or s.startswith("/static/js/") for s in scripts), scripts  # only ours
    shot(page, "xss-moderation")
    page.wait_for_timeout(300)  # an onerror handler would have fired by now (the dialog check is in teardown)
