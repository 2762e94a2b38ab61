"""Plan monitoring on the maps, in Debian's Chromium driven by Playwright, with no network.

Warnings coloured red/amber/green and filtered on the overview, the programme "as of a date" on
every page, the dashboard's roll-ups and its change between two dates, and the status editor's
honest endings (a reason, a merger target) and planned/actual fields.

The browser, the page fixture (which fails a test on any request leaving 127.0.0.1, any
script or console error, failed local request, CSP violation or dialog) and the staff helpers
are those of tests/support/browser.py, shared with the other browser tests. The server runs on a
database of this module's own (tests/support/editing.py), because these tests write: they build
a small programme with known warnings and a known history.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core import clock
from tests.support.browser import (
    XSS,
    bearer,
    create_project,
    drawn,
    log_in,
    needs_chromium,
    open_page,
    save_and_reload,
    serve_world,
    shot,
)
from tests.support.editing import EditWorld, open_world

pytestmark = needs_chromium

TODAY = clock.today()
LAST_YEAR_END = date(TODAY.year - 1, 12, 31)  # where the dashboard's comparison starts by default
LONG_AGO = LAST_YEAR_END - timedelta(days=300)  # when the test pretends its projects were recorded
RAG_COLORS = {"red": "#c62828", "amber": "#f0a202", "green": "#2e7d32"}


@dataclass(frozen=True)
class Programme:
    """The projects this module adds, by what is known about them."""

    late: str  # planned end passed, under construction: red (late_completion)
    not_started: str  # planned start passed, still planned: amber (late_start)
    over_budget: str  # spent more than planned: red (over_budget)
    started_this_year: str  # planned at the end of last year, under construction today
    target: str  # a project others may be merged into


@pytest.fixture(scope="module")
def mon() -> Iterator[EditWorld]:
    with open_world("planmap_browser_monitoring") as w:
        yield w


@pytest.fixture(scope="module")
def base_url(mon: EditWorld) -> Iterator[str]:
    """A real server on this module's database."""
    with serve_world(mon) as url:
        yield url


def _write(api: httpx.Client, method: str, path: str, body: dict[str, Any], user: str = "planner") -> None:
    slug = path.split("/")[3]
    etag = api.get(f"/api/projects/{slug}").headers["etag"]
    response = api.request(method, path, json=body, headers={**bearer(api, user), "If-Match": etag})
    assert response.status_code == 200, response.text


def _recorded_long_ago(mon: EditWorld, slug: str, last_version_today: bool = False) -> None:
    """Pretend the project's versions were recorded on LONG_AGO (the last one today, if asked)."""
    with mon.engine.begin() as conn:
        versions = conn.execute(
            text(
                "SELECT v.version FROM project_versions v JOIN projects p ON p.id = v.id WHERE p.slug = :s ORDER BY 1"
            ),
            {"s": slug},
        ).scalars()
        days = [LONG_AGO + timedelta(days=i) for i, _ in enumerate(list(versions))]
        if last_version_today:
            days[-1] = TODAY
        for version, day in enumerate(days, start=1):
            following = days[version] if version < len(days) else None
            conn.execute(
                text(
                    """UPDATE project_versions v SET valid_from = CAST(:d AS timestamptz),
                              valid_to = CAST(:n AS timestamptz)
                       FROM projects p WHERE p.id = v.id AND p.slug = :s AND v.version = :v"""
                ),
                {"d": day, "n": following, "s": slug, "v": version},
            )
        # It joined its plan when it was first recorded (a read of a past day sees only the plan's members then).
        conn.execute(
            text(
                """UPDATE plan_projects pp SET added_at = CAST(:d AS timestamptz)
                   FROM projects p WHERE p.id = pp.project_id AND p.slug = :s"""
            ),
            {"d": days[0], "s": slug},
        )


