"""Vector tiles: what a map client decodes from /tiles/{z}/{x}/{y}.pbf.

Lianzhou straddles longitude 112.5°, a tile border at every zoom from 3 on, so "the whole
county" is the two z=8 tiles 207/109 and 208/109. Up to z=10 a tile counts small projects into
grid cells (layer `clusters`), so at z=8 "every project" means the projects drawn plus the
clusters' counts.
"""

import math
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

COUNTY_TILES = [(8, 207, 109), (8, 208, 109)]


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """minLon, minLat, maxLon, maxLat of an XYZ tile."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def _decode(client: TestClient, z: int, x: int, y: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/tiles/{z}/{x}/{y}.pbf", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded: dict[str, Any] = mapbox_vector_tile.decode(response.content)
    return decoded


def _slugs(client: TestClient, layer: str = "projects", **params: Any) -> set[str]:
    found: set[str] = set()
    for z, x, y in COUNTY_TILES:
        tile = _decode(client, z, x, y, **params)
        found |= {f["properties"]["slug"] for f in tile.get(layer, {}).get("features", [])}
    return found


def _clustered(client: TestClient, **params: Any) -> int:
    """How many projects the county's tiles count in grid cells (each counted in one tile only)."""
    return sum(
        f["properties"]["count"]
        for z, x, y in COUNTY_TILES
        for f in _decode(client, z, x, y, **params).get("clusters", {}).get("features", [])
    )


def _counted(client: TestClient, expected: set[str], **params: Any) -> None:
    """The county's z=8 tiles draw only expected projects and count the rest: together, exactly `expected`."""
    drawn = _slugs(client, **params)
    assert drawn <= expected
    assert len(drawn) + _clustered(client, **params) == len(expected)


def _catalog_slugs(catalog: dict, keep: Any = lambda p: True) -> set[str]:  # type: ignore[type-arg]
    return {f["properties"]["slug"] for f in catalog["features"] if keep(f["properties"])}


def test_the_county_tiles_hold_every_project_town_and_the_outline(client: TestClient, catalog: dict) -> None:
    _counted(client, _catalog_slugs(catalog))
    assert _clustered(client) > 0  # the town seats' crowds are counted, not drawn one on another
    assert len(_slugs(client, "towns")) == 12
    tiles = [_decode(client, *t) for t in COUNTY_TILES]
    assert {tile["county"]["features"][0]["properties"]["adcode"] for tile in tiles} == {"441882"}
    features = [f for tile in tiles for f in tile["projects"]["features"]]
    props = features[0]["properties"]  # a project drawn as itself carries what the map needs of it
    assert {"slug", "name", "name_en", "status", "category", "precision"} <= set(props)
    source = next(f["properties"] for f in catalog["features"] if f["properties"]["slug"] == props["slug"])
    assert (props["name"], props["status"], props["category"], props["precision"]) == (
        source["name_zh"],
        source["status"],
        source["category"],
        source["location_precision"],
    )


def test_a_street_level_tile_holds_the_points_inside_it_and_nothing_far_away(client: TestClient, catalog: dict) -> None:
    z = 14
    x, y = _tile_of(112.3712, 24.7819, z)  # the seat of Lianzhou town, where many town-precision points sit
    minx, miny, maxx, maxy = _tile_bounds(z, x, y)
    slop = (maxx - minx) * 0.1  # the tile's buffer is 64/4096 of its width
    points = [f for f in catalog["features"] if f["geometry"]["type"] == "Point"]
    inside = {
        f["properties"]["slug"]
        for f in points
        if minx < f["geometry"]["coordinates"][0] < maxx and miny < f["geometry"]["coordinates"][1] < maxy
    }
    far = {
        f["properties"]["slug"]
        for f in points
        if not (minx - slop < f["geometry"]["coordinates"][0] < maxx + slop)
        or not (miny - slop < f["geometry"]["coordinates"][1] < maxy + slop)
    }
    assert inside, "the test needs projects in this tile"
    tile = _decode(client, z, x, y)
    slugs = {f["properties"]["slug"] for f in tile["projects"]["features"]}
    assert inside <= slugs
    assert not slugs & far
    assert "clusters" not in tile  # above z=10 every project is itself


