"""The overview and town maps of a large catalog, in a real browser: projects drawn from vector tiles.

The server runs with PLANMAP_MAP_VECTOR_TILES_ABOVE=0, so the seeded catalog counts as large and
the pages take the path a province's catalog would: Leaflet.VectorGrid draws /tiles/… on canvas,
the layer control's counts come from /api/stats/facets, switches become tile filters, and a click
lists what lies under it. The page must never download the whole catalog as GeoJSON.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import open_page, serve_app, shot

pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    """A real server whose maps treat any catalog as large; no base tiles (there is no internet)."""
    app = create_app(settings.with_changes(tiles="none", map_vector_tiles_above=0))
    with serve_app(app) as url:
        yield url


def _record_requests(pg: Any) -> list[str]:
    seen: list[str] = []
    pg.on("request", lambda r: seen.append(r.url))
    return seen


def _tile_requests(urls: list[str]) -> list[str]:
    return [u for u in urls if urlparse(u).path.startswith("/tiles/")]


def _layer_counts(pg: Any, kind: str) -> dict[str, int]:
    counts: dict[str, int] = pg.evaluate(
        """(kind) => Object.fromEntries([...document.querySelectorAll(`#pm-layers li[data-kind='${kind}']`)]
             .map(li => [li.dataset.code, parseInt(li.querySelector('.pm-layer-count').textContent, 10)])
             .filter(([, n]) => n > 0))""",
        kind,
    )
    return counts


def _screen_point(pg: Any, lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Centre the map on lon/lat at `zoom` and return that spot's position on the page."""
    xy: list[float] = pg.evaluate(
        """([lon, lat, zoom]) => { const m = planmap.current.map; m.setView([lat, lon], zoom, {animate: false});
             const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat, zoom],
    )
    return xy[0], xy[1]


def _wait_for_tiles(pg: Any) -> None:
    pg.wait_for_function(
        "() => { const t = planmap.current.tiles; return t && t.layer && !t.layer._loading; }", timeout=15_000
    )
    pg.wait_for_timeout(200)


def test_the_overview_draws_tiles_never_the_whole_catalog(page: Any, base_url: str, api: httpx.Client) -> None:
    requests = _record_requests(page)
    open_page(page, base_url + "/")
    _wait_for_tiles(page)
    assert page.evaluate("document.documentElement.dataset.pmProjects") == "tiles"
    tiles = _tile_requests(requests)
    assert tiles, "no vector tile was requested"
    assert not [u for u in requests if urlparse(u).path == "/api/projects"], "the page downloaded the catalog"
    # Canvas tiles in the projects' pane, with something painted on them.
    painted = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-pm-project-tiles-pane canvas')].filter(c => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; }).length"""
    )
    assert painted > 0, "no tile canvas has anything drawn on it"
    facets = api.get("/api/stats/facets").json()
    assert _layer_counts(page, "status") == facets["status"]
    assert _layer_counts(page, "category") == facets["category"]
    note = page.text_content("#pm-tiles-mode-note") or ""
    assert str(facets["total"]) in note
    shot(page, "vector-tiles-overview")


def test_switching_a_status_off_asks_for_tiles_without_it(page: Any, base_url: str, api: httpx.Client) -> None:
    requests = _record_requests(page)
    open_page(page, base_url + "/")
    _wait_for_tiles(page)
    before = len(requests)
    page.click("#pm-layers li[data-kind='status'][data-code='under_construction'] input")
    _wait_for_tiles(page)
    after = _tile_requests(requests[before:])
    assert after, "switching a status off fetched no new tiles"
    statuses = {tuple(sorted(parse_qs(urlparse(u).query).get("status", []))) for u in after}
    expected = tuple(sorted(s for s in api.get("/api/stats/facets").json()["status"] if s != "under_construction"))
    assert len(statuses) == 1
    assert set(statuses.pop()) >= set(expected)
    assert "under_construction" not in {s for u in after for s in parse_qs(urlparse(u).query).get("status", [])}
    # Everything off in one section: the layer goes, nothing is drawn, nothing is fetched.
    page.click("#pm-layers details[data-kind='status'] .pm-none")
    assert page.evaluate("planmap.current.map.hasLayer(planmap.current.tiles.layer)") is False