@pytest.fixture(scope="module")
def programme(mon: EditWorld, api: httpx.Client) -> Programme:
    p = Programme("mon-late", "mon-not-started", "mon-over-budget", "mon-started-this-year", "mon-target")
    create_project(api, p.late, status="under_construction")
    _write(api, "PATCH", f"/api/projects/{p.late}", {"properties": {"planned_end": "2024-06-30"}})
    create_project(api, p.not_started)
    _write(api, "PATCH", f"/api/projects/{p.not_started}", {"properties": {"planned_start": "2023-01-01"}})
    create_project(api, p.over_budget, status="under_construction")
    _write(
        api,
        "PATCH",
        f"/api/projects/{p.over_budget}",
        {"properties": {"planned_investment_cny_100m": 2, "actual_spend_cny_100m": 3.5}},
    )
    create_project(api, p.started_this_year, name_zh="今年开工的测试项目", name_en=f"Started this year {XSS}")
    _write(
        api,
        "POST",
        f"/api/projects/{p.started_this_year}/status",
        {"status": "under_construction", "date": TODAY.isoformat(), "note": "work began"},
    )
    create_project(api, p.target, name_zh="合并目标测试项目", name_en="Merger target test project")
    # Amber only: said to be under way, with a completion date of its own still ahead, but no recorded start.
    create_project(api, "mon-amber", status="under_construction")
    _write(api, "PATCH", "/api/projects/mon-amber", {"properties": {"planned_end": f"{TODAY.year + 1}-12-31"}})
    for slug in (p.late, p.not_started, p.over_budget, p.target):
        _recorded_long_ago(mon, slug)
    _recorded_long_ago(mon, p.started_this_year, last_version_today=True)
    return p


