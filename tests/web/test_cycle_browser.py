"""The implementation cycle in Chromium (issue 17): the maps' popups show a project's latest progress with
its month and its latest approved photo; the list's "no report" and "behind" filters narrow the map and
the list together, live in the URL and match /api/projects; the year's dashboard fits a phone; a planner
approves or sends back reports on the review page.

The data are set up for Lianzhou's real today (the map judges on today): the report month is the latest
month whose deadline has passed, and this year's programme holds the projects the test reads. A page
showing a past day judges that day, counting only the reports filed by then.
"""

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.core.clock import LIANZHOU_TZ
from app.core.clock import today as lianzhou_today
from app.progress.deadlines import latest_due_month, next_month
from tests.support.browser import api, bearer, browser, log_in, needs_chromium, open_page, page, serve_world, shot
from tests.support.cycle import (
    CENTRE_BAOAN,
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    ROAD_XINGZI,
    CycleWorld,
    jpeg,
    open_cycle_world,
)
from tests.support.plans import add_fixture_plan

__all__ = ["api", "browser", "page"]  # fixtures, used by name
pytestmark = needs_chromium

TODAY = lianzhou_today()
MONTH = latest_due_month(TODAY, 5)  # the default deadline: the 5th of the next month
YEAR = TODAY.year
CAPTION = "<img src=x onerror=alert(1)>桥墩"
NOT_IN_PROGRAMME = "tanling-hydropower-station-renovation"  # Xingzi; put in no programme of this year here
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_cycle_browser")


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld) -> Iterator[str]:
    """The report month's and this year's programmes; two Xingzi projects reported on time, one with a photo."""
    planner = cycle.auth("planner")
    items = {EXIT_XINGZI: "1000", ROAD_XINGZI: "10", CENTRE_BAOAN: "500"}
    if YEAR > 2025:  # the 14th plan has ended: this year's programme belongs to the next (a fixture plan)
        add_fixture_plan(cycle.engine, carried=(*items, NOT_IN_PROGRAMME))
    for year in sorted({MONTH.year, YEAR}):
        for slug, planned in items.items():
            body = {"class": "continuing", "planned_investment_cny_10k": planned, "target": "形象进度目标"}
            answer = cycle.client.put(f"/api/programmes/{year}/items/{slug}", json=body, headers=planner)
            assert answer.status_code == 200, answer.text
    if YEAR == 2025:  # the fixture's 2025 programme holds it
        cycle.client.delete(f"/api/programmes/{YEAR}/items/{NOT_IN_PROGRAMME}", headers=planner)
    official = cycle.auth("official_xingzi")
    photo = cycle.client.post(f"/api/projects/{EXIT_XINGZI}/photos", headers=official, data={"caption": CAPTION},
                              files={"photo": ("site.jpg", jpeg((320, 240), colour="teal"), "image/jpeg")})  # fmt: skip
    assert photo.status_code == 201, photo.text
    month = f"{MONTH:%Y-%m}"
    on_time = datetime.combine(next_month(MONTH), time(9), LIANZHOU_TZ).isoformat()
    for slug, invested, pct, photos in ((EXIT_XINGZI, "1", "35", [photo.json()["id"]]), (ROAD_XINGZI, "10", "90", [])):
        filed = cycle.report("official_xingzi", slug, month, invested, pct, photo_ids=photos)
        assert filed.status_code == 201 and filed.json()["state"] == "approved", filed.text
        cycle.sql("UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz) WHERE id = :id",
                  at=on_time, id=filed.json()["id"])  # fmt: skip
    with serve_world(cycle) as url:
        yield url


def listed(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("#pm-list-items .pm-list-item", "els => els.map(e => e.dataset.slug)"))


def api_slugs(api: httpx.Client, **params: str) -> set[str]:
    body = api.get("/api/projects", params={"town": "xingzi", "limit": "10000", **params}).json()
    return {f["properties"]["slug"] for f in body["features"]}


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_the_filters_narrow_map_and_list_together_and_live_in_the_url(page: Any, base_url: str,
                                                                       api: httpx.Client) -> None:  # fmt: skip
    missing = api_slugs(api, no_report="true")
    assert CENTRE_BAOAN not in missing  # in Baoan, not Xingzi
    assert EXIT_XINGZI not in missing and ROAD_XINGZI not in missing  # filed on time
    open_page(page, f"{base_url}/towns/xingzi?no_report=1")
    assert page.is_checked("#pm-f-no-report") and not page.is_checked("#pm-f-behind")
    assert listed(page) == missing
    assert page.evaluate("planmap.current.visibleCounts().total") == len(missing)
    note = page.locator("#pm-cycle-note").inner_text()
    assert f"{MONTH:%Y-%m} 月报应于 {next_month(MONTH):%Y-%m}-05" in note and str(TODAY) in note
    shot(page, "cycle-town-no-report-desktop")

    page.uncheck("#pm-f-no-report")
    everything = api_slugs(api)
    page.wait_for_function(
        f"() => document.querySelectorAll('#pm-list-items .pm-list-item').length === {len(everything)}"
    )
    assert "no_report" not in query(page)
    page.check("#pm-f-behind")
    behind = api_slugs(api, behind="true")
    page.wait_for_function(f"() => document.querySelectorAll('#pm-list-items .pm-list-item').length === {len(behind)}")
    assert listed(page) == behind and query(page)["behind"] == ["1"]
    if MONTH.year == YEAR:  # 1 of 1000 planned is behind any share of the year; 10 of 10 is not
        assert EXIT_XINGZI in behind and ROAD_XINGZI not in behind
        row = page.locator(f".pm-list-item[data-slug='{EXIT_XINGZI}'] .pm-list-flag[data-flag='behind']")
        assert row.inner_text() == "落后于年度目标"


