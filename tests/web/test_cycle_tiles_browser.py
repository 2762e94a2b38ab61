"""The implementation cycle on a large catalog's map (vector tiles), shown for a past day, in Chromium.

The server runs with PLANMAP_MAP_VECTOR_TILES_ABOVE=0, as the vector-tile map tests do, so the seeded
catalog counts as large. The page shows 10 July 2025: the "no report" and "behind" checkboxes are there
and become the tile URL's `no_report`/`behind` (with the page's `as_of`); a click on a project shows its
progress, report and photo from /api/progress/projects as they stood that day, not the report filed after.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.support.browser import api, browser, needs_chromium, open_page, page, serve_world, shot
from tests.support.cycle import CycleWorld, jpeg, open_cycle_world

__all__ = ["api", "browser", "page"]  # fixtures, used by name
pytestmark = needs_chromium

AS_OF = "2025-07-10"  # June's reports were due by 5 July
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_cycle_tiles", map_vector_tiles_above=0)


def _lone_point(cycle: CycleWorld) -> dict[str, Any]:
    """A Xingzi project drawn as a point with nothing else within 300 m (a click finds it alone)."""
    fc = cycle.client.get("/api/projects", params={"town": "xingzi", "limit": 1000}).json()
    for f in fc["features"]:
        if f["geometry"]["type"] != "Point":
            continue
        lon, lat = f["geometry"]["coordinates"]
        near = cycle.client.get("/api/projects", params={"near": f"{lon},{lat}", "radius_m": "300", "limit": 2})
        if near.json()["numberMatched"] == 1:
            return dict(f)
    raise AssertionError("no lone point in Xingzi")


def _file(cycle: CycleWorld, slug: str, month: str, invested: str, pct: str, filed_at: str, **extra: Any) -> None:
    answer = cycle.report("official_xingzi", slug, month, invested, pct, **extra)
    assert answer.status_code == 201, answer.text
    cycle.sql("UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz) WHERE id = :id",
              at=filed_at, id=answer.json()["id"])  # fmt: skip


@pytest.fixture(scope="module")
def lone(cycle: CycleWorld) -> dict[str, Any]:
    """In the 2025 programme (1000 planned): May 200 and June 100 (35 %, with a photo) filed on time;
    July 500 (60 %) filed on 1 August, after the day the page shows. On 10 July: 300 / 1000 = 0.3 against
    181/365 = 0.4959 of the year: behind; June's report on time; progress 35 %."""
    feature = _lone_point(cycle)
    slug = feature["properties"]["slug"]
    body = {"class": "continuing", "planned_investment_cny_10k": "1000", "target": "主体完工"}
    put = cycle.client.put(f"/api/programmes/2025/items/{slug}", json=body, headers=cycle.auth("planner"))
    assert put.status_code == 200, put.text
    photo = cycle.client.post(f"/api/projects/{slug}/photos", headers=cycle.auth("official_xingzi"),
                              data={"caption": "六月 <b>现场</b>"},
                              files={"photo": ("p.jpg", jpeg((320, 240), colour="teal"), "image/jpeg")})  # fmt: skip
    assert photo.status_code == 201, photo.text
    _file(cycle, slug, "2025-05", "200", "20", "2025-06-02T10:00:00+08:00")
    _file(cycle, slug, "2025-06", "100", "35", "2025-07-03T10:00:00+08:00", photo_ids=[photo.json()["id"]])
    _file(cycle, slug, "2025-07", "500", "60", "2025-08-01T10:00:00+08:00")
    return feature


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld, lone: dict[str, Any]) -> Iterator[str]:
    with serve_world(cycle) as url:
        yield url


def _wait_for_tiles(pg: Any) -> None:
    pg.wait_for_function(
        "() => { const t = planmap.current.tiles; return t && t.layer && !t.layer._loading; }", timeout=15_000
    )
    pg.wait_for_timeout(200)


