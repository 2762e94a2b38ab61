"""Issue 18, the parts a reader notices on the maps and around them, in Chromium with no network:

- a project's map draws the error its location note states and opens on it, with a legend that says
  what the shaded area means (a minimum is said to be one); a town-only project's legend says the
  project may be anywhere in its town; a note with no figure gets nothing drawn, and the legend says so;
- the towns around a project or a town are named on the map even when their seats are off screen;
- every read says "loading", "nothing found", or, when it fails, why, with "try again" that works.

Desktop (1280×900) and phone (390×844), Chinese and English.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import browser, needs_chromium, open_page, page, phone, serve_app, shot

__all__ = ["browser", "page", "phone"]  # fixtures, used by name
pytestmark = needs_chromium

UP_TO_3_KM = "chengnan-e-commerce-industrial-park"  # "error 1-3 km"
AT_LEAST_10_KM = "shaohe-expressway"  # "error 10 km or more"
NO_FIGURE = "yao-village-eco-experience-tourism-zone"  # "the plan gives no boundary"


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    with serve_app(create_app(settings.model_copy(update={"tiles": "none"}))) as url:
        yield url


def view_and_area(page: Any) -> dict[str, Any]:
    """The map's view and the drawn error's bounds, in screen pixels of the map."""
    result: dict[str, Any] = page.evaluate(
        """() => { const pm = planmap.current, map = pm.map, b = pm.uncertainty.getBounds();
             const sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
             const size = map.getSize();
             return {w: size.x, h: size.y, left: sw.x, right: ne.x, top: ne.y, bottom: sw.y}; }"""
    )
    return result


def forget_failures(page: Any) -> None:
    """The reads a test made fail on purpose are not failures of the page."""
    page.wait_for_timeout(200)
    page.problems.failed_local.clear()
    page.problems.console_errors.clear()


def test_the_map_opens_on_the_error_the_note_states_and_says_what_it_is(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/projects/{UP_TO_3_KM}")
    legend = page.locator("#pm-uncertainty-legend")
    assert legend.inner_text().strip() == "浅蓝色范围：位置说明所述的误差，约3公里以内；项目应在此范围内。"
    assert page.locator("path.pm-uncertainty.pm-uncertainty-up-to").count() == 1
    box = view_and_area(page)
    # the whole area is in view, and fills a good part of it: the first view fits the uncertainty
    assert box["left"] >= 0 and box["right"] <= box["w"] and box["top"] >= 0 and box["bottom"] <= box["h"]
    assert (box["bottom"] - box["top"]) > box["h"] / 3
    assert 11 <= page.evaluate("planmap.current.map.getZoom()") <= 13  # not street level for a 3 km error
    shot(page, "uncertainty-up-to-zh")


def test_a_minimum_is_drawn_dashed_and_called_a_minimum_on_a_phone(phone: Any, base_url: str) -> None:
    open_page(phone, f"{base_url}/projects/{AT_LEAST_10_KM}?lang=en")
    text = phone.locator("#pm-uncertainty-legend").inner_text()
    assert "at least 10 km" in text and "may be larger" in text
    assert "“error 10 km or more”" in text  # the note's own words
    path = phone.locator("path.pm-uncertainty.pm-uncertainty-at-least")
    assert path.count() == 1 and path.get_attribute("stroke-dasharray")
    box = view_and_area(phone)
    assert box["left"] >= -2 and box["right"] <= box["w"] + 2
    phone.locator("#pm-uncertainty-legend").scroll_into_view_if_needed()
    shot(phone, "uncertainty-at-least-en-phone")


def test_no_figure_draws_nothing_and_a_town_only_project_names_its_town(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/projects/{NO_FIGURE}?lang=en")
    assert page.locator("#pm-uncertainty-legend").inner_text().strip() == (
        "The location note gives no figure for the error, so none is drawn."
    )
    assert page.locator("path.pm-uncertainty").count() == 0
    town_only = page.evaluate(
        """() => fetch('/api/projects?limit=1000').then(r => r.json())
             .then(fc => fc.features.find(f => f.properties.location_precision === 'town').properties.slug)"""
    )
    open_page(page, f"{base_url}/projects/{town_only}")
    assert "项目可能在镇内任何位置" in page.locator("#pm-uncertainty-legend").inner_text()
    assert page.locator("path.pm-uncertainty").count() == 0


def visible_labels(page: Any) -> dict[str, str]:
    """Town labels shown inside the map, by town: 'seat' or 'area' (named inside the part on screen)."""
    result: dict[str, str] = page.evaluate(
        """() => { const r = document.getElementById('pm-map-wrap').getBoundingClientRect(), out = {};
             document.querySelectorAll('.pm-town-label').forEach(node => {
               const span = node.querySelector('span'), b = span.getBoundingClientRect();
               const inside = b.left >= r.left - 1 && b.right <= r.right + 1 && b.top >= r.top && b.bottom <= r.bottom;
               if (inside && getComputedStyle(node).opacity !== '0')
                 out[span.dataset.town] = node.classList.contains('pm-town-label-area') ? 'area' : 'seat';
             });
             return out; }"""
    )
    return result


def test_the_towns_around_a_project_are_named_though_their_seats_are_off_screen(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/projects/{UP_TO_3_KM}")
    labels = visible_labels(page)
    assert labels.get("lianzhou") == "seat"
    assert labels.get("longping") == "area", labels  # its neighbour to the east, seat far off screen
    # zoomed further in, the neighbours stay named while any of them shows
    page.evaluate("planmap.current.map.setZoom(planmap.current.map.getZoom() + 1, {animate: false})")
    page.wait_for_timeout(200)
    assert "lianzhou" in visible_labels(page)


def test_a_town_map_names_its_neighbours_in_english_on_a_phone(phone: Any, base_url: str) -> None:
    open_page(phone, f"{base_url}/towns/xingzi?lang=en")
    labels = visible_labels(phone)
    assert labels.get("xingzi") == "seat"
    assert len(labels) >= 4, labels  # its neighbours, whose seats are mostly outside a phone's view
    assert "area" in labels.values()
    shot(phone, "town-labels-en-phone")


MAP_PAGES = ["/", "/towns/xingzi", f"/projects/{UP_TO_3_KM}", "/near?near=112.38,24.78&radius_m=5000", "/dashboard"]


@pytest.mark.parametrize("path", MAP_PAGES)
def test_a_map_that_cannot_load_says_why_and_tries_again(page: Any, base_url: str, path: str) -> None:
    page.route("**/api/county", lambda route: route.abort())
    page.goto(base_url + path)
    page.wait_for_selector("html[data-pm-error]")
    status = page.locator("#pm-map-status")
    assert status.inner_text().startswith("数据加载失败: 无法连接服务器"), status.inner_text()
    forget_failures(page)
    if path == "/":
        shot(page, "map-failed-zh")
    page.unroute("**/api/county")
    with page.expect_navigation():
        page.click("#pm-map-retry")
    page.wait_for_selector("html[data-pm-ready='1']")
    assert status.is_hidden()


def test_a_server_error_is_told_in_english_with_its_status(page: Any, base_url: str) -> None:
    page.route("**/api/projects?*", lambda route: route.fulfill(status=503, body="{}"))
    page.goto(f"{base_url}/towns/xingzi?lang=en")
    page.wait_for_selector("html[data-pm-error]")
    assert page.locator("#pm-map-status").inner_text().startswith("Could not load the data: HTTP 503")
    assert "HTTP 503" in page.locator("#pm-list-state").inner_text()
    assert page.locator("#pm-map-retry").inner_text() == "Try again"
    forget_failures(page)


def test_an_empty_answer_says_nothing_was_found(page: Any, base_url: str) -> None:
    empty = '{"type": "FeatureCollection", "features": [], "links": []}'
    page.route(
        "**/api/projects?*", lambda route: route.fulfill(status=200, body=empty, content_type="application/geo+json")
    )
    open_page(page, f"{base_url}/towns/xingzi")
    assert page.locator("#pm-list-state").inner_text() == "没有符合筛选条件的项目。"
    open_page(page, f"{base_url}/near?near=112.38,24.78&radius_m=5000&lang=en")
    assert "No project within this radius." in page.locator(".pm-near-results").inner_text()


def test_progress_says_loading_empty_and_failed_and_tries_again(phone: Any, base_url: str) -> None:
    held: list[Any] = []
    phone.route("**/progress", lambda route: held.append(route))  # held: the section shows "loading"
    phone.goto(f"{base_url}/projects/{UP_TO_3_KM}")
    phone.wait_for_selector("#pm-progress[data-pm-state='loading']")
    assert phone.locator("#pm-progress .pm-state").inner_text() == "加载中…"
    held[0].abort()
    phone.wait_for_selector("#pm-progress[data-pm-state='error']")
    text = phone.locator("#pm-progress .pm-state").inner_text()
    assert text.startswith("加载失败：无法连接服务器") and "重试" in text
    phone.locator("#pm-progress").scroll_into_view_if_needed()
    shot(phone, "progress-failed-zh-phone")
    forget_failures(phone)
    phone.unroute("**/progress")
    phone.click("#pm-progress .pm-state-retry")
    phone.wait_for_selector("#pm-progress[data-pm-state='empty']")
    assert phone.locator("#pm-progress .pm-state").inner_text() == "尚无月度进度报告。"


def test_earlier_locations_that_cannot_be_read_are_said_on_the_map(page: Any, base_url: str) -> None:
    page.route("**/history", lambda route: route.abort())
    open_page(page, f"{base_url}/projects/{UP_TO_3_KM}?lang=en")
    page.wait_for_selector("html[data-pm-history-error='1']")
    status = page.locator("#pm-map-status")
    assert "Could not load: the server could not be reached" in status.inner_text()
    forget_failures(page)
    page.unroute("**/history")
    page.click("#pm-history-retry")
    page.wait_for_selector("html[data-pm-history-ready]")
    assert status.is_hidden()
