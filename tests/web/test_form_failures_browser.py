"""Issue 18: every form a user submits, when the server breaks or cannot be reached, in Chromium with no network.

For each form (public feedback on a project page, following a project or a town by email, following the works
near a place on a phone, the editor's save and status change, an official's monthly report, an answer to a
supervision ticket, the planner's approve and send-back) the server is made to fail twice: an HTTP 500 whose
JSON body is a raw exception with markup in it, then no answer at all (the request aborted, as offline). Each
time the user must see a message in the page's language (never the server's English on the Chinese page, never
a stack, nothing of it rendered as HTML), find what they typed still there and the button usable again; once
the server answers again, sending again succeeds.

The dashboard's two-date comparison and the editor's first read of the project show the same loading and error
states (with "try again") as every other read of the pages (kit.js `load`).
"""

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core.clock import today as lianzhou_today
from tests.support.browser import (
    XSS,
    api,
    bearer,
    browser,
    create_project,
    log_in,
    needs_chromium,
    open_page,
    page,
    phone,
    serve_world,
    shot,
)
from tests.support.cycle import CENTRE_DONGBEI, CycleWorld, open_cycle_world

__all__ = ["api", "browser", "page", "phone"]  # fixtures, used by name
pytestmark = needs_chromium

PROJECT = "tanling-pumped-storage"  # a public project page: feedback and "follow by email"
RAW = "Traceback (most recent call last):\n  psycopg.errors.InternalError_: relation lost " + XSS
SAID = {
    ("zh", "500"): "服务器出错（HTTP 500），请稍后重试；已填写的内容仍保留。",
    ("en", "500"): "The server failed (HTTP 500); please try again later. What you entered is kept.",
    ("zh", "offline"): "无法连接服务器，请检查网络后重试；已填写的内容仍保留。",
    ("en", "offline"): "The server could not be reached; check the connection and try again. What you entered is kept.",
}
READ_FAILED = {"zh": "加载失败：服务器出错（HTTP 500）", "en": "Could not load: the server failed (HTTP 500)"}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_browser_form_failures", feedback_per_hour=100)


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld) -> Iterator[str]:
    with serve_world(cycle) as url:
        yield url


class Breaker:
    """Makes the server fail the page's requests matching `pattern` (and `method`): first an HTTP 500 with a raw
    exception as its JSON body, then no answer at all; `mend()` lets them through again."""

    def __init__(self, pg: Any, pattern: str, method: str = "POST") -> None:
        self.pg, self.pattern, self.method, self.failures = pg, pattern, method, 0
        pg.route(pattern, self.handle)

    def handle(self, route: Any) -> None:
        if route.request.method != self.method:
            route.fallback()
            return
        self.failures += 1
        if self.failures == 1:
            route.fulfill(status=500, content_type="application/json", body=json.dumps({"detail": RAW}))
        else:
            route.abort("internetdisconnected")

    def mend(self) -> None:
        self.pg.unroute(self.pattern, self.handle)
        forget_failures(self.pg)


def forget_failures(pg: Any) -> None:
    """The requests a test made fail on purpose are not failures of the page (script errors still are)."""
    pg.wait_for_timeout(200)
    pg.problems.failed_local.clear()
    pg.problems.console_errors.clear()


def told(pg: Any, message: str, lang: str, kind: str) -> str:
    """Wait for the failure's words in `message`; check they are the page's own, visible, and shown as text."""
    expected = SAID[(lang, kind)]
    pg.wait_for_function(
        "([sel, text]) => (document.querySelector(sel) || {}).textContent?.includes(text)", arg=[message, expected]
    )
    box = pg.locator(message)
    text: str = box.inner_text()
    assert box.is_visible()
    for raw in ("Traceback", "psycopg", "relation lost", "onerror"):
        assert raw not in text, text
    if lang == "zh":  # no English on the Chinese page but the status's name
        assert set(re.findall(r"[A-Za-z]{3,}", text)) <= {"HTTP"}, text
    assert pg.locator("img[src='x']").count() == 0  # nothing of the server's body rendered as HTML
    return text


def fails_twice_then_works(
    pg: Any,
    breaker: Breaker,
    send: Callable[[], None],
    message: str,
    lang: str,
    kept: dict[str, str],
    button: str,
    shot_name: str,
) -> None:
    """Send (500), send (offline), each time told, input kept and the button usable; mend; `send` once more."""
    for kind in ("500", "offline"):
        send()
        told(pg, message, lang, kind)
        for selector, value in kept.items():
            assert pg.locator(selector).input_value() == value, selector
        pg.wait_for_selector(f"{button}:not([disabled])")
        assert pg.locator(button).is_enabled()
        if kind == "500":
            pg.locator(message).scroll_into_view_if_needed()
            shot(pg, shot_name)
    assert breaker.failures == 2
    breaker.mend()