def test_a_click_on_a_crowded_town_seat_lists_every_project_there(page: Any, base_url: str, api: httpx.Client) -> None:
    """Projects known only by their town sit on the town seat together; the popup lists them all."""
    fc = api.get("/api/projects", params={"town": "lianzhou", "limit": 1000}).json()
    seat = next(
        f["geometry"]["coordinates"]
        for f in fc["features"]
        if f["geometry"]["type"] == "Point" and f["properties"]["location_precision"] == "town"
    )
    open_page(page, base_url + "/")
    x, y = _screen_point(page, seat[0], seat[1], 14)
    _wait_for_tiles(page)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup .pm-here", timeout=10_000)
    listed = page.eval_on_selector_all(".pm-here-list li", "els => els.map(e => e.dataset.slug)")

    def around(radius_m: int) -> list[str]:
        params = {"near": f"{seat[0]},{seat[1]}", "radius_m": str(radius_m), "limit": 1000}
        return [f["properties"]["slug"] for f in api.get("/api/projects", params=params).json()["features"]]

    at_seat = around(1)
    assert len(at_seat) > 1
    count = int(page.get_attribute(".pm-here", "data-count"))
    assert count >= len(at_seat)  # the whole crowd is counted…
    assert str(count) in (page.text_content(".pm-here .pm-popup-title") or "")
    assert set(listed) <= set(around(200))  # …what lies under the click is listed…
    if count > len(listed):  # …and when the list is cut, it says so
        assert len(listed) == 50
        assert page.is_visible(".pm-here .pm-legend-note")
    else:
        assert set(at_seat) <= set(listed)
    shot(page, "vector-tiles-town-seat-popup")


def _lone_point(api: httpx.Client) -> dict[str, Any]:
    """A project drawn as a point with nothing else within 300 m."""
    fc = api.get("/api/projects", params={"limit": 1000}).json()
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]

    def alone(f: dict[str, Any]) -> bool:
        lon, lat = f["geometry"]["coordinates"]
        near = api.get("/api/projects", params={"near": f"{lon},{lat}", "radius_m": "300", "limit": 2}).json()
        return bool(near["numberMatched"] == 1)

    return next(f for f in points if alone(f))


def test_a_click_on_a_lone_project_shows_its_full_popup(page: Any, base_url: str, api: httpx.Client) -> None:
    lone = _lone_point(api)
    props = lone["properties"]
    open_page(page, base_url + "/")
    x, y = _screen_point(page, *lone["geometry"]["coordinates"], 15)
    _wait_for_tiles(page)
    page.mouse.click(x, y)
    page.wait_for_selector(f".leaflet-popup .pm-popup[data-slug='{props['slug']}'] blockquote", timeout=10_000)
    assert page.text_content(".leaflet-popup blockquote") == props["source_quote"]  # the plan's own sentence
    assert page.get_attribute(".leaflet-popup .pm-popup-link", "href").startswith(f"/projects/{props['slug']}")


