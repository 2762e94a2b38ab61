"""Static files: every page links them by content hash, hashed URLs are cached for a year, stale ones are not.

What a reader would notice if this broke: after an upgrade, a page that runs last year's JavaScript from
their browser cache (a URL that did not change with its file), or a town office proxy that keeps serving
an old file for a year (a year-long cache promised for a URL that is not the file's current hash).
"""

import hashlib
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app.web.assets import LOCAL_ASSETS, PLANMAP_CORE_JS, PLANMAP_CSS, PLANMAP_MODE_JS, PLANMAP_TILES_JS, planmap_js
from app.web.pages import TEMPLATES_DIR
from app.web.static_urls import IMMUTABLE, SHORT, STATIC_DIR, HashedStaticFiles, StaticManifest, static_url
from tests.support.editing import PASSWORD, EditWorld, world

__all__ = ["world"]  # the module-scoped fixture

PROJECT = "tanling-pumped-storage"  # in Xingzi
PUBLIC_PAGES = ["/", "/?lang=en", "/towns/xingzi", f"/projects/{PROJECT}", "/near", "/dashboard", "/login"]
PUBLIC_PAGES += ["/towns/nope"]  # the not-found page
# Logged in as an official of Xingzi: the project page adds the editor (Leaflet-Geoman), plus moderation.
OFFICIAL_PAGES = [f"/projects/{PROJECT}", "/moderation", "/dashboard?lang=en"]
ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/static/[^"]+)"')


def browser(world: EditWorld, username: str | None = None) -> TestClient:
    """A client with its own cookie jar, logged in as `username` when given."""
    client = TestClient(world.client.app, follow_redirects=False)
    if username:
        response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
        assert response.status_code == 303, response.text
    return client


def sha10(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def static_assets(client: TestClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code in (200, 404), path
    urls = ASSET.findall(response.text)
    assert urls, f"{path} links no static file?"
    return urls


def assert_current(client: TestClient, url: str) -> None:
    """`url` names a file with that file's hash, and is served as that file, cacheable for a year."""
    match = re.fullmatch(r"/static/([^?]+)\?h=([0-9a-f]{10})", url)
    assert match, f"{url} carries no content hash"
    file = STATIC_DIR / match.group(1)
    assert match.group(2) == sha10(file), f"{url}: the hash is not {file.name}'s"
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content == file.read_bytes()
    assert response.headers["cache-control"] == IMMUTABLE, url


def test_every_static_url_of_every_page_carries_its_files_hash(world: EditWorld) -> None:
    seen: set[str] = set()
    for username, pages in ((None, PUBLIC_PAGES), ("official_xingzi", OFFICIAL_PAGES)):
        client = browser(world, username)
        for path in pages:
            urls = static_assets(client, path)
            assert len(urls) == len(set(urls)), f"{path} links a file twice: {urls}"
            for url in urls:
                if url not in seen:
                    assert_current(client, url)
                    seen.add(url)
    assert any("leaflet-geoman" in url for url in seen), "the editor's assets were not among the pages checked"
    assert any("moderation.js" in url for url in seen)


def test_every_asset_list_of_the_maps_is_hashed(world: EditWorld) -> None:
    """Including the vector-tile scripts, which only a catalog above PLANMAP_MAP_VECTOR_TILES_ABOVE loads."""
    lists = [PLANMAP_CORE_JS, PLANMAP_CSS, PLANMAP_TILES_JS, *PLANMAP_MODE_JS.values()]
    lists += [assets for pair in LOCAL_ASSETS.values() for assets in pair]
    client = browser(world)
    for assets in lists:
        for _, url in assets:
            assert_current(client, url)


def test_each_map_page_loads_only_the_scripts_of_its_mode(world: EditWorld) -> None:
    client = browser(world)
    expected = {
        "/": {"planmap_core.js", "planmap_layers.js", "planmap_list.js", "planmap_cycle.js"},
        "/towns/xingzi": {"planmap_core.js", "planmap_layers.js", "planmap_list.js", "planmap_cycle.js"},
        f"/projects/{PROJECT}": {"planmap_core.js", "planmap_project.js"},
        "/near": {"planmap_core.js", "planmap_layers.js", "planmap_near.js"},
        "/dashboard": {"planmap_core.js", "planmap_choropleth.js"},
    }
    for path, scripts in expected.items():
        names = {url.split("?")[0].rsplit("/", 1)[1] for url in static_assets(client, path)}
        assert {n for n in names if n.startswith("planmap_")} == scripts, path
    # core first, then the mode's scripts (they register into the namespace the core creates), tiles last
    urls = [url for _, url in planmap_js("near", vector_tiles=True)]
    order = [url.split("?")[0].rsplit("/", 1)[1] for url in urls]
    assert order == [
        "gcj02.js",
        "planmap_core.js",
        "planmap_layers.js",
        "planmap_near.js",
        "Leaflet.VectorGrid.bundled.min.js",
        "planmap_tiles.js",
    ]
    with pytest.raises(ValueError, match="no map mode 'atlas'"):
        planmap_js("atlas")


def test_an_unhashed_or_stale_url_is_cached_for_minutes_only(world: EditWorld) -> None:
    client = browser(world)
    current = static_url("js/kit.js")
    assert client.get(current).headers["cache-control"] == IMMUTABLE
    for url in ("/static/js/kit.js", "/static/js/kit.js?h=0000000000", "/static/js/kit.js?v=2"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == SHORT, url
    # A browser revalidating a hashed URL keeps the year-long promise on the 304.
    again = client.get(current, headers={"If-None-Match": client.get(current).headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE
    assert client.get("/static/js/planmap.js").status_code == 404  # split up: no stale copy left behind


def test_a_changed_file_gets_a_new_url_and_loses_the_long_cache(tmp_path: Path) -> None:
    script = tmp_path / "js" / "map.js"
    script.parent.mkdir()
    script.write_text("var version = 1;\n")
    before = StaticManifest.scan(tmp_path)
    old_url = before.url("js/map.js")
    app = Starlette(routes=[Mount("/static", HashedStaticFiles(before))])
    with TestClient(app) as client:
        assert client.get(old_url).headers["cache-control"] == IMMUTABLE
        # Edited while the server runs (same size, so only the content and mtime tell): the old URL no longer
        # promises a year, since it would now pin the new content under the old hash.
        script.write_text("var version = 2;\n")
        stat = script.stat()
        os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        stale = client.get(old_url)
        assert stale.text == "var version = 2;\n" and stale.headers["cache-control"] == SHORT
    after = StaticManifest.scan(tmp_path)  # the next start-up
    new_url = after.url("js/map.js")
    assert new_url != old_url and new_url.split("?h=")[1] == sha10(script)
    with TestClient(Starlette(routes=[Mount("/static", HashedStaticFiles(after))])) as client:
        fresh = client.get(new_url)
        assert fresh.text == "var version = 2;\n" and fresh.headers["cache-control"] == IMMUTABLE
        assert client.get(old_url).headers["cache-control"] == SHORT


def test_a_template_naming_a_missing_file_fails_at_render_not_in_the_browser() -> None:
    with pytest.raises(ValueError, match=re.escape("no static file 'js/nope.js'")):
        static_url("js/nope.js")


def test_no_template_writes_a_static_url_by_hand() -> None:
    templates = sorted(TEMPLATES_DIR.glob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        assert "?v=" not in text, f"{template.name} has a hand-bumped ?v= version"
        assert '"/static/' not in text, f"{template.name} links /static/ without static_url()"