def test_a_popup_shows_progress_with_its_month_and_the_latest_photo_as_text_safe(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/towns/xingzi?project={EXIT_XINGZI}")
    popup = page.locator(f".leaflet-popup .pm-popup[data-slug='{EXIT_XINGZI}']")
    popup.wait_for()
    assert popup.locator(".pm-popup-progress").inner_text() == f"35%（{MONTH:%Y-%m} 月报）"
    assert popup.locator(".pm-popup-report").get_attribute("data-report") == "on_time"
    page.wait_for_function("() => document.querySelector('.pm-popup-photo img').naturalWidth > 0")
    photo = page.evaluate(
        """() => { const f = document.querySelector('.leaflet-popup .pm-popup-photo');
                   return {caption: f.querySelector('figcaption').innerText,
                           injected: f.querySelectorAll('figcaption img').length,
                           src: f.querySelector('img').getAttribute('src')}; }"""
    )  # read at once: the photo as the popup shows it
    assert photo["caption"] == f"{MONTH:%Y-%m} · {CAPTION}"
    assert photo["injected"] == 0  # the caption stayed text
    assert "/thumb.jpg" in (photo["src"] or "")
    shot(page, "cycle-popup-desktop")
    # A project in no programme of this year is not "behind": the popup says why.
    page.evaluate(f"planmap.current.showOnMap({NOT_IN_PROGRAMME!r})")
    other = page.locator(f".leaflet-popup .pm-popup[data-slug='{NOT_IN_PROGRAMME}'] .pm-popup-target")
    other.wait_for()
    assert other.inner_text() == f"不在 {YEAR} 年度计划中，无年度目标可比"


def test_a_page_showing_a_past_day_shows_the_cycle_as_it_stood(page: Any, base_url: str) -> None:
    """The last day of the report month: its report (filed on the 1st of the next) was not there yet."""
    day = next_month(MONTH) - timedelta(days=1)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, f"{base_url}/towns/xingzi?as_of={day}&project={EXIT_XINGZI}")
    popup = page.locator(f".leaflet-popup .pm-popup[data-slug='{EXIT_XINGZI}']")
    popup.wait_for()
    assert popup.locator(".pm-popup-progress").inner_text() == "尚无已审核的月报"
    assert popup.locator(".pm-popup-photo").count() == 0
    assert f"判断日期：{day}。" in page.locator("#pm-cycle-note").inner_text()
    asked = [parse_qs(urlparse(u).query) for u in requests if urlparse(u).path == "/api/progress/projects"]
    assert asked == [{"as_of": [str(day)]}]
    shot(page, "cycle-past-day-popup-desktop")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_popup_and_filters_on_a_phone(browser: Any, base_url: str, lang: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        phone = context.new_page()
        phone.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        suffix = "&lang=en" if lang == "en" else ""
        open_page(phone, f"{base_url}/towns/xingzi?project={EXIT_XINGZI}{suffix}")
        phone.locator(".leaflet-popup .pm-popup-photo img").wait_for()
        words = "Report for" if lang == "en" else "月报"
        assert words in phone.locator(".leaflet-popup").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, f"cycle-popup-phone-{lang}")
        phone.locator("#pm-cycle-filters").scroll_into_view_if_needed()
        shot(phone, f"cycle-filters-phone-{lang}")
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "width"), [("zh", 390), ("en", 390), ("zh", 1366), ("en", 1366)])
def test_the_year_dashboard_sums_from_the_api_and_fits_a_phone(browser: Any, base_url: str, api: httpx.Client,
                                                               lang: str, width: int) -> None:  # fmt: skip
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 500 else 768}, locale="zh-CN")
    try:
        reader = context.new_page()
        open_page(reader, f"{base_url}/dashboard/year?year={YEAR}" + ("&lang=en" if lang == "en" else ""))
        summary = api.get("/api/progress/summary", params={"by": "class", "year": YEAR}).json()
        total = reader.locator("#pm-year-class tfoot td[data-col='projects']").inner_text()
        assert int(total) == summary["total"]["projects"] >= 3
        town = reader.locator("#pm-year-town tbody tr[data-key='xingzi'] th").inner_text()
        assert town == ("Xingzi" if lang == "en" else "星子镇")
        assert str(TODAY) in reader.locator("#pm-year-dates").inner_text()
        overflow = reader.evaluate(
            """() => [document.documentElement.scrollWidth,
                      ...[...document.querySelectorAll('.pm-year-grid')].map(t => t.getBoundingClientRect().right)]"""
        )
        assert max(overflow) <= width, overflow
        reader.evaluate("window.scrollTo(0, document.querySelector('#pm-year-town').offsetTop)")
        shot(reader, f"cycle-year-{lang}-{width}")
    finally:
        context.close()


