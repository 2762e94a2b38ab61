"""The map pages in a real browser: Debian's Chromium, driven by Playwright, with no network.

A real uvicorn server runs on the session's test database with tiles off. Every request
that is not to 127.0.0.1 is aborted *and recorded*, so a page that still reaches for a CDN
fails its test; so does any JavaScript error, console error or failed local request (the
`page` fixture of tests/support/browser.py, shared with the other browser tests).
Screenshots land in tests/artifacts/ (gitignored) for a person to look at.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app
from tests.support.browser import XSS, drawn, needs_chromium, open_page, serve_app, shot

XSS_SLUG = "zz-browser-test-xss-probe"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(settings: Settings, first_seed: SeedResult) -> Iterator[str]:
    """A real server in a thread, tiles off, on the test database."""
    with serve_app(create_app(settings.with_changes(tiles="none"))) as url:
        yield url


def api_counts(api: httpx.Client, **params: str) -> tuple[dict[str, int], dict[str, int], int]:
    """Per status: all projects, and those drawn as lines/areas; plus the total."""
    fc = api.get("/api/projects", params={"limit": "10000", **params}).json()
    by_status: dict[str, int] = {}
    shapes: dict[str, int] = {}
    for f in fc["features"]:
        status = f["properties"]["status"]
        by_status[status] = by_status.get(status, 0) + 1
        if f["geometry"]["type"] not in ("Point", "MultiPoint"):
            shapes[status] = shapes.get(status, 0) + 1
    return by_status, shapes, len(fc["features"])


def test_overview_draws_every_project_by_status(page: Any, base_url: str, api: httpx.Client) -> None:
    by_status, shapes, total = api_counts(api)
    open_page(page, base_url + "/")
    shot(page, "overview-zh")
    seen = drawn(page)
    assert seen["js"]["total"] == total
    assert seen["js"]["byStatus"] == by_status
    assert seen["domMarkers"] == total  # every project has exactly one marker, alone or in a cluster
    assert seen["shapes"] == shapes
    # legend: one swatch per status with the count from the database
    for status, n in by_status.items():
        row = page.locator(f"#pm-layers li[data-kind='status'][data-code='{status}']")
        assert row.locator(".pm-layer-count").inner_text() == str(n)
    # the base map is readable without tiles: county and 12 town outlines, town names
    assert page.locator("path.pm-county").count() == 1
    assert page.locator("path.pm-town").count() == 12
    assert page.locator(".pm-town-label").count() == 12
    assert page.locator(".leaflet-tile").count() == 0


def test_overview_per_status_from_the_dom(page: Any, base_url: str, api: httpx.Client) -> None:
    """Show one status at a time and count what the DOM shows (clusters mix statuses)."""
    by_status, shapes, _ = api_counts(api)
    open_page(page, base_url + "/")
    page.locator("#pm-layers details[data-kind='status'] button.pm-none").click()
    assert drawn(page)["domMarkers"] == 0
    for status, n in by_status.items():
        box = page.locator(f"#pm-layers input[data-kind='status'][data-code='{status}']")
        box.check()
        page.wait_for_timeout(100)
        seen = drawn(page)
        assert seen["domMarkers"] == n, status
        assert seen["shapes"].get(status, 0) == shapes.get(status, 0)
        box.uncheck()


def test_toggling_layers_changes_what_is_drawn(page: Any, base_url: str, api: httpx.Client) -> None:
    by_status, _, total = api_counts(api)
    open_page(page, base_url + "/")
    page.locator("#pm-layers input[data-kind='status'][data-code='under_construction']").uncheck()
    seen = drawn(page)
    assert seen["js"]["total"] == total - by_status["under_construction"]
    assert seen["domMarkers"] == total - by_status["under_construction"]
    assert "under_construction" not in seen["shapes"]
    page.locator("#pm-layers input[data-kind='status'][data-code='under_construction']").check()
    assert drawn(page)["domMarkers"] == total
    # a category: roads off
    roads = api.get("/api/projects", params={"category": "road", "limit": "10000"}).json()["numberMatched"]
    assert roads > 0
    page.locator("#pm-layers details[data-kind='category'] > summary").click()
    page.locator("#pm-layers input[data-kind='category'][data-code='road']").uncheck()
    assert drawn(page)["js"]["total"] == total - roads
    shot(page, "overview-roads-off")
    # base layers: hiding town areas removes their outlines
    # The base section is opened and its box clicked from the page's side: under the full suite's load, real
    # mouse clicks this far down the grown panel were lost twice in four runs (the clicks above are real).
    page.locator("#pm-layers details[data-kind='base']").evaluate("d => { d.open = true; }")
    towns = page.locator("#pm-layers input[data-kind='base'][data-code='towns']")
    towns.evaluate("box => box.click()")
    assert not towns.is_checked()
    assert page.locator("path.pm-town").count() == 0


def test_crowded_town_seat_is_reachable(page: Any, base_url: str, api: httpx.Client) -> None:
    """Dozens of projects sit exactly on one town seat: clicking the cluster must fan them out."""
    open_page(page, base_url + "/")
    slug = page.evaluate(
        """() => new Promise(resolve => {
          const pm = planmap.current;
          const e = pm.entries.find(e => e.props.location_precision === 'town' && e.props.towns[0] === 'lianzhou');
          pm.cluster.zoomToShowLayer(e.marker, () => { e.marker.openPopup(); resolve(e.props.slug); });
        })"""
    )
    page.wait_for_selector(f".leaflet-popup .pm-popup[data-slug='{slug}']")
    assert page.locator(".leaflet-marker-pane .pm-pin").count() > 10  # spiderfied: individual markers
    shot(page, "overview-spiderfied")
    link = page.locator(".leaflet-popup a.pm-popup-link")
    assert link.get_attribute("href") == f"/projects/{slug}"


def test_english_labels(page: Any, base_url: str) -> None:
    open_page(page, base_url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "在建" in page.locator("#pm-layers").inner_text()
    page.locator("#pm-lang-switch").click()
    page.wait_for_selector("html[data-pm-ready='1']")
    assert page.url.endswith("/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    layers = page.locator("#pm-layers").inner_text()
    assert "Under construction" in layers and "在建" not in layers
    assert page.locator("nav.pm-nav").inner_text().startswith("Overview")
    assert "Xingzi" in page.locator(".pm-town-label").all_inner_texts()[0] or any(
        "Xingzi" in t for t in page.locator(".pm-town-label").all_inner_texts()
    )
    # popups are translated too
    page.evaluate(
        """() => new Promise(resolve => {
          const e = planmap.current.entries.find(e => e.props.slug === 'tanling-pumped-storage');
          planmap.current.cluster.zoomToShowLayer(e.marker, () => { e.marker.openPopup(); resolve(); });
        })"""
    )
    popup = page.locator(".leaflet-popup .pm-popup").inner_text()
    assert "Status" in popup and "Location precision" in popup and "Details" in popup
    shot(page, "overview-en-popup")
    # links keep the language
    assert page.locator(".leaflet-popup a.pm-popup-link").get_attribute("href").endswith("?lang=en")
    page.locator("#pm-lang-switch").click()
    page.wait_for_selector("html[data-pm-ready='1']")
    assert "lang=" not in page.url


def test_town_page(page: Any, base_url: str, api: httpx.Client) -> None:
    by_status, _, total = api_counts(api, town="xingzi")
    open_page(page, base_url + "/towns/xingzi")
    shot(page, "town-xingzi")
    seen = drawn(page)
    assert seen["js"]["byStatus"] == by_status
    assert seen["js"]["total"] == total
    for status, n in by_status.items():
        assert page.locator(f"#pm-town-counts tr[data-status='{status}'] td").inner_text() == str(n)
    assert page.locator("#pm-town-total").inner_text() == str(total)
    assert page.locator("path.pm-town-xingzi").count() == 1
    # zoomed to the town: its seat is inside the view, the whole county is not
    in_view = page.evaluate(
        """() => {
          const pm = planmap.current;
          const b = pm.map.getBounds();
          const town = pm.towns.getLayers().find(l => l.feature.properties.slug === 'xingzi');
          return [b.contains(town.getBounds().getCenter()), b.contains(pm.county.getBounds())];
        }"""
    )
    assert in_view == [True, False]


def test_unknown_town_is_a_404_page(page: Any, base_url: str) -> None:
    page.problems.expected_404 = True
    response = page.goto(base_url + "/towns/no-such-town?lang=en")
    assert response.status == 404
    assert "Not found" in page.locator("h1").inner_text()


def test_project_page_says_how_approximate_it_is(page: Any, base_url: str, api: httpx.Client) -> None:
    fc = api.get("/api/projects", params={"limit": "10000"}).json()
    town_only = next(f for f in fc["features"] if f["properties"]["location_precision"] == "town")
    line = next(f for f in fc["features"] if f["geometry"]["type"] == "LineString")
    for feature, name in ((town_only, "project-town-precision"), (line, "project-line")):
        props = feature["properties"]
        open_page(page, f"{base_url}/projects/{props['slug']}")
        assert page.locator("h1").inner_text() == props["name_zh"]
        warning = page.locator("#pm-precision-warning").inner_text()
        assert ("镇政府驻地" in warning) if props["location_precision"] == "town" else ("估计" in warning)
        props_text = page.locator("#pm-props").inner_text()
        assert props["source_quote"] in props_text
        assert props["location_note_zh"] in props_text  # the Chinese page gives the Chinese note
        assert props["plan_chapter"] in props_text
        assert page.evaluate("planmap.current.visibleCounts().total") == 1
        if feature["geometry"]["type"] != "Point":
            assert page.locator("path.pm-shape").count() == 1
        shot(page, name)
    open_page(page, f"{base_url}/projects/{line['properties']['slug']}?lang=en")
    assert "estimate" in page.locator("#pm-precision-warning").inner_text()
    assert page.locator("h1").inner_text() == line["properties"]["name_en"]
    assert line["properties"]["location_note"] in page.locator("#pm-props").inner_text()


def test_a_town_chosen_while_the_near_map_still_loads_is_searched(page: Any, base_url: str) -> None:
    """A reader on a slow line picks a town before the county outline has arrived: the choice is kept and
    searched once the map is drawn (it was lost: the page listened only after the outline came)."""
    held: list[Any] = []
    page.route("**/api/county*", lambda route: held.append(route))
    page.goto(base_url + "/near")
    page.wait_for_function("() => document.querySelector('#pm-near-town option[value=xingzi]') !== null")
    while not held:
        page.wait_for_timeout(50)
    page.select_option("#pm-near-town", "xingzi")
    assert page.get_attribute("html", "data-pm-ready") is None  # the outline is still on its way
    held[0].continue_()
    page.wait_for_selector("html[data-pm-near-ready='1']")
    page.unroute("**/api/county*")
    assert "town=xingzi" in page.url
    assert page.locator("#pm-near-subscribe[data-ready='yes']").count() == 1


def test_near_page_lists_projects_by_distance(page: Any, base_url: str, api: httpx.Client) -> None:
    open_page(page, base_url + "/near")
    page.select_option("#pm-near-radius", "10000")
    page.select_option("#pm-near-town", "xingzi")
    page.wait_for_selector("html[data-pm-near-ready='1']")
    items = page.locator("#pm-near-list li[data-slug]")
    distances = [float(d) for d in items.evaluate_all("els => els.map(e => e.dataset.distance)")]
    assert distances, "no project within 10 km of Xingzi"
    for group in (
        "known",
        "town",
    ):  # nearest first within each group (what the distances mean: tests/web/test_near_browser.py)
        in_group = page.locator(f"#pm-near-list li[data-group='{group}'] li[data-slug]")
        ds = [float(d) for d in in_group.evaluate_all("els => els.map(e => e.dataset.distance)")]
        assert ds == sorted(ds), group
    seat = next(
        f["properties"]["seat"]["coordinates"]
        for f in api.get("/api/towns").json()["features"]
        if f["properties"]["slug"] == "xingzi"
    )
    expected = api.get(
        "/api/projects", params={"near": f"{seat[0]:.6f},{seat[1]:.6f}", "radius_m": "10000", "limit": "10000"}
    ).json()
    assert sorted(items.evaluate_all("els => els.map(e => e.dataset.slug)")) == sorted(
        f["properties"]["slug"] for f in expected["features"]
    )
    assert page.evaluate("planmap.current.visibleCounts().total") == len(distances)
    assert "km" in items.first.inner_text() or "米" in items.first.inner_text() or "公里" in items.first.inner_text()
    assert "town=xingzi" in page.url and "radius_m=10000" in page.url
    shot(page, "near-xingzi")
    # a click on the map searches around that point instead
    page.locator(".folium-map").click(position={"x": 200, "y": 200})
    page.wait_for_selector("html[data-pm-near-ready='1']")
    assert "near=" in page.url


def test_dashboard(page: Any, base_url: str, api: httpx.Client) -> None:
    stats = api.get("/api/stats").json()
    open_page(page, base_url + "/dashboard")
    assert page.locator("path.pm-choropleth").count() == 12
    assert page.locator("#pm-by-town tbody tr").count() == 12
    assert page.locator("#pm-choropleth-legend").is_visible()
    xingzi = next(r for r in stats["by_town"] if r["town"] == "xingzi")
    row = page.locator("#pm-by-town tr[data-town='xingzi']").inner_text()
    assert f"{round(xingzi['started_share'] * 100)}%" in row
    shot(page, "dashboard")
    page.goto(base_url + "/dashboard?lang=en")
    page.wait_for_selector("html[data-pm-ready='1']")
    assert "Share started" in page.locator("#pm-choropleth-legend").inner_text()


@pytest.fixture
def xss_project(engine: Engine) -> Iterator[str]:
    """A temporary project whose every text field is an HTML injection attempt; removed afterwards."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """INSERT INTO projects (slug, name_zh, name_en, aliases, category, status, status_basis, geom,
                                         location_precision, location_note, plan_chapter, plan_section, source_quote)
                   SELECT :slug, :x, :x, ARRAY[:x], 'culture', 'planned', :x, t.seat, 'town', :x, :x, NULL, :x
                   FROM towns t WHERE t.slug = 'lianzhou'"""
            ),
            {"slug": XSS_SLUG, "x": XSS},
        )
        conn.execute(
            text(
                """INSERT INTO project_towns (project_id, town_id)
                   SELECT p.id, t.id FROM projects p, towns t WHERE p.slug = :slug AND t.slug = 'lianzhou'"""
            ),
            {"slug": XSS_SLUG},
        )
    try:
        yield XSS_SLUG
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM projects WHERE slug = :slug"), {"slug": XSS_SLUG})


def test_injected_html_is_shown_as_text(page: Any, base_url: str, xss_project: str) -> None:
    open_page(page, f"{base_url}/projects/{xss_project}")
    assert page.locator("h1").inner_text() == XSS
    assert XSS in page.locator("#pm-props").inner_text()
    open_page(page, base_url + "/")
    page.evaluate(
        """slug => new Promise(resolve => {
          const e = planmap.current.entries.find(e => e.props.slug === slug);
          planmap.current.cluster.zoomToShowLayer(e.marker, () => { e.marker.openPopup(); resolve(); });
        })""",
        xss_project,
    )
    popup = page.locator(f".leaflet-popup .pm-popup[data-slug='{xss_project}']")
    assert popup.locator("h3").inner_text() == XSS
    assert XSS in popup.locator("blockquote").inner_text()
    shot(page, "xss-popup")
    open_page(page, base_url + "/near?town=lianzhou&radius_m=1000")
    page.wait_for_selector("html[data-pm-near-ready='1']")
    assert XSS in page.locator(f"#pm-near-list li[data-slug='{xss_project}']").inner_text()
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have fired by now (the dialog check is in teardown)


def test_gcj02_conversion(page: Any, base_url: str) -> None:
    """Our WGS-84 -> GCJ-02 shift: a few hundred metres here, none outside China, and it inverts."""
    open_page(page, base_url + "/projects/tanling-pumped-storage")
    result = page.evaluate(
        """() => {
          const [lon, lat] = [112.3712, 24.7819];
          const g = gcj02.wgsToGcj(lon, lat);
          const back = gcj02.gcjToWgs(g[0], g[1]);
          const outside = gcj02.wgsToGcj(2.35, 48.85);
          const m = L.latLng(lat, lon).distanceTo(L.latLng(g[1], g[0]));
          return {m, err: Math.max(Math.abs(back[0] - lon), Math.abs(back[1] - lat)), outside};
        }"""
    )
    assert 300 < result["m"] < 900  # the geodata README measured about 630 m in Lianzhou
    assert result["err"] < 1e-8
    assert result["outside"] == [2.35, 48.85]


def test_pages_run_under_a_strict_content_security_policy(page: Any, base_url: str) -> None:
    """Every page is served with a nonce-based CSP and still draws its map (the teardown fails on any violation)."""
    for path in ("/", "/towns/xingzi", "/projects/tanling-pumped-storage", "/near", "/dashboard"):
        response = open_page(page, base_url + path)
        policy = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy.split("style-src-attr")[0], policy  # scripts: nonce only
        assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
        assert page.locator(".leaflet-container").count() == 1, path
        if path not in ("/near", "/dashboard"):  # near-me waits for a place; the dashboard draws towns
            assert page.evaluate("planmap.current.visibleCounts().total") > 0, path
    # a script the page did not mark with the nonce is refused, and reported
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.__pmInjected = 1';
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pmInjected") is None
    assert any("script-src" in v for v in page.problems.csp_violations)
    assert any("Content Security Policy" in e for e in page.problems.console_errors)
    page.problems.csp_violations.clear()  # the one violation this test caused on purpose
    page.problems.console_errors.clear()
