"""Feedback on a phone, and its moderation, in Chromium (issue 18, item 6).

On a 390×844 touch screen, "mark the place" brings the map into view with the hint *on the map*, a
crosshair and a big "use crosshair" button; a tap on a project's line picks that place rather than
opening its popup. The moderator then sees Beijing time and a link that shows the place on a map.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import browser, log_in, needs_chromium, open_page, phone, serve_world, shot
from tests.support.editing import EditWorld, open_world

__all__ = ["browser", "phone"]  # fixtures, used by name
pytestmark = needs_chromium

LINE_PROJECT = "guangzhou-lianzhou-expressway"


@pytest.fixture(scope="module")
def fb() -> Iterator[EditWorld]:
    with open_world("planmap_browser_phone_feedback", feedback_per_hour=100) as w:
        yield w


@pytest.fixture(scope="module")
def base_url(fb: EditWorld) -> Iterator[str]:
    with serve_world(fb) as url:
        yield url


def a_line_project(fb: EditWorld) -> str:
    features = fb.client.get("/api/projects", params={"limit": "10000"}).json()["features"]
    slug: str = next(f["id"] for f in features if f["geometry"]["type"] == "LineString")
    return slug


def test_marking_the_place_on_a_phone(phone: Any, base_url: str, fb: EditWorld) -> None:
    slug = a_line_project(fb)
    open_page(phone, f"{base_url}/projects/{slug}")
    phone.locator("#pm-feedback-pick").scroll_into_view_if_needed()
    phone.locator("#pm-feedback-pick").tap()
    # the hint is on the map, which is on screen, with the crosshair and its button
    status = phone.locator("#pm-map-status")
    assert status.is_visible() and "十字准星" in status.inner_text()
    box = phone.locator("#pm-map-wrap").bounding_box()
    assert box["y"] < 844 and box["y"] + box["height"] > 0
    use = phone.locator("#pm-feedback-use-centre")
    assert use.is_visible() and use.bounding_box()["height"] >= 44
    shot(phone, "feedback-pick-phone")
    # a tap on the project's line picks that place (the line's popup does not take the tap)
    point = phone.evaluate(
        """() => { const pm = planmap.current, shape = pm.entries[0].shape.getLayers()[0];
             const ll = shape.getLatLngs()[Math.floor(shape.getLatLngs().length / 2)];
             pm.map.setView(ll, pm.map.getZoom(), {animate: false});
             const p = pm.map.latLngToContainerPoint(ll), r = pm.map.getContainer().getBoundingClientRect();
             return [p.x + r.left, p.y + r.top]; }"""
    )
    phone.mouse.click(point[0], point[1])
    phone.wait_for_selector("#pm-feedback-clear:not([hidden])")
    phone.wait_for_timeout(700)
    assert phone.locator(".leaflet-popup").count() == 0, phone.locator(".leaflet-popup").inner_html()
    assert "位置" in phone.locator("#pm-feedback-place").inner_text()
    assert phone.locator("#pm-feedback-use-centre").count() == 0  # picking ended
    # or the crosshair: pan, then press the button
    phone.locator("#pm-feedback-pick").tap()
    centre = phone.evaluate("() => planmap.current.toWgs(planmap.current.map.getCenter())")
    phone.locator("#pm-feedback-use-centre").tap()
    shown = phone.locator("#pm-feedback-place").inner_text()
    assert f"{centre[0]:.5f}" in shown and f"{centre[1]:.5f}" in shown
    phone.fill("#pm-feedback-text", "这里路面坑洼，下雨积水。")
    phone.locator("#pm-feedback-send").tap()
    phone.wait_for_selector("html[data-pm-feedback-sent]")


def test_the_moderator_sees_beijing_time_and_the_place_on_a_map(phone: Any, base_url: str, fb: EditWorld) -> None:
    slug = a_line_project(fb)
    sent = fb.client.post(
        f"/api/projects/{slug}/feedback",
        json={"text": "桥头的护栏坏了", "point": {"type": "Point", "coordinates": [112.38, 24.78]}},
    )
    assert sent.status_code in (201, 202), sent.text
    created = sent.json().get("created_at")
    log_in(phone, base_url, "planner", "/moderation")
    item = phone.locator(".pm-moderation-item", has_text="桥头的护栏坏了")
    meta = item.locator(".pm-feedback-meta").inner_text()
    assert "北京时间" in meta and "UTC" not in meta
    if created:  # the API's UTC moment, shown eight hours later on Lianzhou's clock
        assert item.locator("time").get_attribute("datetime") == created
    link = item.locator("a.pm-feedback-map-link")
    assert link.get_attribute("href") == "/near?near=112.38000,24.78000&radius_m=1000"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "moderation-phone")
    link.tap()
    phone.wait_for_selector("html[data-pm-near-ready='1']")
    assert phone.evaluate("planmap.current.near.place.slice(0, 2)") == [112.38, 24.78]