def test_a_planner_sends_back_one_report_and_approves_another_on_the_review_page(
    browser: Any, base_url: str, api: httpx.Client, cycle: CycleWorld
) -> None:
    zhujian = bearer(api, "official_zhujian")
    ids = []
    for month, work in (("2025-03", "第一次 <script>alert(1)</script>"), ("2025-04", "立面改造过半")):
        body = {"month": month, "invested_cny_10k": "12", "progress_pct": "40", "work_done": work}
        filed = api.post(f"/api/projects/{CENTRE_DONGBEI}/progress", json=body, headers=zhujian)
        assert filed.status_code == 201 and filed.json()["state"] == "pending", filed.text
        ids.append(filed.json()["id"])
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        planner = context.new_page()
        planner.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        log_in(planner, base_url, "planner", "/progress/review")
        first = planner.locator(f".pm-review-item[data-id='{ids[0]}']")
        assert "<script>alert(1)</script>" in first.locator(".pm-review-text").inner_text()
        shot(planner, "cycle-review-phone")
        first.locator(".pm-reject").click()  # no reason: refused in the page, nothing sent
        assert first.locator(".pm-review-result").inner_text() == "请填写退回原因。"
        first.locator(".pm-reason").fill("投资额与合同不符，请核实")
        first.locator(".pm-reject").click()
        planner.wait_for_selector(f".pm-review-item[data-id='{ids[0]}'][data-state='rejected']")
        second = planner.locator(f".pm-review-item[data-id='{ids[1]}']")
        second.locator(".pm-approve").click()
        planner.wait_for_selector(f".pm-review-item[data-id='{ids[1]}'][data-state='approved']")
        assert planner.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    months = api.get(f"/api/projects/{CENTRE_DONGBEI}/progress").json()["months"]
    assert [m["month"] for m in months] == ["2025-04"]  # the rejected one is not in force
    audited = cycle.sql("""SELECT action, note FROM audit_log WHERE object_type = 'progress_report'
                           AND object_key LIKE :k AND action IN ('approved', 'rejected') ORDER BY id""",
                        k=f"{CENTRE_DONGBEI}/%")  # fmt: skip
    assert [tuple(r) for r in audited] == [("rejected", "投资额与合同不符，请核实"), ("approved", None)]


def test_a_refused_decision_on_the_review_page_says_why_and_gives_the_buttons_back(
    browser: Any, base_url: str, api: httpx.Client, cycle: CycleWorld
) -> None:
    """The review and moderation pages share one decision flow (kit_decisions.js): a send-back without a reason
    puts the focus in the reason field, and a decision the server refuses (here: a page whose CSRF token has gone
    stale) leaves the report pending, says why in the item's live region and gives its buttons back."""
    body = {"month": "2025-01", "invested_cny_10k": "3", "progress_pct": "5", "work_done": "场地平整"}
    filed = api.post(f"/api/projects/{CENTRE_DONGBEI}/progress", json=body, headers=bearer(api, "official_zhujian"))
    assert filed.status_code == 201 and filed.json()["state"] == "pending", filed.text
    report_id = filed.json()["id"]
    context = browser.new_context(locale="zh-CN")
    try:
        planner = context.new_page()
        planner.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        log_in(planner, base_url, "planner", "/progress/review")
        planner.wait_for_selector("html[data-pm-ready='1']")
        item = planner.locator(f".pm-review-item[data-id='{report_id}']")
        result = item.locator(".pm-review-result")
        assert result.get_attribute("role") == "status" and result.get_attribute("aria-live") == "polite"
        item.locator(".pm-reject").click()
        assert result.inner_text() == "请填写退回原因。"
        assert item.locator(".pm-reason").evaluate("box => box === document.activeElement")

        planner.evaluate("document.querySelector('meta[name=pm-csrf]').setAttribute('content', 'stale')")
        item.locator(".pm-approve").click()
        shown = f"""() => document.querySelector("[data-id='{report_id}'] .pm-review-result").textContent"""
        planner.wait_for_function(shown + ".includes('CSRF')")
        assert "pm-edit-error" in (result.get_attribute("class") or "")
        assert item.get_attribute("data-state") == "pending"
        assert item.locator(".pm-review-actions").is_visible()
        assert item.locator(".pm-approve").is_enabled() and item.locator(".pm-reject").is_enabled()
    finally:
        context.close()
    pending = api.get("/api/progress/pending", headers=bearer(api, "planner")).json()
    assert report_id in [r["id"] for r in pending]  # nothing was decided