def test_on_gcj02_base_maps_the_tiles_move_with_the_markers(page: Any, base_url: str, api: httpx.Client) -> None:
    """AMap's tiles are in GCJ-02: the tiled project must be drawn, and clickable, where its marker would be."""
    lone = _lone_point(api)
    lon, lat = lone["geometry"]["coordinates"]
    open_page(page, base_url + "/")
    x, y = _screen_point(page, lon, lat, 15)
    page.evaluate("() => { const pm = planmap.current; pm.gcj = true; pm.tiles.alignToGcj(); }")
    shifted = page.evaluate(
        """([lon, lat]) => { const m = planmap.current.map; const p = m.latLngToContainerPoint(
             planmap.current.latLng(lon, lat)); const r = m.getContainer().getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat],
    )
    assert abs(shifted[0] - x) + abs(shifted[1] - y) > 50  # about 600 m: far more than a click's tolerance
    _wait_for_tiles(page)
    page.mouse.click(*shifted)
    slug = lone["properties"]["slug"]
    page.wait_for_selector(f".leaflet-popup .pm-popup[data-slug='{slug}'] blockquote", timeout=10_000)


def test_the_town_map_asks_only_for_its_town(page: Any, base_url: str, api: httpx.Client) -> None:
    requests = _record_requests(page)
    open_page(page, base_url + "/towns/xingzi")
    _wait_for_tiles(page)
    tiles = _tile_requests(requests)
    assert tiles and all(parse_qs(urlparse(u).query).get("town") == ["xingzi"] for u in tiles)
    assert _layer_counts(page, "status") == api.get("/api/stats/facets", params={"town": "xingzi"}).json()["status"]


def test_colour_by_warnings_repaints_the_tiles(page: Any, base_url: str) -> None:
    open_page(page, base_url + "/?colour=warnings")
    _wait_for_tiles(page)
    assert page.evaluate("document.documentElement.dataset.pmColour || planmap.current.colorBy") == "warnings"
    colour = page.evaluate(
        """() => { const pm = planmap.current; return pm.tiles.style({status: 'planned', rag: 'red', dim: 0,
             precision: 'surveyed', warnings: 'late_completion'}, 12).fillColor === pm.cfg.ragColors.red; }"""
    )
    assert colour is True
    page.click("input[name='pm-colour-by'][value='status']")
    _wait_for_tiles(page)
    by_status = page.evaluate(
        """() => { const pm = planmap.current; return pm.tiles.style({status: 'planned', rag: 'red', dim: 0,
             precision: 'surveyed', warnings: ''}, 12).fillColor === pm.status('planned').color; }"""
    )
    assert by_status is True


def test_at_low_zoom_a_crowded_seat_is_one_counted_disc_and_a_click_zooms_in(
    page: Any, base_url: str, api: httpx.Client
) -> None:
    """Up to z=10 the tiles count crowds into grid cells: a disc with its number, which a click zooms into."""
    fc = api.get("/api/projects", params={"town": "lianzhou", "limit": 1000}).json()
    seat = next(
        f["geometry"]["coordinates"]
        for f in fc["features"]
        if f["geometry"]["type"] == "Point" and f["properties"]["location_precision"] == "town"
    )
    open_page(page, base_url + "/")
    _wait_for_tiles(page)
    x, y = _screen_point(page, seat[0], seat[1], 9)
    _wait_for_tiles(page)
    # The cell's disc, in the cluster colour, where the seat's crowd would otherwise be one dot on another.
    discs = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-pm-project-tiles-pane canvas')].reduce((n, c) => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let k = 0;
             for (let i = 0; i < d.length; i += 4) { if (d[i] === 0x2c && d[i + 1] === 0x3e && d[i + 2] === 0x50) k++; }
             return n + k; }, 0)"""
    )
    assert discs > 0, "no counted disc was drawn"
    shot(page, "vector-tiles-grid-z9")
    # The disc sits at the centre of the 32-pixel cell holding the seat.
    cx, cy = page.evaluate(
        """([lon, lat]) => { const m = planmap.current.map; const p = m.project([lat, lon], 9);
             const c = L.point((Math.floor(p.x / 32) + 0.5) * 32, (Math.floor(p.y / 32) + 0.5) * 32);
             const q = m.latLngToContainerPoint(m.unproject(c, 9)); const r = m.getContainer().getBoundingClientRect();
             return [r.left + q.x, r.top + q.y]; }""",
        seat,
    )
    assert abs(cx - x) <= 23 and abs(cy - y) <= 23
    page.mouse.click(cx, cy)
    page.wait_for_function("() => planmap.current.map.getZoom() === 11", timeout=10_000)
    assert page.locator(".leaflet-popup").count() == 0  # a cell is not a project: no popup, a closer look
