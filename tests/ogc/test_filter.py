"""OGC API – Features Part 3: queryables and CQL2 (text and JSON) evaluated in PostGIS.

Each filter's answer is checked against the same predicate computed in Python over every
feature the unfiltered collection returns, so a test fails if the SQL means something else.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, shape

ITEMS = "/ogc/collections/projects/items"


@pytest.fixture(scope="module")
def everything(client: TestClient) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = client.get(ITEMS, params={"limit": 1000}).json()["features"]
    assert len(features) > 150
    return features


def _ids(client: TestClient, params: dict[str, str], url: str = ITEMS) -> set[str]:
    response = client.get(url, params={**params, "limit": "1000"})
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def _where(features: list[dict[str, Any]], keep: Callable[[dict[str, Any]], bool]) -> set[str]:
    return {f["id"] for f in features if keep(f)}


STATUSES = ("planned", "under_construction")
AREA = (112.3, 24.7, 112.5, 24.9)
CASES: list[tuple[str, str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    (
        "comparison",
        "end_year >= 2025 OR status <> 'existing'",
        {"op": "or", "args": [{"op": ">=", "args": [{"property": "end_year"}, 2025]},
                              {"op": "<>", "args": [{"property": "status"}, "existing"]}]},
        lambda f: (f["properties"]["end_year"] or 0) >= 2025 or f["properties"]["status"] != "existing",
    ),
    (
        "in",
        "status IN ('planned', 'under_construction')",
        {"op": "in", "args": [{"property": "status"}, list(STATUSES)]},
        lambda f: f["properties"]["status"] in STATUSES,
    ),
    (
        "like",
        "name_zh LIKE '%公路%'",
        {"op": "like", "args": [{"property": "name_zh"}, "%公路%"]},
        lambda f: "公路" in f["properties"]["name_zh"],
    ),
    (
        "between",
        "end_year BETWEEN 2021 AND 2025",
        {"op": "between", "args": [{"property": "end_year"}, 2021, 2025]},
        lambda f: f["properties"]["end_year"] is not None and 2021 <= f["properties"]["end_year"] <= 2025,
    ),
    (
        "s_intersects",
        f"S_INTERSECTS(geometry, BBOX({', '.join(map(str, AREA))}))",
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": list(AREA)}]},
        lambda f: shape(f["geometry"]).intersects(box(*AREA)),
    ),
    (
        "t_before",
        "T_BEFORE(updated_at, TIMESTAMP('2000-01-01T00:00:00Z'))",
        {"op": "t_before", "args": [{"property": "updated_at"}, {"timestamp": "2000-01-01T00:00:00Z"}]},
        lambda f: False,
    ),
    (
        "t_intersects",
        "T_INTERSECTS(updated_at, INTERVAL('2020-01-01', '..'))",
        {"op": "t_intersects", "args": [{"property": "updated_at"}, {"interval": ["2020-01-01", ".."]}]},
        lambda f: datetime.fromisoformat(f["properties"]["updated_at"]) >= datetime(2019, 12, 31, 16, tzinfo=UTC),
    ),
    (
        "casei",
        "CASEI(status) = CASEI('PLANNED')",
        {"op": "=", "args": [{"op": "casei", "args": [{"property": "status"}]},
                             {"op": "casei", "args": ["PLANNED"]}]},
        lambda f: f["properties"]["status"] == "planned",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "tree", "keep"), CASES, ids=[c[0] for c in CASES])
def test_cql2_text_and_json_select_what_the_predicate_says(
    client: TestClient, everything: list[dict[str, Any]], name: str, text: str, tree: dict[str, Any], keep: Any
) -> None:
    expected = _where(everything, keep)
    assert _ids(client, {"filter": text}) == expected, name
    assert _ids(client, {"filter": text, "filter-lang": "cql2-text"}) == expected, name
    assert _ids(client, {"filter": orjson.dumps(tree).decode(), "filter-lang": "cql2-json"}) == expected, name
    if name not in ("t_before",):
        assert expected, f"{name}: the catalog should have matches, or the test proves nothing"


def test_a_temporal_filter_on_a_date_compares_days(client: TestClient, everything: list[dict[str, Any]]) -> None:
    with_start = _where(everything, lambda f: f["properties"]["planned_start"] is not None)
    assert _ids(client, {"filter": "T_AFTER(planned_start, DATE('1900-01-01'))"}) == with_start


def test_filters_combine_with_bbox_and_per_geometry_collections(client: TestClient) -> None:
    lines = _ids(client, {"filter": "status <> 'cancelled'"}, "/ogc/collections/projects-lines/items")
    everyone = _ids(client, {"filter": "status <> 'cancelled'"})
    assert lines and lines < everyone


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"filter": "colour = 'red'"}, "'colour'"),
        ({"filter": "S_INTERSECTS(location, POINT(112 24))"}, "'location'"),
        ({"filter": '{"op": "=", "args": [{"property": "budget"}, 1]}', "filter-lang": "cql2-json"}, "'budget'"),
        ({"filter": "status ="}, "not valid cql2-text"),
        ({"filter": "start_year = 'soon'"}, "'soon'"),
        ({"filter": "status = 'planned'", "filter-lang": "ecql"}, "filter-lang"),
        ({"filter": "S_INTERSECTS(geometry, POINT(112 24))", "filter-crs": "EPSG:3857"}, "filter-crs"),
        ({"filter": "T_BEFORE(updated_at, TIMESTAMP('2026-01-01T25:61:00Z'))"}, "2026-01-01T25:61:00Z"),
    ],
)
def test_bad_filters_are_refused_naming_the_problem(client: TestClient, params: dict[str, str], words: str) -> None:
    response = client.get(ITEMS, params=params)
    assert response.status_code == 400, response.text
    assert words in response.json()["description"]


def test_queryables_are_a_json_schema_of_what_filters_accept(client: TestClient) -> None:
    response = client.get("/ogc/collections/projects/queryables")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    properties = schema["properties"]
    assert properties["geometry"] == {"title": "Location", "format": "geometry-any", "description": properties[
        "geometry"]["description"]}  # fmt: skip
    assert properties["status"]["type"] == "string" and "planned" in properties["status"]["enum"]
    assert properties["start_year"]["type"] == "integer"
    assert properties["updated_at"]["format"] == "date-time"
    assert "sensitive" not in properties
    for collection in ("towns", "county", "projects-points"):
        assert "geometry" in client.get(f"/ogc/collections/{collection}/queryables").json()["properties"]
    conforms = set(client.get("/ogc/conformance").json()["conformsTo"])
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conforms


def test_a_spatial_filter_cannot_find_a_sensitive_site(client: TestClient, engine: Any) -> None:
    """The public filters the public view: a box around a sensitive site's true location finds nothing there."""
    from sqlalchemy import text

    with engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT slug, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM projects "
                "WHERE deleted_at IS NULL AND NOT sensitive AND ST_GeometryType(geom) = 'ST_Point' "
                "AND location_precision <> 'town' ORDER BY slug LIMIT 1"
            )
        ).one()
        conn.execute(text("UPDATE projects SET sensitive = true WHERE slug = :s"), {"s": row[0]})
    try:
        x, y = row[1], row[2]
        near = f"S_INTERSECTS(geometry, BBOX({x - 0.0005}, {y - 0.0005}, {x + 0.0005}, {y + 0.0005}))"
        assert row[0] not in _ids(client, {"filter": near})
        assert row[0] not in _ids(client, {"filter": near}, "/ogc/collections/projects-points/items")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE projects SET sensitive = false WHERE slug = :s"), {"s": row[0]})
