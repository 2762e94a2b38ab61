"""The list beside the map, in Chromium (issue 18, item 1): every project a map page shows can be found
by name, sorted and filtered with the map, searched by name, alias or town, and shared as a link; the
projects stacked on a town seat open as a named list.

Desktop (1280×900) and phone (390×844), Chinese and English, no network (tests/support/browser.py).
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import browser, needs_chromium, open_page, page, phone, serve_app, shot

__all__ = ["browser", "page", "phone"]  # fixtures, used by name
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    with serve_app(create_app(settings.model_copy(update={"tiles": "none"}))) as url:
        yield url


def town_features(api: httpx.Client, town: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = api.get("/api/projects", params={"town": town, "limit": "10000"}).json()[
        "features"
    ]
    return features


def listed(page: Any) -> list[str]:
    slugs: list[str] = page.eval_on_selector_all("#pm-list-items .pm-list-item", "els => els.map(e => e.dataset.slug)")
    return slugs


def wait_rows(page: Any, condition: str) -> None:
    """Until the list's row count meets `condition` (e.g. "< 20"): the search filters after a short pause."""
    page.wait_for_function(f"() => document.querySelectorAll('#pm-list-items .pm-list-item').length {condition}")


def test_town_page_lists_every_project_by_name(page: Any, base_url: str, api: httpx.Client) -> None:
    features = town_features(api, "lianzhou")
    town_only = [f for f in features if f["properties"]["location_precision"] == "town"]
    assert len(town_only) > 50  # the crowd the issue is about
    open_page(page, base_url + "/towns/lianzhou")
    assert sorted(listed(page)) == sorted(f["properties"]["slug"] for f in features)
    assert page.locator("#pm-list-count").inner_text() == f"显示 {len(features)} 个，共 {len(features)} 个"
    # each row: a link by name, status, category, precision, warnings, last update
    one = town_only[0]["properties"]
    row = page.locator(f"#pm-list-items .pm-list-item[data-slug='{one['slug']}']")
    assert row.locator("a.pm-list-name").inner_text() == one["name_zh"]
    assert row.locator("a.pm-list-name").get_attribute("href") == f"/projects/{one['slug']}"
    assert row.locator(".pm-list-precision").inner_text() == "仅知所在镇"
    assert row.locator(".pm-list-updated").inner_text() == "资料截至 2022"  # the plan's revision, not the load
    assert row.locator(".pm-list-warnings").inner_text()
    shot(page, "town-list-zh")


def test_list_follows_the_layer_filters_and_the_url_keeps_them(page: Any, base_url: str, api: httpx.Client) -> None:
    features = town_features(api, "lianzhou")
    existing = [f for f in features if f["properties"]["status"] == "existing"]
    assert existing
    open_page(page, base_url + "/towns/lianzhou")
    page.locator("#pm-layers input[data-kind='status'][data-code='existing']").uncheck()
    assert len(listed(page)) == len(features) - len(existing)
    assert page.evaluate("planmap.current.visibleCounts().total") == len(features) - len(existing)
    query = parse_qs(urlparse(page.url).query)
    assert "existing" not in query["status"][0].split(",")
    # the link, opened afresh, shows the same view
    page.goto(page.url)
    page.wait_for_selector("html[data-pm-ready='1']")
    assert len(listed(page)) == len(features) - len(existing)
    assert not page.locator("#pm-layers input[data-kind='status'][data-code='existing']").is_checked()


def test_sorting_by_update_and_by_precision(page: Any, base_url: str, api: httpx.Client) -> None:
    features = town_features(api, "lianzhou")
    open_page(page, base_url + "/towns/lianzhou?lang=en")
    page.select_option("#pm-list-sort", "precision")
    precisions: list[str] = page.eval_on_selector_all(
        "#pm-list-items .pm-list-item", "els => els.map(e => e.dataset.precision)"
    )
    order = {"surveyed": 0, "approximate": 1, "town": 2}
    assert [order[p] for p in precisions] == sorted(order[p] for p in precisions)
    assert "sort=precision" in page.url
    page.select_option("#pm-list-sort", "updated")
    newest = max(features, key=lambda f: f["properties"]["info_date"])["properties"]["info_date"]
    first = listed(page)[0]
    assert next(f for f in features if f["properties"]["slug"] == first)["properties"]["info_date"] == newest


