"""The map scripts in parts, in Chromium: each page registers only its own mode, and a page whose mode's
script did not arrive says so on the map instead of showing an empty county.

Driven by the `page` fixture of tests/support/browser.py (no internet, no script or CSP errors).
"""

from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import browser, needs_chromium, open_page, page, serve_app

__all__ = ["browser", "page"]  # fixtures, used by name
pytestmark = needs_chromium

PAGES = {
    "/": ["overview", "town"],
    "/towns/xingzi": ["overview", "town"],
    "/projects/tanling-pumped-storage": ["project"],
    "/near": ["near", "overview", "town"],
    "/dashboard": ["dashboard"],
}


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    with serve_app(create_app(settings.with_changes(tiles="none"))) as url:
        yield url


def test_each_page_registers_only_the_modes_of_its_scripts(page: Any, base_url: str) -> None:
    for path, modes in PAGES.items():
        open_page(page, base_url + path)
        assert page.evaluate("planmap.registeredModes()") == modes, path
        assert page.evaluate("planmap.current.cfg.mode") in modes, path
        assert page.get_attribute("html", "data-pm-error") is None, path


def test_a_page_whose_mode_script_is_missing_says_so_on_the_map(page: Any, base_url: str) -> None:
    # The dashboard's choropleth script arrives empty (a half-deployed upgrade, a proxy's error page).
    page.route("**/static/js/planmap_choropleth.js*", lambda r: r.fulfill(body="", content_type="text/javascript"))
    page.goto(base_url + "/dashboard?lang=en")
    page.wait_for_selector("html[data-pm-error]", timeout=20_000)
    assert page.get_attribute("html", "data-pm-error") == "no map mode dashboard (is its script loaded?)"
    status = page.locator("#pm-map-status")
    assert status.is_visible() and "no map mode dashboard" in status.inner_text()
    assert page.get_attribute("html", "data-pm-ready") is None
    # The failure is logged on purpose; it is the only problem the page had.
    errors = page.problems.console_errors
    assert len(errors) == 1 and "no map mode dashboard" in errors[0], errors
    errors.clear()
