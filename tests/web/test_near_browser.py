"""The near-me page's distances, in Chromium (issue 18, item 3): each distance says what it measures.

Projects known only by their town are placed at its seat; their distance is to that seat and says so,
in a group of their own after the projects whose location is known (approximate ones marked "≈").
Nothing is numbered, so no "10." is clipped on a phone. Desktop and phone, Chinese and English.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import browser, needs_chromium, page, phone, serve_app, shot

__all__ = ["browser", "page", "phone"]  # fixtures, used by name
pytestmark = needs_chromium

# Lianzhou's town seat: the crowd of town-only projects sits exactly here.
NEAR_SEAT = "/near?town=lianzhou&radius_m=5000"


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    with serve_app(create_app(settings.model_copy(update={"tiles": "none"}))) as url:
        yield url


def open_near(pg: Any, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector("html[data-pm-near-ready='1']", timeout=20_000)


def test_town_only_distances_say_they_are_to_the_town_seat(page: Any, base_url: str, api: httpx.Client) -> None:
    open_near(page, base_url + NEAR_SEAT)
    town = page.locator("#pm-near-list li[data-group='town']")
    known = page.locator("#pm-near-list li[data-group='known']")
    assert town.locator("h3").inner_text() == "只知所在镇的项目（距离仅为到镇政府驻地）"
    rows = town.locator("li[data-slug]")
    assert rows.count() > 10
    for text in rows.all_inner_texts()[:5]:
        assert "到连州镇镇政府驻地（项目实际位置未知）" in text
    assert page.locator("#pm-near-list li[data-group='town'] li[data-precision='town']").count() == rows.count()
    # the known-location group comes first and holds no town-only project
    assert known.locator("li[data-precision='town']").count() == 0
    first_group = page.locator("#pm-near-list > li").first.get_attribute("data-group")
    assert first_group == "known"
    # approximate sites are marked as such
    for row in known.locator("li[data-precision='approximate']").all()[:3]:
        assert row.locator(".pm-near-distance").inner_text().startswith("≈ ")
    # the summary splits the count the same way
    summary = page.locator("#pm-near-summary").inner_text()
    assert f"{rows.count()} 个只知所在镇" in summary
    # no numbered list anywhere
    assert page.locator("#pm-near-list ol, ol#pm-near-list").count() == 0
    # the feedback form's choice says it too
    options = page.locator("#pm-feedback-project option").all_inner_texts()
    assert any(o.endswith("(仅知所在镇)") for o in options)
    shot(page, "near-seat-zh")


def test_phone_english_nothing_clipped(phone: Any, base_url: str) -> None:
    open_near(phone, base_url + NEAR_SEAT + "&lang=en")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    town = phone.locator("#pm-near-list li[data-group='town']")
    assert "distance to the town seat only" in town.locator("h3").inner_text()
    assert "to the seat of Lianzhou" in town.locator("li[data-slug]").first.inner_text()
    # every row's text starts inside the screen (no marker or number hanging off the left edge)
    lefts = phone.eval_on_selector_all(
        "#pm-near-list li[data-slug]", "els => els.map(e => e.getBoundingClientRect().left)"
    )
    assert min(lefts) >= 0
    phone.locator("#pm-near-list").scroll_into_view_if_needed()
    shot(phone, "near-seat-phone-en")