def _click(pg: Any, feature: dict[str, Any], zoom: int = 15) -> None:
    lon, lat = feature["geometry"]["coordinates"]
    xy = pg.evaluate(
        """([lon, lat, zoom]) => { const m = planmap.current.map; m.setView([lat, lon], zoom, {animate: false});
             const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat, zoom],
    )
    _wait_for_tiles(pg)
    pg.mouse.click(xy[0], xy[1])


def _tile_queries(urls: list[str]) -> list[dict[str, list[str]]]:
    return [parse_qs(urlparse(u).query) for u in urls if urlparse(u).path.startswith("/tiles/")]


def test_a_tile_maps_popup_shows_the_cycle_as_it_stood_on_the_day_shown(
    page: Any, base_url: str, lone: dict[str, Any]
) -> None:
    slug = lone["properties"]["slug"]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, f"{base_url}/towns/xingzi?as_of={AS_OF}")
    assert page.evaluate("document.documentElement.dataset.pmProjects") == "tiles"
    note = page.locator("#pm-cycle-note").inner_text()
    assert "2025-06 月报应于 2025-07-05" in note and AS_OF in note
    assert not [u for u in requests if urlparse(u).path == "/api/progress/projects"]  # nothing up front
    _click(page, lone)
    popup = page.locator(f".leaflet-popup .pm-popup[data-slug='{slug}']")
    popup.locator(".pm-popup-progress").wait_for(timeout=10_000)
    assert popup.locator(".pm-popup-progress").inner_text() == "35%（2025-06 月报）"  # not July's 60 %, filed later
    assert popup.locator(".pm-popup-report").get_attribute("data-report") == "on_time"
    assert popup.locator(".pm-popup-target").get_attribute("data-behind") == "true"
    assert popup.locator(".pm-popup-target").inner_text() == "落后：完成年度计划投资 30.0%，时间进度 49.6%"
    page.wait_for_function("() => document.querySelector('.pm-popup-photo img').naturalWidth > 0")
    assert popup.locator(".pm-popup-photo figcaption").inner_text() == "2025-06 · 六月 <b>现场</b>"
    asked = [parse_qs(urlparse(u).query) for u in requests if urlparse(u).path == "/api/progress/projects"]
    assert asked == [{"as_of": [AS_OF], "project": [slug]}]  # the clicked project alone, on the day shown
    shot(page, "cycle-tiles-popup-desktop")


def test_the_checkboxes_filter_the_tiles_as_the_api_filters_projects(
    page: Any, base_url: str, api: httpx.Client, lone: dict[str, Any]
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, f"{base_url}/towns/xingzi?as_of={AS_OF}")
    _wait_for_tiles(page)
    assert not any("behind" in q or "no_report" in q for q in _tile_queries(requests))
    before = len(requests)
    page.check("#pm-f-behind")
    _wait_for_tiles(page)
    after = _tile_queries(requests[before:])
    assert after, "checking a filter fetched no new tiles"
    assert all(q["behind"] == ["true"] and q["as_of"] == [AS_OF] and q["town"] == ["xingzi"] for q in after)
    assert parse_qs(urlparse(page.url).query)["behind"] == ["1"]  # a shared link keeps it
    behind = api.get("/api/projects", params={"town": "xingzi", "as_of": AS_OF, "behind": "true", "limit": 1000})
    assert lone["properties"]["slug"] in {f["properties"]["slug"] for f in behind.json()["features"]}
    # What the tiles draw is what the API lists: the same filter, so the clicked project is still found.
    _click(page, lone)
    page.locator(".leaflet-popup .pm-popup-progress").wait_for(timeout=10_000)
    _wait_for_tiles(page)  # the popup's auto-pan fetches tiles of its own, still with `behind` alone
    before = len(requests)
    page.check("#pm-f-no-report")
    _wait_for_tiles(page)
    # Tiles of the pan may still arrive late; those asked for after the check carry both filters, as does the layer.
    both = [q for q in _tile_queries(requests[before:]) if "no_report" in q]
    assert both, "checking 'no report' fetched no new tiles"
    assert all(q["no_report"] == ["true"] and q["behind"] == ["true"] for q in both)
    url = parse_qs(urlparse(page.evaluate("planmap.current.tiles.layer._url")).query)
    assert url["no_report"] == ["true"] and url["behind"] == ["true"]
    shot(page, "cycle-tiles-filters-desktop")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tile_maps_filters_on_a_phone(browser: Any, base_url: str, lone: dict[str, Any], lang: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        phone = context.new_page()
        phone.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        suffix = "&lang=en" if lang == "en" else ""
        open_page(phone, f"{base_url}/towns/xingzi?as_of={AS_OF}&behind=1{suffix}")
        assert phone.is_checked("#pm-f-behind") and not phone.is_checked("#pm-f-no-report")
        tiles = phone.evaluate("planmap.current.tiles.url()")
        assert "behind=true" in tiles and f"as_of={AS_OF}" in tiles
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        words = "Behind the year's target" if lang == "en" else "落后于年度目标"
        assert words in phone.locator("#pm-cycle-filters").inner_text()
        phone.locator("#pm-cycle-filters").scroll_into_view_if_needed()
        shot(phone, f"cycle-tiles-filters-phone-{lang}")
    finally:
        context.close()