def test_a_cluster_counts_its_projects_by_their_warnings(client: TestClient) -> None:
    """A cell's `mix` (combination of warnings: count) adds up to its count, and with the projects drawn
    it gives the API's count of every warning exactly, so the page can count what its switches show."""
    tiles = [_decode(client, *t) for t in COUNTY_TILES]
    per_kind: dict[str, int] = {}
    for cluster in (f["properties"] for tile in tiles for f in tile.get("clusters", {}).get("features", [])):
        parts = [(k, int(n)) for k, n in (part.rsplit(":", 1) for part in cluster["mix"].split(";"))]
        assert cluster["count"] >= 2 and sum(n for _, n in parts) == cluster["count"]
        assert [k for k, _ in parts] == sorted({k for k, _ in parts})  # one entry per combination, in order
        for combination, n in parts:
            for kind in combination.split("+") if combination else ["none"]:
                per_kind[kind] = per_kind.get(kind, 0) + n
    drawn = {
        f["properties"]["slug"]: f["properties"]["warnings"] for tile in tiles for f in tile["projects"]["features"]
    }
    for warnings in drawn.values():
        for kind in warnings.split(",") if warnings else ["none"]:
            per_kind[kind] = per_kind.get(kind, 0) + 1
    assert per_kind == client.get("/api/stats/facets").json()["warning"]


def test_filters_apply_to_the_projects_layer_only(client: TestClient, catalog: dict) -> None:
    _counted(
        client, _catalog_slugs(catalog, lambda p: p["status"] == "under_construction"), status="under_construction"
    )
    _counted(
        client,
        _catalog_slugs(catalog, lambda p: "xingzi" in p["towns"] and p["category"] == "road"),
        town="xingzi",
        category="road",
    )
    _counted(
        client,
        {"tanling-pumped-storage"}
        | _catalog_slugs(catalog, lambda p: "抽水蓄能" in " ".join([p["name_zh"], p["source_quote"], *p["aliases"]])),
        q="抽水蓄能",
    )
    # the frame of the map stays whatever the filter
    assert len(_slugs(client, "towns", status="suspended")) == 12


def test_a_tile_far_from_any_data_is_empty(client: TestClient) -> None:
    response = client.get("/tiles/10/512/512.pbf")  # the Gulf of Guinea
    assert response.status_code == 200
    assert mapbox_vector_tile.decode(response.content) == {}


def test_etag_gives_304_and_changes_with_the_content(client: TestClient) -> None:
    url = "/tiles/8/207/109.pbf"
    first = client.get(url)
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    assert client.get(url).headers["etag"] == tag  # same data, same bytes, same tag
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    filtered = client.get(url, params={"status": "planned"})
    assert filtered.headers["etag"] != tag
    assert client.get(url, params={"status": "planned"}, headers={"If-None-Match": tag}).status_code == 200


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/tiles/23/0/0.pbf", "z"),
        ("/tiles/-1/0/0.pbf", "z"),
        ("/tiles/3/8/0.pbf", "x"),
        ("/tiles/3/0/8.pbf", "y"),
        ("/tiles/3/a/0.pbf", "x"),
        ("/tiles/8/207/109.pbf?town=atlantis", "town"),
        ("/tiles/8/207/109.pbf?status=dreamt", "status"),
    ],
)
def test_out_of_range_tiles_and_bad_filters_are_422_naming_the_parameter(
    client: TestClient, path: str, name: str
) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert any(name in error["loc"] for error in response.json()["detail"])


def test_the_tile_cache_expires_and_stays_within_its_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.api import tiles

    now = [1000.0]
    monkeypatch.setattr(tiles.time, "monotonic", lambda: now[0])
    cache = tiles.TileCache(ttl_seconds=10, max_bytes=8 * 100)
    cache.put((1, 0, 0, ""), b"a" * 100, '"a"')
    assert cache.get((1, 0, 0, "")) == (b"a" * 100, '"a"')
    assert cache.get((1, 0, 0, "status=planned")) is None  # the query string is part of the key
    now[0] += 11
    assert cache.get((1, 0, 0, "")) is None  # never older than the TTL
    for i in range(12):  # 1,200 bytes offered to an 800-byte cache: the oldest go first
        cache.put((2, i, 0, ""), bytes(100), f'"{i}"')
    assert cache.size <= 800
    assert cache.get((2, 0, 0, "")) is None and cache.get((2, 11, 0, "")) is not None
    assert tiles.TileCache(ttl_seconds=0).get((0, 0, 0, "")) is None
    off = tiles.TileCache(ttl_seconds=0)
    off.put((0, 0, 0, ""), b"x", '"x"')
    assert off.get((0, 0, 0, "")) is None  # 0 seconds: nothing is kept