def _features(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    fc = api.get("/api/projects", params={"limit": "10000", **params})
    assert fc.status_code == 200, fc.text
    features: list[dict[str, Any]] = fc.json()["features"]
    return features


def _tally(features: list[dict[str, Any]], key: str, shapes_only: bool = False) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in features:
        if shapes_only and f["geometry"]["type"] in ("Point", "MultiPoint"):
            continue
        value = f["properties"][key]
        out[value] = out.get(value, 0) + 1
    return out


def test_warnings_mode_colours_the_overview_red_amber_green(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    features = _features(api)
    by_rag = _tally(features, "rag")
    assert by_rag.get("red", 0) >= 2 and by_rag.get("amber", 0) >= 1 and by_rag.get("green", 0) > 0
    open_page(page, base_url + "/")
    page.locator("#pm-colour-by input[value='warnings']").check()
    page.wait_for_selector("html[data-pm-colour='warnings']")
    assert "colour=warnings" in page.url
    seen = drawn(page)
    assert seen["js"]["byRag"] == by_rag
    assert seen["domMarkers"] == len(features)
    # Lines and areas carry their rating as a class; every single marker is painted its rating's colour.
    shapes = page.evaluate(
        """() => {
          const out = {};
          document.querySelectorAll('.leaflet-overlay-pane path.pm-shape').forEach(p => {
            const rag = [...p.classList].find(c => c.startsWith('pm-rag-')).slice(7);
            out[rag] = (out[rag] || 0) + 1;
          });
          return out;
        }"""
    )
    assert shapes == _tally(features, "rag", shapes_only=True)
    pins = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-marker-pane .pm-icon .pm-pin')].map(
             p => [p.dataset.rag, getComputedStyle(p).backgroundColor])"""
    )
    assert pins, "no single marker drawn"
    rgb = {k: "rgb({}, {}, {})".format(*(int(v[i : i + 2], 16) for i in (1, 3, 5))) for k, v in RAG_COLORS.items()}
    assert all(colour == rgb[rag] for rag, colour in pins), pins
    # The legend explains each warning and counts it like the API's ?warning= filter does.
    section = page.locator("#pm-layers details[data-kind='warning']")
    assert section.get_attribute("open") is not None
    for code in ("late_start", "late_completion", "over_budget", "stale"):
        n = len(_features(api, warning=code))
        row = section.locator(f"li[data-code='{code}']")
        assert row.locator(".pm-layer-count").inner_text() == str(n)
        assert row.locator(".pm-layer-explain").inner_text().strip()
    assert "逾期完工、规划期内未完成或超出投资" in section.locator(".pm-rag-legend").inner_text()
    shot(page, "monitoring-overview-warnings")

    # Only the projects with one warning: the map shows what the API's filter returns.
    section.locator("button.pm-none").click()
    assert drawn(page)["domMarkers"] == 0
    for code in ("late_start", "late_completion", "over_budget"):
        box = section.locator(f"input[data-code='{code}']")
        box.check()
        page.wait_for_timeout(100)
        expected = {f["properties"]["slug"] for f in _features(api, warning=code)}
        assert drawn(page)["domMarkers"] == len(expected), code
        shown = page.evaluate("() => planmap.current.entries.filter(e => e.visible).map(e => e.props.slug)")
        assert set(shown) == expected, code
        box.uncheck()
    section.locator("input[data-code='late_completion']").check()
    shot(page, "monitoring-overview-late-completion-only")

    # A popup lists the project's warnings, translated.
    page.evaluate(
        """slug => new Promise(resolve => {
          const e = planmap.current.entries.find(e => e.props.slug === slug);
          planmap.current.cluster.zoomToShowLayer(e.marker, () => { e.marker.openPopup(); resolve(); });
        })""",
        programme.late,
    )
    popup = page.locator(f".leaflet-popup .pm-popup[data-slug='{programme.late}']")
    assert popup.get_attribute("data-rag") == "red"
    assert "逾期完工" in popup.inner_text()
    shot(page, "monitoring-popup-warnings")

    # Back to status colours: the same markers, in their status colours.
    page.locator("#pm-colour-by input[value='status']").check()
    page.wait_for_selector("html[data-pm-colour='status']")
    assert "colour=" not in page.url


def test_town_page_colours_by_warnings_and_links_its_feed_and_wall_map(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    open_page(page, base_url + "/towns/xingzi?colour=warnings&lang=en")
    assert page.locator("#pm-colour-by input[value='warnings']").is_checked()
    assert drawn(page)["js"]["byRag"] == _tally(_features(api, town="xingzi"), "rag")
    assert "Late completion" in page.locator("#pm-layers details[data-kind='warning']").inner_text()
    shot(page, "monitoring-town-warnings-en")
    links = {
        "#pm-feed-town": ("/feeds/towns/xingzi.atom?lang=en", "application/atom+xml"),
        "#pm-feed-plan": ("/feeds/plan.atom?lang=en", "application/atom+xml"),
        "#pm-wallmap-link": ("/towns/xingzi/wallmap.pdf", "application/pdf"),
    }
    for selector, (href, content_type) in links.items():
        assert page.locator(selector).get_attribute("href") == href
        answer = api.get(href)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(content_type), href


def test_as_of_a_past_day_shows_that_days_programme(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    day = LAST_YEAR_END.isoformat()
    then = _features(api, as_of=day)
    now = _features(api)
    assert _tally(then, "status") != _tally(now, "status")  # the test's project started since
    open_page(page, f"{base_url}/?as_of={day}")
    banner = page.locator("#pm-as-of-banner")
    assert f"{LAST_YEAR_END.year}年12月31日" in banner.inner_text() and "结束时所记录" in banner.inner_text()
    assert page.locator("#pm-as-of-input").input_value() == day
    seen = drawn(page)
    assert seen["js"]["byStatus"] == _tally(then, "status")
    assert seen["js"]["byRag"] == _tally(then, "rag")
    assert seen["domMarkers"] == len(then)
    for status, n in _tally(then, "status").items():
        row = page.locator(f"#pm-layers li[data-kind='status'][data-code='{status}']")
        assert row.locator(".pm-layer-count").inner_text() == str(n)
    entry = page.evaluate(
        "slug => planmap.current.entries.find(e => e.props.slug === slug).props.status", programme.started_this_year
    )
    assert entry == "planned"
    shot(page, "monitoring-overview-as-of")

    # Links between the dated pages keep the day; the town page counts that day too.
    town_link = page.locator("nav.pm-towns a", has_text="星子镇")
    assert town_link.get_attribute("href") == f"/towns/xingzi?as_of={day}"
    with page.expect_navigation():
        town_link.click()
    page.wait_for_selector("html[data-pm-ready='1']")
    town_then = _tally(_features(api, as_of=day, town="xingzi"), "status")
    assert drawn(page)["js"]["byStatus"] == town_then
    for status, n in town_then.items():
        assert page.locator(f"#pm-town-counts tr[data-status='{status}'] td").inner_text() == str(n)

    # The project page shows its status of that day, says so, and offers the way back to today.
    open_page(page, f"{base_url}/projects/{programme.started_this_year}?as_of={day}&lang=en")
    assert "as recorded at the end of 31 December" in page.locator("#pm-as-of-banner").inner_text()
    assert page.locator(".pm-badges [data-status]").get_attribute("data-status") == "planned"
    assert page.evaluate("planmap.current.entries[0].props.status") == "planned"
    shot(page, "monitoring-project-as-of")
    with page.expect_navigation():
        page.click("#pm-as-of-today")
    page.wait_for_selector("html[data-pm-ready='1']")
    assert page.locator("#pm-as-of-banner").count() == 0
    assert page.locator(".pm-badges [data-status]").get_attribute("data-status") == "under_construction"

    # The date input changes the day.
    open_page(page, base_url + "/dashboard")
    page.fill("#pm-as-of-input", day)
    with page.expect_navigation():
        page.click("#pm-as-of-show")
    page.wait_for_selector("html[data-pm-ready='1']")
    assert f"as_of={day}" in page.url and page.locator("#pm-as-of-banner").is_visible()
    stats = api.get("/api/stats", params={"as_of": day}).json()
    xingzi = next(r for r in stats["by_town"] if r["town"] == "xingzi")
    row = page.locator("#pm-by-town tr[data-town='xingzi'] td.pm-num")
    assert str(xingzi["total"]) in row.all_inner_texts()


@pytest.mark.parametrize(("value", "problem"), [("2999-01-01", "future"), ("31/12/2023", "invalid"), ("0", "invalid")])
def test_a_date_the_api_would_refuse_is_ignored_with_a_note(
    page: Any, base_url: str, api: httpx.Client, value: str, problem: str
) -> None:
    assert api.get("/api/projects", params={"as_of": value}).status_code == 422
    open_page(page, f"{base_url}/?as_of={value}")
    note = page.locator("#pm-as-of-note")
    assert note.get_attribute("data-problem") == problem and value in note.inner_text()
    assert page.locator("#pm-as-of-banner").count() == 0
    assert drawn(page)["js"]["total"] == len(_features(api))  # today's map; no request carried the date
    if problem == "future":
        shot(page, "monitoring-as-of-future")


def test_project_page_shows_warnings_and_planned_versus_actual(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    open_page(page, f"{base_url}/projects/{programme.over_budget}")
    warnings = page.locator("#pm-warnings")
    assert warnings.get_attribute("data-rag") == "red"
    assert "超出投资" in warnings.inner_text()
    assert page.locator("#pm-rag").get_attribute("data-rag") == "red"
    money = page.locator("#pm-tracking tr[data-row='money']")
    assert money.locator(".pm-planned").inner_text() == "2" and money.locator(".pm-actual").inner_text() == "3.5"
    feed = page.locator("#pm-feed-project").get_attribute("href")
    assert feed == f"/feeds/projects/{programme.over_budget}.atom"
    assert api.get(feed).status_code == 200
    page.locator("#pm-props").scroll_into_view_if_needed()
    shot(page, "monitoring-project-warnings")
    open_page(page, f"{base_url}/projects/{programme.not_started}?lang=en")
    assert "Late start" in page.locator("#pm-warnings").inner_text()
    assert page.locator("#pm-tracking tr[data-row='start'] .pm-planned").inner_text() == "2023-01-01"


def test_dashboard_rolls_warnings_up_and_compares_two_dates(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    stats = api.get("/api/stats").json()
    open_page(page, base_url + "/dashboard")
    # by town: the counts of each warning and the share red, as the API rolls them up
    for town in stats["by_town"]:
        row = page.locator(f"#pm-by-town tr[data-town='{town['town']}']")
        for code in ("late_start", "late_completion", "over_budget", "stale"):
            n = town["warnings"].get(code, 0)
            count = row.locator(f".pm-warning-count[data-warning='{code}']")
            assert count.count() == (1 if n else 0) and (not n or count.locator("b").inner_text() == str(n)), code
        red = town["rag"].get("red", 0)
        assert row.locator(".pm-rag-stack span[data-rag='red']").count() == (1 if red else 0)
    # by chapter
    chapters = {c["chapter"] or "": c for c in stats["by_chapter"]}
    rows = page.locator("#pm-by-chapter tbody tr")
    assert rows.count() == len(chapters)
    assert sorted(rows.evaluate_all("els => els.map(e => e.dataset.chapter)")) == sorted(chapters)
    # the choropleth by share red
    xingzi = next(t for t in stats["by_town"] if t["town"] == "xingzi")
    assert xingzi["rag"].get("red", 0) > 0
    fill_before = page.locator("path.pm-town-xingzi").get_attribute("fill")
    page.locator("#pm-choropleth-by input[value='red']").check()
    page.wait_for_selector("html[data-pm-choropleth='red']")
    assert page.locator("#pm-choropleth-legend strong").inner_text() == "红色预警比例"
    assert page.locator("path.pm-town-xingzi").get_attribute("fill") != fill_before
    shot(page, "monitoring-dashboard-red")

    # change between the end of last year and today: the project that started this year is listed
    assert page.locator("html[data-pm-compare-ready]").count() == 0  # not read before it is looked at
    page.locator("#pm-compare").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-pm-compare-ready]")
    assert page.locator("#pm-compare-from").input_value() == LAST_YEAR_END.isoformat()
    assert page.locator("#pm-compare-to").input_value() == TODAY.isoformat()
    compare = api.get("/api/stats/compare", params={"from": LAST_YEAR_END.isoformat(), "to": TODAY.isoformat()}).json()
    item = page.locator(f"#pm-compare-changes li[data-slug='{programme.started_this_year}']")
    assert item.get_attribute("data-before") == "planned" and item.get_attribute("data-after") == "under_construction"
    assert item.locator("a").get_attribute("href") == f"/projects/{programme.started_this_year}"
    assert page.locator("#pm-compare-changes li[data-slug]").count() == len(compare["status_changes"])
    change = next(t for t in compare["by_town_change"] if t["town"] == "xingzi")
    cell = page.locator("#pm-compare-towns tr[data-town='xingzi'] td[data-status='under_construction']")
    assert cell.inner_text() == f"+{change['counts']['under_construction']}"
    page.locator("#pm-compare").scroll_into_view_if_needed()
    shot(page, "monitoring-dashboard-compare")
    page.locator("#pm-by-town").scroll_into_view_if_needed()
    shot(page, "monitoring-dashboard-towns")
    # the English page shows an injected name as text
    page.goto(base_url + "/dashboard?lang=en")
    page.locator("#pm-compare").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-pm-compare-ready]")
    link = page.locator(f"#pm-compare-changes li[data-slug='{programme.started_this_year}'] a")
    assert link.inner_text() == f"Started this year {XSS}"
    assert page.locator("#pm-compare img").count() == 0
    # two other dates: nothing changed between them
    page.fill("#pm-compare-from", (LONG_AGO - timedelta(days=20)).isoformat())
    page.fill("#pm-compare-to", (LONG_AGO - timedelta(days=10)).isoformat())
    page.click("#pm-compare-go")
    page.wait_for_selector(f"html[data-pm-compare-ready$='{(LONG_AGO - timedelta(days=10)).isoformat()}']")
    assert page.locator("#pm-compare-changes li[data-slug]").count() == 0
    assert "No project changed status" in page.locator("#pm-compare-changes").inner_text()
    # dates the wrong way round: the refusal in the page's language, not the server's English
    for lang, words in (("en", "The first date must not be after the second"), ("zh", "起始日期不能晚于结束日期")):
        page.goto(f"{base_url}/dashboard?lang={lang}")
        page.locator("#pm-compare").scroll_into_view_if_needed()
        page.wait_for_selector("html[data-pm-compare-ready]")
        page.fill("#pm-compare-from", TODAY.isoformat())
        page.fill("#pm-compare-to", LAST_YEAR_END.isoformat())
        page.click("#pm-compare-go")
        page.wait_for_selector("html[data-pm-compare-ready='error']")
        said = page.locator("#pm-compare > .pm-state").inner_text()
        assert words in said and "`from`" not in said, said
    page.wait_for_timeout(200)  # the refused reads are this test's doing, not the page's failures
    refused = [f for f in page.problems.failed_local if "/api/stats/compare" in f and f.endswith("HTTP 422")]
    assert len(refused) == 2, page.problems.failed_local
    page.problems.failed_local[:] = [f for f in page.problems.failed_local if f not in refused]
    page.problems.console_errors[:] = [e for e in page.problems.console_errors if "status of 422" not in e]


def test_status_editor_requires_a_reason_and_names_a_merger(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    slug = "mon-editor-probe"
    create_project(api, slug)
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    # an official records what happened, but does not set what was planned
    assert page.locator("#pm-edit-actual_start").count() == 1
    assert page.locator("#pm-edit-planned_start, #pm-edit-sensitive").count() == 0
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    assert page.locator("#pm-edit-reason-field").is_hidden()
    page.select_option("#pm-edit-status", "postponed")
    assert page.locator("#pm-edit-reason-field").is_visible()
    assert page.locator("#pm-edit-merged-field").is_hidden()
    page.click("#pm-edit-save")
    page.wait_for_selector("html[data-pm-edit-refused='reason']")
    message = page.locator("#pm-edit-message")
    assert "需要填写原因" in message.inner_text() and "推迟" in message.inner_text()
    page.set_viewport_size({"width": 1280, "height": 1400})  # the field asked for and the message, in one picture
    page.locator("#pm-editor").scroll_into_view_if_needed()
    shot(page, "monitoring-editor-reason-needed")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert api.get(f"/api/projects/{slug}").json()["properties"]["status"] == "planned"  # nothing was sent
    page.fill("#pm-edit-reason", "land acquisition pending")
    page.fill("#pm-edit-actual_spend_cny_100m", "0.4")
    save_and_reload(page)
    saved = api.get(f"/api/projects/{slug}").json()["properties"]
    assert saved["status"] == "postponed" and saved["status_reason"] == "land acquisition pending"
    assert saved["actual_spend_cny_100m"] == 0.4
    assert page.locator("#pm-status-reason").inner_text() == "land acquisition pending"
    assert page.locator("#pm-tracking tr[data-row='money'] .pm-actual").inner_text() == "0.4"

    # merged: a reason and the project it went into, chosen from suggestions
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    page.select_option("#pm-edit-status", "merged")
    page.fill("#pm-edit-reason", "one site for both")
    page.click("#pm-edit-save")
    page.wait_for_selector("html[data-pm-edit-refused='merged_into']")
    page.locator("#pm-edit-merged_into").press_sequentially("合并目标", delay=30)
    page.wait_for_selector("html[data-pm-merged-options]")
    options = page.locator("#pm-edit-merged-options option").evaluate_all("els => els.map(e => e.value)")
    assert programme.target in options and slug not in options
    page.fill("#pm-edit-merged_into", programme.target)
    assert message.inner_text() == ""  # the request for a target went once one was typed
    page.locator("#pm-edit-status").scroll_into_view_if_needed()
    shot(page, "monitoring-editor-merged")
    save_and_reload(page)
    saved = api.get(f"/api/projects/{slug}").json()["properties"]
    assert saved["status"] == "merged" and saved["merged_into"] == programme.target
    merged = page.locator("#pm-merged-into")
    assert merged.inner_text() == "合并目标测试项目" and merged.get_attribute("href") == f"/projects/{programme.target}"


def test_a_planner_sets_planned_dates_money_and_sensitivity(
    page: Any, base_url: str, api: httpx.Client, programme: Programme
) -> None:
    slug = "mon-planner-probe"
    create_project(api, slug)
    log_in(page, base_url, "planner", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    page.fill("#pm-edit-planned_start", "2024-01-01")
    page.fill("#pm-edit-planned_end", "2025-06-30")
    page.fill("#pm-edit-planned_investment_cny_100m", "1.25")
    page.check("#pm-edit-sensitive")
    page.locator("#pm-edit-tracking").scroll_into_view_if_needed()
    shot(page, "monitoring-editor-planner")
    save_and_reload(page)
    props = api.get(f"/api/projects/{slug}", headers=bearer(api, "planner")).json()["properties"]
    assert (props["planned_start"], props["planned_end"], props["planned_investment_cny_100m"], props["sensitive"]) == (
        "2024-01-01", "2025-06-30", 1.25, True,
    )  # fmt: skip
    assert sorted(props["warnings"]) == ["late_completion", "late_start"]
    assert page.locator("#pm-warnings").get_attribute("data-rag") == "red"
    assert page.locator("#pm-tracking tr[data-row='end'] .pm-planned").inner_text() == "2025-06-30"
    # a past day's record is for reading: no edit controls there
    open_page(page, f"{base_url}/projects/{programme.late}?as_of={LAST_YEAR_END.isoformat()}")
    assert page.locator("#pm-edit-start").count() == 0
    assert page.locator("#pm-as-of-no-edit").is_visible()