# --- the public --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feedback_on_a_project_page_survives_a_broken_server(page: Any, base_url: str, lang: str) -> None:
    open_page(page, f"{base_url}/projects/{PROJECT}?lang={lang}")
    typed = f"路口积水 {XSS}"
    page.fill("#pm-feedback-text", typed)
    page.fill("#pm-feedback-contact", "13800000000")
    breaker = Breaker(page, "**/api/projects/*/feedback")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click("#pm-feedback-send"),
        "#pm-feedback-message",
        lang,
        {"#pm-feedback-text": typed, "#pm-feedback-contact": "13800000000"},
        "#pm-feedback-send",
        f"form-failed-feedback-{lang}",
    )
    page.click("#pm-feedback-send")
    page.wait_for_selector("html[data-pm-feedback-sent]")
    assert page.locator("#pm-feedback-text").input_value() == ""


@pytest.mark.parametrize(("lang", "path"), [("zh", f"/projects/{PROJECT}"), ("en", "/towns/xingzi")])
def test_following_a_project_or_a_town_by_email_survives_a_broken_server(
    page: Any, base_url: str, lang: str, path: str
) -> None:
    open_page(page, f"{base_url}{path}?lang={lang}")
    page.fill("#pm-subscribe-email", f"reader-{lang}@example.org")
    breaker = Breaker(page, "**/api/subscriptions")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click("#pm-subscribe-submit"),
        "#pm-subscribe-result",
        lang,
        {"#pm-subscribe-email": f"reader-{lang}@example.org"},
        "#pm-subscribe-submit",
        f"form-failed-subscribe-{lang}",
    )
    page.click("#pm-subscribe-submit")
    page.wait_for_selector("#pm-subscribe[data-sent='yes']")


REFUSED_ADDRESS = {"zh": "以下内容填写有误，请检查：电子邮箱", "en": "Please check: email address"}


@pytest.mark.parametrize(("lang", "words"), REFUSED_ADDRESS.items())
def test_an_address_the_server_refuses_is_named_in_the_readers_language(
    page: Any, base_url: str, lang: str, words: str
) -> None:
    """`a@b` passes the browser's email check but not the server's: its 422 names the field, in the page's words."""
    open_page(page, f"{base_url}/projects/{PROJECT}?lang={lang}")
    page.fill("#pm-subscribe-email", "a@b")
    page.click("#pm-subscribe-submit")
    result = page.locator("#pm-subscribe-result")
    result.filter(has_text=words).wait_for()
    assert result.inner_text().strip() == words  # not pydantic's English message
    assert page.locator("#pm-subscribe-email").input_value() == "a@b"
    assert page.locator("#pm-subscribe-submit").is_enabled()
    page.wait_for_timeout(200)  # the browser logs the 422 a little later: provoked on purpose, not a page fault
    page.problems.failed_local.clear()
    page.problems.console_errors.clear()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_following_the_works_near_a_place_survives_a_broken_server_on_a_phone(
    phone: Any, base_url: str, lang: str
) -> None:
    phone.goto(f"{base_url}/near?lang={lang}")
    phone.select_option("#pm-near-town", "xingzi")
    phone.wait_for_selector("#pm-near-subscribe[data-ready='yes']")
    phone.select_option("#pm-near-follow-km", "2")
    phone.fill("#pm-near-follow-email", "neighbour@example.org")
    breaker = Breaker(phone, "**/api/subscriptions")
    fails_twice_then_works(
        phone,
        breaker,
        lambda: phone.click("#pm-near-follow-submit"),
        "#pm-near-follow-result",
        lang,
        {"#pm-near-follow-email": "neighbour@example.org", "#pm-near-follow-km": "2"},
        "#pm-near-follow-submit",
        f"form-failed-near-follow-phone-{lang}",
    )
    box = phone.locator("#pm-near-follow-result").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # the message fits the phone
    phone.click("#pm-near-follow-submit")
    phone.wait_for_selector("#pm-near-follow[data-sent='yes']")


# --- staff: the editor ---------------------------------------------------------------------------------------


