"""Reading the map's data over HTTP: health, towns and projects as GeoJSON."""

import math

import pytest
from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app


def _positions(geometry: dict) -> list[list[float]]:
    def walk(node: list) -> list[list[float]]:
        if node and isinstance(node[0], (int, float)):
            return [node]
        return [p for child in node for p in walk(child)]

    return walk(geometry["coordinates"])


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_is_503_when_the_database_is_not_migrated(scratch_database: str) -> None:
    with TestClient(create_app(Settings(database_url=scratch_database))) as fresh:
        response = fresh.get("/readyz")
    assert response.status_code == 503
    assert "planmap db upgrade" in response.json()["detail"]


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:9/planmap?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=url))) as offline:
        response = offline.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.headers["retry-after"]


def test_projects_collection_is_geojson_with_every_seeded_project(client: TestClient, catalog: dict) -> None:
    response = client.get("/api/projects")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == len(catalog["features"])
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        assert feature["id"] == feature["properties"]["slug"]
        assert feature["geometry"]["type"] in (
            "Point",
            "LineString",
            "MultiLineString",
            "Polygon",
            "MultiPolygon",
        )


def test_geometry_comes_back_in_the_coordinates_it_was_stored_lon_lat(client: TestClient, catalog: dict) -> None:
    served = {f["id"]: f for f in client.get("/api/projects").json()["features"]}
    for source in catalog["features"]:
        got = served[source["properties"]["slug"]]["geometry"]
        assert got["type"] == source["geometry"]["type"]
        for (x0, y0), (x1, y1) in zip(_positions(source["geometry"]), _positions(got), strict=True):
            assert math.isclose(x0, x1, abs_tol=1e-7) and math.isclose(y0, y1, abs_tol=1e-7)
            assert 112 < x1 < 113 and 24 < y1 < 26  # Lianzhou: longitude first


def test_one_project_by_slug_carries_its_plan_reference(client: TestClient, catalog: dict) -> None:
    source = catalog["features"][0]["properties"]
    feature = client.get(f"/api/projects/{source['slug']}").json()
    props = feature["properties"]
    for key in (
        "name_zh",
        "name_en",
        "category",
        "status",
        "source_quote",
        "plan_chapter",
        "location_precision",
    ):
        assert props[key] == source[key]
    assert props["towns"] == sorted(source["towns"])
    assert props["version"] >= 1


def test_unknown_project_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/projects/no-such-thing")
    assert response.status_code == 404
    assert "no-such-thing" in response.json()["detail"]


def test_town_filter_lists_only_that_towns_projects(client: TestClient, catalog: dict) -> None:
    expected = sorted(f["properties"]["slug"] for f in catalog["features"] if "xingzi" in f["properties"]["towns"])
    assert expected, "the catalog should have projects in Xingzi"
    got = client.get("/api/projects", params={"town": "xingzi"}).json()["features"]
    assert sorted(f["id"] for f in got) == expected


@pytest.mark.parametrize(
    ("params", "name"),
    [({"town": "atlantis"}, "town"), ({"status": "done"}, "status"), ({"category": "x"}, "category")],
)
def test_bad_filter_is_422_naming_the_parameter(client: TestClient, params: dict, name: str) -> None:
    response = client.get("/api/projects", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", name]


def test_towns_are_the_twelve_with_approximate_areas(client: TestClient) -> None:
    body = client.get("/api/towns").json()
    assert len(body["features"]) == 12
    names = {f["properties"]["name_zh"] for f in body["features"]}
    assert {"连州镇", "星子镇", "三水瑶族乡", "瑶安瑶族乡"} <= names
    for town in body["features"]:
        assert town["geometry"]["type"] == "MultiPolygon"
        assert town["properties"]["area_precision"] == "approximate"
        assert town["properties"]["area_km2"] > 50
    assert client.get("/api/towns/xingzi").json()["properties"]["name_en"] == "Xingzi"
    assert client.get("/api/towns/nowhere").status_code == 404