def test_search_by_name_alias_and_town_filters_map_and_list(page: Any, base_url: str, api: httpx.Client) -> None:
    everything = api.get("/api/projects", params={"limit": "10000"}).json()["features"]
    with_alias = next(f["properties"] for f in everything if f["properties"]["aliases"])
    open_page(page, base_url + "/?lang=en")
    # an alias
    page.fill("#pm-search", with_alias["aliases"][0])
    wait_rows(page, "< 20")
    assert with_alias["slug"] in listed(page)
    assert page.evaluate("planmap.current.visibleCounts().total") == len(listed(page))
    assert "q=" in page.url
    # a town, in Chinese on the English page: the town's projects
    page.fill("#pm-search", "星子")
    in_xingzi = [f for f in everything if "xingzi" in f["properties"]["towns"]]
    wait_rows(page, f"=== {len(in_xingzi)}")
    # nothing found: said so, map empty
    page.fill("#pm-search", "no such project anywhere")
    page.wait_for_selector("#pm-list-state:has-text('No project matches these filters.')")
    assert page.evaluate("planmap.current.visibleCounts().total") == 0


def test_search_box_on_the_other_pages_opens_the_list(page: Any, base_url: str) -> None:
    open_page(page, base_url + "/dashboard")
    page.fill("#pm-search-jump", "抽水蓄能")
    page.locator(".pm-search-jump button").click()
    page.wait_for_selector("html[data-pm-ready='1']")
    assert urlparse(page.url).path == "/"
    assert page.input_value("#pm-search") == "抽水蓄能"
    assert "tanling-pumped-storage" in listed(page)


def test_crowded_town_seat_opens_as_a_named_list(page: Any, base_url: str, api: httpx.Client) -> None:
    features = town_features(api, "lianzhou")
    at_seat = [f for f in features if f["properties"]["location_precision"] == "town"]
    open_page(page, base_url + "/towns/lianzhou")
    # the biggest cluster on screen holds the town seat's crowd: one click lists its projects by name
    biggest = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('.pm-cluster-count')].map(e => +e.textContent))"""
    )
    page.locator(f".pm-cluster:has(.pm-cluster-count:text-is('{biggest}'))").click()
    popup = page.locator("#pm-here")
    popup.wait_for()
    names = popup.locator(".pm-here-list li a").all_inner_texts()
    assert len(names) == biggest
    assert {f["properties"]["name_zh"] for f in at_seat} <= set(names) or len(names) >= len(at_seat) * 0.9
    assert popup.locator(".pm-here-meta", has_text="仅知所在镇").count() >= len(at_seat) * 0.9
    shot(page, "town-seat-named-list")
    # by keyboard too: the cluster is a named button
    label = page.locator(".pm-cluster").first.get_attribute("title")
    assert label and "个项目" in label


def test_show_on_map_selects_and_the_link_reopens_it(page: Any, base_url: str, api: httpx.Client) -> None:
    features = town_features(api, "lianzhou")
    slug = next(f["properties"]["slug"] for f in features if f["properties"]["location_precision"] == "town")
    open_page(page, base_url + "/towns/lianzhou")
    page.locator(f"#pm-list-items .pm-list-item[data-slug='{slug}'] .pm-list-show").click()
    page.wait_for_selector(f".leaflet-popup .pm-popup[data-slug='{slug}']")
    assert parse_qs(urlparse(page.url).query)["project"] == [slug]
    assert page.locator(f".pm-list-item[data-slug='{slug}']").get_attribute("aria-current") == "true"
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_selector(f".leaflet-popup .pm-popup[data-slug='{slug}']", timeout=20_000)


def test_phone_list_under_the_map_fits_the_screen(phone: Any, base_url: str) -> None:
    open_page(phone, base_url + "/towns/lianzhou?lang=en")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box_map = phone.locator("#pm-map-wrap").bounding_box()
    box_list = phone.locator("#pm-list").bounding_box()
    assert box_list["y"] >= box_map["y"] + box_map["height"]  # under the map
    assert box_list["width"] <= 390
    button = phone.locator(".pm-list-show").first.bounding_box()
    assert button["height"] >= 24 and button["width"] >= 24  # a finger's target
    phone.locator("#pm-list").scroll_into_view_if_needed()
    shot(phone, "town-list-phone-en")