def open_editor(pg: Any, base_url: str, api: httpx.Client, slug: str, lang: str) -> None:
    create_project(api, slug)
    log_in(pg, base_url, "official_xingzi", f"/projects/{slug}?lang={lang}")
    pg.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editors_save_survives_a_broken_server(page: Any, base_url: str, api: httpx.Client, lang: str) -> None:
    slug = f"form-failure-save-{lang}"
    open_editor(page, base_url, api, slug, lang)
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    note = f"在星子镇政府驻地附近 {XSS}"
    page.fill("#pm-edit-location_note_zh", note)
    page.fill("#pm-edit-note", "补充中文说明")
    breaker = Breaker(page, f"**/api/projects/{slug}", method="PATCH")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click("#pm-edit-save"),
        "#pm-edit-message",
        lang,
        {"#pm-edit-location_note_zh": note, "#pm-edit-note": "补充中文说明"},
        "#pm-edit-save",
        f"form-failed-editor-save-{lang}",
    )
    assert page.locator("#pm-edit-cancel").is_enabled()
    with page.expect_navigation():
        page.click("#pm-edit-save")  # the same ETag: nothing was saved by the failed tries
    page.wait_for_selector("html[data-pm-ready='1'] #pm-edit-notice")
    saved = api.get(f"/api/projects/{slug}", headers=bearer(api, "planner")).json()["properties"]
    assert saved["location_note_zh"] == note and saved["version"] == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editors_status_change_survives_a_broken_server(
    page: Any, base_url: str, api: httpx.Client, lang: str
) -> None:
    slug = f"form-failure-status-{lang}"
    open_editor(page, base_url, api, slug, lang)
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    page.select_option("#pm-edit-status", "under_construction")
    page.fill("#pm-edit-status_note", "已进场施工")
    breaker = Breaker(page, f"**/api/projects/{slug}/status")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click("#pm-edit-save"),
        "#pm-edit-message",
        lang,
        {"#pm-edit-status": "under_construction", "#pm-edit-status_note": "已进场施工"},
        "#pm-edit-save",
        f"form-failed-editor-status-{lang}",
    )
    with page.expect_navigation():
        page.click("#pm-edit-save")
    page.wait_for_selector("html[data-pm-ready='1'] #pm-edit-notice")
    assert api.get(f"/api/projects/{slug}").json()["properties"]["status"] == "under_construction"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editors_first_read_shows_its_error_and_tries_again(
    page: Any, base_url: str, api: httpx.Client, lang: str
) -> None:
    slug = f"form-failure-read-{lang}"
    open_editor(page, base_url, api, slug, lang)
    page.route(
        f"**/api/projects/{slug}",
        lambda r: r.fulfill(status=500, content_type="application/json", body=json.dumps({"detail": RAW})),
    )
    page.click("#pm-edit-start")
    page.wait_for_selector("#pm-editor[data-pm-state='error']")
    state = page.locator("#pm-editor > .pm-state")
    text = state.inner_text()
    assert text.startswith(READ_FAILED[lang]) and ("重试" if lang == "zh" else "Try again") in text, text
    assert "Traceback" not in text and page.locator("img[src='x']").count() == 0
    assert page.locator("#pm-edit-form").is_hidden() and page.locator("#pm-edit-start").is_enabled()
    state.scroll_into_view_if_needed()
    shot(page, f"read-failed-editor-{lang}")
    page.unroute(f"**/api/projects/{slug}")
    forget_failures(page)
    page.click("#pm-editor .pm-state-retry")
    page.wait_for_selector("html[data-pm-editing='1']")
    assert page.locator("#pm-editor").get_attribute("data-pm-state") == "done"
    assert state.is_hidden() and page.locator("#pm-edit-form").is_visible()
    assert page.locator("#pm-edit-name_zh").input_value() == "测试卫生院"


# --- staff: the implementation cycle -------------------------------------------------------------------------

REVIEW_MONTHS = {"zh": ("2025-01", "2025-02"), "en": ("2025-05", "2025-06")}


