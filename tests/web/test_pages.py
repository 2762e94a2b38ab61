"""The map pages as HTML: status codes, languages, escaping, self-hosted assets and tile settings.

The browser tests (test_web_browser.py) check what is drawn; these check what the server
sends, quickly and without a browser.
"""

import re

import pytest
from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.web import i18n
from app.web.assets import LOCAL_ASSETS
from app.web.i18n import Translator
from app.web.maps import build_map, tile_specs
from app.web.pages import STATIC_DIR

PAGES = ["/", "/towns/xingzi", "/projects/tanling-pumped-storage", "/near", "/dashboard"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_both_languages(client: TestClient, path: str) -> None:
    zh = client.get(path)
    assert zh.status_code == 200
    assert zh.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in zh.text
    assert 'id="pm-lang-switch"' in zh.text
    en = client.get(path, params={"lang": "en"})
    assert en.status_code == 200
    assert '<html lang="en">' in en.text
    assert "Overview" in en.text and "总览" not in en.text.split("</header>")[0].split("pm-lang")[0]


@pytest.mark.parametrize("path", PAGES)
def test_pages_link_only_self_hosted_assets(client: TestClient, path: str) -> None:
    html = client.get(path).text
    urls = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert urls, "no assets linked?"
    for url in urls:
        assert url.startswith(("/static/", "data:", "/feeds/")), f"{path} links {url}"  # /feeds/: our own Atom
        if url.startswith("/static/"):
            assert client.get(url.split("?")[0]).status_code == 200, url
    assert "cdn" not in html.lower()


def test_vendored_files_are_served_with_licences(client: TestClient) -> None:
    for js, css in LOCAL_ASSETS.values():
        for _, url in [*js, *css]:
            assert client.get(url).status_code == 200, url
    vendor = STATIC_DIR / "vendor"
    readme = (vendor / "README.md").read_text()
    for folder in (p for p in vendor.iterdir() if p.is_dir()):
        assert any(f.name.upper().startswith(("LICENSE", "MIT-LICENCE")) for f in folder.iterdir()), folder
        assert folder.name in readme, f"{folder.name} missing from vendor/README.md"
    # fonts and images the stylesheets reference are there too
    for css in vendor.rglob("*.css"):
        # `%23…` is an SVG's own `url(#id)` inside a data: URL (Leaflet-Geoman's icons), not a file
        for ref in re.findall(r"url\(([^)#'\"%][^)]*)\)", css.read_text()):
            assert (css.parent / ref.split("?")[0]).is_file(), f"{css.name} references missing {ref}"


def test_unknown_pages_are_404_pages(client: TestClient) -> None:
    for path in ("/towns/atlantis", "/projects/no-such-project"):
        r = client.get(path, params={"lang": "en"})
        assert r.status_code == 404
        assert "Not found" in r.text
    r = client.get("/projects/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert r.status_code == 404
    assert "<img src=x" not in r.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text


def test_project_page_is_honest_about_precision(client: TestClient) -> None:
    html = client.get("/projects/tanling-pumped-storage").text
    assert 'id="pm-precision-warning"' in html
    assert "第八章" in html  # chapter of the plan
    assert "2400" in html  # capacity_mw figure


def test_config_json_cannot_break_out_of_its_script(client: TestClient) -> None:
    html = client.get("/").text
    config = html.split('<script type="application/json" id="pm-config">')[1].split("</script>")[0]
    assert "<" not in config  # Jinja's tojson escapes < > & so no value can close the tag


def test_translations_have_the_same_keys() -> None:
    assert set(i18n.MESSAGES["zh"]) == set(i18n.MESSAGES["en"])
    assert set(i18n.JS_KEYS) <= set(i18n.MESSAGES["en"])


@pytest.mark.parametrize(
    ("env", "expected_hosts", "gcj"),
    [
        ({"PLANMAP_TILES": "none"}, [], False),
        ({"PLANMAP_TILES": "osm"}, ["tile.openstreetmap.org"], False),
        ({"PLANMAP_TILES": "tianditu"}, [], False),  # no key: no tiles rather than broken ones
        ({"PLANMAP_TILES": "tianditu", "PLANMAP_TIANDITU_KEY": "k123"}, ["tianditu.gov.cn"], False),
        ({"PLANMAP_TILES": "amap"}, ["autonavi.com"], True),
    ],
)
def test_tiles_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected_hosts: list[str], gcj: bool
) -> None:
    monkeypatch.delenv("PLANMAP_TIANDITU_KEY", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    specs = tile_specs(settings, "zh")
    assert all(any(h in s.url for s in specs) for h in expected_hosts)
    assert bool(specs) == bool(expected_hosts)
    parts = build_map(settings, Translator("zh"))
    assert parts.gcj02 is gcj
    assert parts.tiles is bool(expected_hosts)
    for host in expected_hosts:
        assert host in parts.script
    # whatever the tiles, every script and stylesheet stays local
    assert not re.search(r'(?:src|href)="https?://', parts.header)
