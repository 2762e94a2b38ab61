"""A planner opens a supervision ticket, an official answers it on a phone with a photo, the planner closes
it; near-due and overdue tickets are flagged on the dashboard, the project page and the API (Debian's
Chromium via Playwright, no network; the pages call the API with the session's CSRF token)."""

from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from app.core.clock import today as lianzhou_today
from tests.support.browser import api, bearer, browser, log_in, needs_chromium, page, serve_world, shot
from tests.support.cycle import CENTRE_DONGBEI, CycleWorld, jpeg, open_cycle_world

__all__ = ["api", "browser", "page"]  # fixtures, used by name

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
REQUEST = "请于三日内说明九月进度滞后原因 <b>不是标记</b>"
GPS_IFD = 0x8825


def phone_photo(tmp: Path) -> Path:
    """A photo as a phone takes it: with the place it was taken in its EXIF (which must not survive)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (25.0, 0.0, 0.0), 3: "E", 4: (112.0, 30.0, 0.0)}
    path = tmp / "site.jpg"
    path.write_bytes(jpeg((800, 600), exif=exif, colour="teal"))
    return path


def flags_on_project_page(page: Any, base_url: str) -> dict[str, str | None]:
    page.goto(f"{base_url}/projects/{CENTRE_DONGBEI}")
    summary = page.locator("#pm-tickets-summary")
    return {key: summary.get_attribute(f"data-{key}") for key in ("waiting", "overdue", "due-soon")}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_browser_tickets")


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld) -> Iterator[str]:
    with serve_world(cycle) as url:
        yield url


def test_planner_opens_official_answers_on_a_phone_planner_closes(
    page: Any, browser: Any, base_url: str, api: httpx.Client, cycle: CycleWorld, tmp_path: Path
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
    # the dashboard flags it for staff, and so does the project page
    page.goto(f"{base_url}/dashboard")
    page.wait_for_selector(f"#pm-tickets-panel li[data-ticket='{ticket_id}'][data-flag='due_soon']")
    page.wait_for_load_state("networkidle")
    assert flags_on_project_page(page, base_url) == {"waiting": "1", "overdue": "0", "due-soon": "1"}
    assert "1 件即将到期" in page.locator("#pm-tickets-summary").inner_text()
    page.wait_for_load_state("networkidle")
    # the deadline passes unanswered: overdue everywhere staff look
    cycle.sql("UPDATE supervision_tickets SET deadline = :d WHERE id = :id",
              d=lianzhou_today() - timedelta(days=1), id=int(str(ticket_id)))  # fmt: skip
    (listed,) = api.get("/api/tickets", headers=bearer(api, "planner")).json()
    assert listed["id"] == int(str(ticket_id)) and listed["flag"] == "overdue"
    assert flags_on_project_page(page, base_url) == {"waiting": "1", "overdue": "1", "due-soon": "0"}
    assert page.locator("#pm-tickets-summary .pm-flag-overdue").count() == 1
    assert page.locator("#pm-tickets-badge.pm-flag-overdue").is_visible()  # at the top, beside the status
    shot(page, "ticket-overdue-project-page")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base_url}/dashboard")
    page.wait_for_selector(f"#pm-tickets-panel li[data-ticket='{ticket_id}'][data-flag='overdue']")
    page.wait_for_load_state("networkidle")
    page.goto(base_url + path)
    assert page.locator(f"#pm-ticket-{ticket_id} .pm-flag-overdue").is_visible()

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
        card.locator(".pm-ticket-photo").set_input_files(str(phone_photo(tmp_path)))  # from the phone's camera
        with official.expect_navigation():
            card.locator(".pm-ticket-send").click()
        card = official.locator(f"#pm-ticket-{ticket_id}")
        assert card.get_attribute("data-state") == "answered"
        entries = card.locator(".pm-ticket-entries").inner_text()
        assert "征地协调" in entries
        thumb = card.locator(".pm-ticket-photos img")
        assert thumb.count() == 1
        official.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
        # when, in Lianzhou's time (UTC+8), as the official's wall clock says
        assert card.locator(".pm-ticket-entries time").inner_text()[:10] == lianzhou_today().isoformat()
        shot(official, "ticket-answered-phone")
    finally:
        phone.close()

    page.reload()
    card = page.locator(f"#pm-ticket-{ticket_id}")
    assert card.get_attribute("data-state") == "answered"
    # the planner sees the official's photo, re-encoded: the place and the phone's make are gone
    photo_url = card.locator(".pm-ticket-photos a").get_attribute("href")
    assert photo_url is not None
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=card.locator(".pm-ticket-photos img").element_handle())  # fmt: skip
    served = api.get(photo_url, headers=bearer(api, "planner"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    with Image.open(BytesIO(served.content)) as image:
        assert image.size == (800, 600) and not image.getexif()
    assert api.get(photo_url).status_code == 404  # the public never sees a ticket's photo
    with page.expect_navigation():
        card.locator(".pm-ticket-close").click()
    assert page.locator(f"#pm-ticket-{ticket_id}").get_attribute("data-state") == "closed"
    shot(page, "ticket-closed")

    thread = api.get(f"/api/projects/{CENTRE_DONGBEI}/tickets", headers=bearer(api, "planner")).json()
    assert [e["kind"] for e in thread[0]["entries"]] == ["answer", "close"]
    assert thread[0]["entries"][0]["by"] == "住建局" and len(thread[0]["entries"][0]["photo_ids"]) == 1
    assert thread[0]["flag"] is None
    page.wait_for_load_state("networkidle")
    assert flags_on_project_page(page, base_url) == {"waiting": "0", "overdue": "0", "due-soon": "0"}
    # every step is in the project's history, for staff, in their language
    history = page.locator("#pm-history tr[data-ticket]")
    assert history.count() == 3
    assert "督办办结" in history.nth(0).inner_text() and "答复督办" in history.nth(1).inner_text()
    assert "照片" in history.nth(1).inner_text()
    page.locator("#pm-history").scroll_into_view_if_needed()
    shot(page, "ticket-steps-in-project-history")