@pytest.mark.parametrize(("lang", "nth"), [("zh", 0), ("en", 1)])
def test_filing_a_monthly_report_survives_a_broken_server(page: Any, base_url: str, lang: str, nth: int) -> None:
    log_in(page, base_url, "official_zhujian", f"/report/{CENTRE_DONGBEI}?lang={lang}")
    reserved = {m for months in REVIEW_MONTHS.values() for m in months}
    months = [m for m in page.locator("#pm-report-month option").evaluate_all("os => os.map(o => o.value)")]
    month = [m for m in months if m not in reserved][nth]
    page.select_option("#pm-report-month", month)
    page.fill("#pm-report-invested", "12.5")
    page.fill("#pm-report-progress", "35")
    work = f"完成主体结构 {XSS}"
    page.fill("#pm-report-work", work)
    breaker = Breaker(page, "**/api/projects/*/progress")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click("#pm-report-submit"),
        "#pm-report-result",
        lang,
        {
            "#pm-report-month": month,
            "#pm-report-invested": "12.5",
            "#pm-report-progress": "35",
            "#pm-report-work": work,
        },
        "#pm-report-submit",
        f"form-failed-report-{lang}",
    )
    page.click("#pm-report-submit")
    page.wait_for_selector("#pm-report-form[data-filed]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_answering_a_ticket_survives_a_broken_server(page: Any, base_url: str, api: httpx.Client, lang: str) -> None:
    deadline = (lianzhou_today() + timedelta(days=5)).isoformat()
    body = {"unit": "zhujian-ju", "request": "请说明进度滞后原因", "deadline": deadline}
    opened = api.post(f"/api/projects/{CENTRE_DONGBEI}/tickets", json=body, headers=bearer(api, "planner"))
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["id"]
    log_in(page, base_url, "official_zhujian", f"/projects/{CENTRE_DONGBEI}/tickets?lang={lang}")
    card = f"#pm-ticket-{ticket}"
    answer = f"已补报九月进度 {XSS}"
    page.fill(f"{card} .pm-ticket-answer", answer)
    breaker = Breaker(page, f"**/api/tickets/{ticket}/answer")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click(f"{card} .pm-ticket-send"),
        "#pm-ticket-result",
        lang,
        {f"{card} .pm-ticket-answer": answer},
        f"{card} .pm-ticket-send",
        f"form-failed-ticket-answer-{lang}",
    )
    with page.expect_navigation():
        page.click(f"{card} .pm-ticket-send")
    assert page.locator(card).get_attribute("data-state") == "answered"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_approving_and_sending_back_a_report_survive_a_broken_server(
    page: Any, base_url: str, api: httpx.Client, lang: str
) -> None:
    zhujian = bearer(api, "official_zhujian")
    ids = []
    for month in REVIEW_MONTHS[lang]:
        body = {"month": month, "invested_cny_10k": "8", "progress_pct": "20", "work_done": "立面改造"}
        filed = api.post(f"/api/projects/{CENTRE_DONGBEI}/progress", json=body, headers=zhujian)
        assert filed.status_code == 201 and filed.json()["state"] == "pending", filed.text
        ids.append(filed.json()["id"])
    log_in(page, base_url, "planner", f"/progress/review?lang={lang}")
    back, approve = (f".pm-review-item[data-id='{i}']" for i in ids)
    reason = f"投资额与合同不符 {XSS}"
    page.fill(f"{back} .pm-reason", reason)
    breaker = Breaker(page, f"**/api/progress/{ids[0]}/reject")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click(f"{back} .pm-reject"),
        f"{back} .pm-review-result",
        lang,
        {f"{back} .pm-reason": reason},
        f"{back} .pm-reject",
        f"form-failed-review-{lang}",
    )
    page.click(f"{back} .pm-reject")
    page.wait_for_selector(f"{back}[data-state='rejected']")
    breaker = Breaker(page, f"**/api/progress/{ids[1]}/approve")
    fails_twice_then_works(
        page,
        breaker,
        lambda: page.click(f"{approve} .pm-approve"),
        f"{approve} .pm-review-result",
        lang,
        {},
        f"{approve} .pm-approve",
        f"form-failed-review-approve-{lang}",
    )
    page.click(f"{approve} .pm-approve")
    page.wait_for_selector(f"{approve}[data-state='approved']")


# --- the dashboard's comparison ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboards_comparison_shows_its_error_and_tries_again(page: Any, base_url: str, lang: str) -> None:
    page.route(
        "**/api/stats/compare?*",
        lambda r: r.fulfill(status=500, content_type="application/json", body=json.dumps({"detail": RAW})),
    )
    open_page(page, f"{base_url}/dashboard?lang={lang}")
    page.locator("#pm-compare").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-pm-compare-ready='error']")
    section = page.locator("#pm-compare")
    assert section.get_attribute("data-pm-state") == "error"
    text = page.locator("#pm-compare > .pm-state").inner_text()
    assert text.startswith(READ_FAILED[lang]) and ("重试" if lang == "zh" else "Try again") in text, text
    assert "Traceback" not in text and page.locator("img[src='x']").count() == 0
    assert page.locator("#pm-compare-result").is_hidden() and page.locator("#pm-compare-go").is_enabled()
    shot(page, f"read-failed-dashboard-compare-{lang}")
    page.unroute("**/api/stats/compare?*")
    forget_failures(page)
    page.click("#pm-compare .pm-state-retry")
    page.wait_for_selector("html[data-pm-compare-ready$='" + page.locator("#pm-compare-to").input_value() + "']")
    assert section.get_attribute("data-pm-state") == "done"
    assert page.locator("#pm-compare-result").is_visible()


def test_the_comparison_says_loading_while_it_reads(page: Any, base_url: str) -> None:
    held: list[Any] = []
    page.route("**/api/stats/compare?*", lambda r: held.append(r))
    open_page(page, f"{base_url}/dashboard")
    page.locator("#pm-compare").scroll_into_view_if_needed()
    page.wait_for_selector("#pm-compare[data-pm-state='loading']")
    assert page.locator("#pm-compare > .pm-state").inner_text() == "正在比较…"
    assert page.locator("#pm-compare-go").is_disabled()
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.wait_for_selector("#pm-compare[data-pm-state='done']")
    assert page.locator("#pm-compare-go").is_enabled()
