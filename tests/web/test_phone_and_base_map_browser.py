"""Phones and intranets, in Chromium (issue 18, items 5, 7 and 9).

- 5: the default base map is the one that works without internet, the page says which base map is
  configured, and configured tiles that cannot load fall back to the outlines with a visible note;
- 7: one viewport tag, which lets a reader pinch-zoom;
- 9: no page is wider than a 390 px phone, and the dashboard's town table shows every column at 1366 px.
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

PAGES = ["/", "/towns/lianzhou", "/projects/tanling-pumped-storage", "/near?town=lianzhou", "/dashboard"]


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    with serve_app(create_app(settings.model_copy(update={"tiles": "none"}))) as url:
        yield url


def test_the_default_base_map_needs_no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANMAP_TILES", raising=False)
    assert Settings(_env_file=None).tiles == "none"  # type: ignore[call-arg]


def test_the_page_names_its_base_map(page: Any, base_url: str) -> None:
    open_page(page, base_url + "/")
    note = page.locator("#pm-basemap-note")
    assert note.get_attribute("data-basemap") == "none"
    assert "不需连接互联网" in note.inner_text()
    assert page.locator("#pm-tiles-failed").is_hidden()
    open_page(page, base_url + "/dashboard?lang=en")
    assert "no internet needed" in page.locator("#pm-basemap-note").inner_text()


def test_tiles_that_cannot_load_fall_back_and_say_so(page: Any, settings: Settings, first_seed: SeedResult) -> None:
    """PLANMAP_TILES=osm on a machine with no internet (the fixture aborts every outside request)."""
    with serve_app(create_app(settings.model_copy(update={"tiles": "osm"}))) as url:
        open_page(page, url + "/?lang=en")
        assert "OpenStreetMap (needs internet access)" in page.locator("#pm-basemap-note").inner_text()
        page.wait_for_selector("#pm-tiles-failed:not([hidden])", timeout=15_000)
        assert "could not be loaded" in page.locator("#pm-tiles-failed").inner_text()
        assert page.get_attribute("html", "data-pm-tiles-failed") == "1"
        assert page.locator(".leaflet-tile").count() == 0  # no grey squares left
        assert "pm-notiles" in (page.get_attribute("body", "class") or "")
        requested = len(page.problems.blocked)
        page.wait_for_timeout(500)
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(500)
        assert len(page.problems.blocked) == requested  # it stopped asking the unreachable server
        shot(page, "tiles-failed-fallback")
    # What the fixture recorded was the tiles it tried, and nothing else.
    assert page.problems.blocked and all("tile.openstreetmap.org" in u for u in page.problems.blocked)
    page.problems.blocked.clear()
    page.problems.failed_local[:] = [f for f in page.problems.failed_local if "openstreetmap" not in f]
    page.problems.console_errors[:] = [e for e in page.problems.console_errors if "ERR_FAILED" not in e]


@pytest.mark.parametrize("path", PAGES)
def test_one_viewport_tag_that_allows_pinch_zoom(page: Any, base_url: str, path: str) -> None:
    open_page(page, base_url + path)
    tags = page.eval_on_selector_all("meta[name='viewport']", "els => els.map(e => e.content)")
    assert tags == ["width=device-width, initial-scale=1"]
    assert page.locator("meta[name='description']").get_attribute("content")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_is_wider_than_a_phone(phone: Any, base_url: str, lang: str) -> None:
    for path in PAGES:
        url = base_url + path + (("&" if "?" in path else "?") + "lang=en" if lang == "en" else "")
        open_page(phone, url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, url
        phone.evaluate("() => document.fonts.ready.then(() => true)")  # leave no icon font half-loaded
    open_page(phone, base_url + "/projects/tanling-pumped-storage?lang=en")
    phone.locator("#pm-tracking").scroll_into_view_if_needed()
    shot(phone, f"project-tables-phone-{lang}")


def test_the_dashboard_town_table_shows_every_column_on_a_laptop(page: Any, base_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    for lang in ("zh", "en"):
        open_page(page, base_url + f"/dashboard?lang={lang}")
        box = page.locator("#pm-by-town").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
        assert box[0] <= box[1], lang


def test_a_project_page_prints_as_a_record(page: Any, base_url: str) -> None:
    open_page(page, base_url + "/projects/tanling-pumped-storage")
    page.emulate_media(media="print")
    for hidden in (".pm-top", ".pm-search-form", ".pm-as-of", ".leaflet-control-container"):
        assert page.locator(hidden).first.is_hidden(), hidden
    for shown in ("#pm-project-name", "#pm-map-wrap", ".pm-quote", "#pm-location-note"):
        assert page.locator(shown).first.is_visible(), shown
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
