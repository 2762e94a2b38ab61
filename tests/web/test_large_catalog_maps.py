"""A catalog too large to load: the maps switch to vector tiles, and the API gives them what they need.

With more projects than PLANMAP_MAP_VECTOR_TILES_ABOVE, the overview and town pages draw from
/tiles instead of downloading every project; the layer control's counts then come from
/api/stats/facets, and the tiles carry what the map styles and filters by (status, category,
precision, geometry dimension, warnings and their red/amber/green rating).
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.main import create_app

COUNTY_TILES = [(8, 207, 109), (8, 208, 109)]  # Lianzhou straddles the z=8 tile border at 112.5°E
RED = {"late_completion", "over_budget"}


def _features(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    fc = client.get("/api/projects", params={"limit": 10000, **params}).json()
    features: list[dict[str, Any]] = fc["features"]
    return features


def _expected_facets(features: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts a user could make by hand from the API's own list."""
    props = [f["properties"] for f in features]
    warnings: Counter[str] = Counter()
    for p in props:
        warnings.update(p["warnings"] or ["none"])
    return {
        "total": len(props),
        "status": dict(Counter(p["status"] for p in props)),
        "category": dict(Counter(p["category"] for p in props)),
        "warning": dict(warnings),
        "rag": dict(Counter(p["rag"] for p in props)),
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"town": "xingzi"}, {"status": ["planned", "preparing"]}, {"category": "road", "town": "lianzhou"}],
    ids=["all", "one-town", "two-statuses", "category-in-town"],
)
def test_facet_counts_match_the_projects_the_api_lists(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/api/stats/facets", params=params)
    assert response.status_code == 200, response.text
    facets = response.json()
    assert facets == _expected_facets(_features(client, **params))
    assert facets["total"] > 0


def test_facets_refuse_bad_filters_naming_them(client: TestClient) -> None:
    response = client.get("/api/stats/facets", params={"status": "finished-maybe"})
    assert response.status_code == 422
    assert "status" in json.dumps(response.json()["detail"])
    response = client.get("/api/stats/facets", params={"town": "atlantis"})
    assert response.status_code in (404, 422)
    assert "atlantis" in response.text


def test_tiles_carry_what_the_map_styles_by(client: TestClient) -> None:
    """Every project's tile attributes agree with the API: geometry dimension, warnings and rating."""
    by_slug = {f["properties"]["slug"]: f for f in _features(client)}
    seen = 0
    dims = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2, "MultiPolygon": 2}
    for z, x, y in COUNTY_TILES:
        tile = mapbox_vector_tile.decode(client.get(f"/tiles/{z}/{x}/{y}.pbf").content)
        for feature in tile["projects"]["features"]:
            props = feature["properties"]
            api = by_slug[props["slug"]]
            assert props["dim"] == dims[api["geometry"]["type"]], props["slug"]
            assert props["rag"] == api["properties"]["rag"], props["slug"]
            assert sorted(filter(None, props["warnings"].split(","))) == sorted(api["properties"]["warnings"])
            seen += 1
        seen += sum(f["properties"]["count"] for f in tile.get("clusters", {}).get("features", []))
    assert seen >= len(by_slug)  # a project crossing the tile border is in both tiles; crowds are counted
    assert {p["properties"]["rag"] for p in by_slug.values()} >= {"green", "red"}  # both kinds were compared


@pytest.fixture
def app_with_threshold(settings: Settings, first_seed: SeedResult) -> Iterator[Any]:
    def make(threshold: int) -> TestClient:
        update = {"map_vector_tiles_above": threshold, "tiles": "none"}
        return TestClient(create_app(settings.with_changes(**update)))

    yield make


def _map_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="pm-config">(.*?)</script>', html, re.S)
    assert found, "the page has no map config"
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def _vector_scripts(html: str) -> bool:
    vectorgrid = "leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js"
    return vectorgrid in html and "/static/js/planmap_tiles.js" in html


def test_the_overview_switches_to_vector_tiles_above_the_threshold(app_with_threshold: Any, client: TestClient) -> None:
    total = client.get("/api/stats/facets").json()["total"]
    with app_with_threshold(total) as at_limit:
        html = at_limit.get("/").text
        assert _map_config(html)["projectsFrom"] == "geojson"
        assert not _vector_scripts(html)  # a county-sized catalog loads no tile code at all
    with app_with_threshold(total - 1) as above:
        html = above.get("/").text
        assert _map_config(html)["projectsFrom"] == "tiles"
        assert _vector_scripts(html)
        assert 'id="pm-tiles-mode-note"' in html


def test_a_town_page_counts_only_its_own_projects(app_with_threshold: Any, client: TestClient) -> None:
    in_town = len(_features(client, town="xingzi"))
    with app_with_threshold(in_town) as app:
        assert _map_config(app.get("/towns/xingzi").text)["projectsFrom"] == "geojson"
        assert _map_config(app.get("/").text)["projectsFrom"] == "tiles"  # the county holds more
    with app_with_threshold(in_town - 1) as app:
        assert _map_config(app.get("/towns/xingzi").text)["projectsFrom"] == "tiles"


def test_town_list_counts_agree_with_each_town_and_can_be_skipped(client: TestClient) -> None:
    """The list counts all towns in one pass; each must match the town's own page and the facets."""
    listed = client.get("/api/towns").json()["features"]
    assert len(listed) == 12
    for town in listed:
        props = town["properties"]
        alone = client.get(f"/api/towns/{props['slug']}").json()["properties"]
        assert props["counts_by_status"] == alone["counts_by_status"], props["slug"]
        assert props["project_count"] == alone["project_count"] == sum(alone["counts_by_status"].values())
        assert (
            alone["counts_by_status"]
            == client.get("/api/stats/facets", params={"town": props["slug"]}).json()["status"]
        )
    bare = client.get("/api/towns", params={"counts": "false"}).json()["features"]
    assert [f["properties"]["slug"] for f in bare] == [f["properties"]["slug"] for f in listed]
    assert all(f["properties"]["project_count"] is None for f in bare)
    assert client.get("/api/towns", params={"counts": "maybe"}).status_code == 422
