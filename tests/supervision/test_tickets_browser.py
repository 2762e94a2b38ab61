"""A planner opens a supervision ticket, an official answers it on a phone, the planner closes it
(Debian's Chromium via Playwright, no network; the pages call the API with the session's CSRF token)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core.clock import today as lianzhou_today
from tests.support.browser import api, bearer, browser, log_in, needs_chromium, page, serve_world, shot
from tests.support.cycle import CENTRE_DONGBEI, CycleWorld, open_cycle_world

__all__ = ["api", "browser", "page"]  # fixtures, used by name

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
REQUEST = "请于三日内说明九月进度滞后原因 <b>不是标记</b>"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_browser_tickets")


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld) -> Iterator[str]:
    with serve_world(cycle) as url:
        yield url


def test_planner_opens_official_answers_on_a_phone_planner_closes(
    page: Any, browser: Any, base_url: str, api: httpx.Client
) -> None:
    path = f"/projects/{CENTRE_DONGBEI}/tickets"
    log_in(page, base_url, "planner", f"/projects/{CENTRE_DONGBEI}")
    page.wait_for_load_state("networkidle")  # the project's map has loaded what it asks for
    with page.expect_navigation():
        page.click("#pm-tickets-link")  # staff find the tickets from the project page
    page.wait_for_selector("#pm-ticket-open")
    assert page.locator("#pm-tickets-none").count() == 1
    assert page.locator("#pm-ticket-unit").input_value() == "zhujian-ju"  # the project's lead unit first
    page.fill("#pm-ticket-request", REQUEST)
    page.fill("#pm-ticket-deadline", (lianzhou_today() + timedelta(days=3)).isoformat())
    with page.expect_navigation():
        page.click("#pm-ticket-submit")
    ticket = page.locator(".pm-ticket").first
    assert ticket.get_attribute("data-state") == "open" and ticket.get_attribute("data-flag") == "due_soon"
    assert ticket.locator(".pm-ticket-request").inner_text() == REQUEST  # typed markup shown as text
    ticket_id = ticket.get_attribute("data-id")
    shot(page, "ticket-opened")
    # the dashboard flags it for staff
    page.goto(f"{base_url}/dashboard")
    page.wait_for_selector(f"#pm-tickets-panel li[data-ticket='{ticket_id}'][data-flag='due_soon']")
    page.wait_for_load_state("networkidle")
    page.goto(base_url + path)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        official = phone.new_page()
        official.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        log_in(official, base_url, "official_zhujian", path)
        card = official.locator(f"#pm-ticket-{ticket_id}")
        assert card.locator(".pm-ticket-close").count() == 0  # officials answer; they do not close
        # the answer box fits the phone's width
        box = card.locator(".pm-ticket-answer").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        card.locator(".pm-ticket-answer").fill("已补报九月进度,滞后原因为征地协调。")
        with official.expect_navigation():
            card.locator(".pm-ticket-send").click()
        card = official.locator(f"#pm-ticket-{ticket_id}")
        assert card.get_attribute("data-state") == "answered"
        entries = card.locator(".pm-ticket-entries").inner_text()
        assert "征地协调" in entries
        # when, in Lianzhou's time (UTC+8), as the official's wall clock says
        assert card.locator(".pm-ticket-entries time").inner_text()[:10] == lianzhou_today().isoformat()
        shot(official, "ticket-answered-phone")
    finally:
        phone.close()

    page.reload()
    card = page.locator(f"#pm-ticket-{ticket_id}")
    assert card.get_attribute("data-state") == "answered"
    with page.expect_navigation():
        card.locator(".pm-ticket-close").click()
    assert page.locator(f"#pm-ticket-{ticket_id}").get_attribute("data-state") == "closed"
    shot(page, "ticket-closed")

    thread = api.get(f"/api/projects/{CENTRE_DONGBEI}/tickets", headers=bearer(api, "planner")).json()
    assert [e["kind"] for e in thread[0]["entries"]] == ["answer", "close"]
    assert thread[0]["entries"][0]["by"] == "住建局"
