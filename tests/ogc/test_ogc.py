"""OGC API – Features: the documents clients walk, paging by `next`, filters, and a real
OGC client (GDAL's OAPIF driver inside pyogrio) reading every project with its geometry."""

import httpx
import pyogrio
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, shape

CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"


def _rels(doc: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in doc["links"]}


def test_landing_page_links_to_everything_a_client_needs(client: TestClient) -> None:
    links = _rels(client.get("/ogc").json())
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["service-desc"]["href"].endswith("/api")
    openapi = client.get("/api")
    assert openapi.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert "/ogc/collections/{collection_id}/items" in openapi.json()["paths"]


def test_conformance_declares_core_and_geojson_but_not_oas30(client: TestClient) -> None:
    """The API document is OpenAPI 3.1, and says so: claiming the 3.0 class would be untrue."""
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    assert {CONF + "core", CONF + "geojson"} <= set(conforms) and CONF + "oas30" not in conforms
    assert client.get("/api").headers["content-type"].endswith("version=3.1")


def test_collections_advertise_crs_and_an_extent_holding_every_feature(client: TestClient, catalog: dict) -> None:
    collections = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert set(collections) == {"projects", "projects-points", "projects-lines", "projects-areas", "towns", "county"}
    projects = collections["projects"]
    assert projects["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    extent = box(*projects["extent"]["spatial"]["bbox"][0]).buffer(1e-6)
    assert all(extent.contains(shape(f["geometry"])) for f in catalog["features"])
    assert _rels(projects)["items"]["type"] == "application/geo+json"
    assert client.get("/ogc/collections/towns").json()["id"] == "towns"


def test_items_page_through_next_links_exactly_once(client: TestClient, catalog: dict) -> None:
    url: str | None = "/ogc/collections/projects/items?limit=25"
    seen: list[str] = []
    while url:
        response = client.get(url)
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        assert body["numberMatched"] == len(catalog["features"])
        seen += [f["id"] for f in body["features"]]
        url = _rels(body).get("next", {}).get("href")
    assert sorted(seen) == sorted(f["properties"]["slug"] for f in catalog["features"])


def test_items_filter_by_bbox_property_and_datetime(client: TestClient, catalog: dict) -> None:
    bounds = (112.3, 24.7, 112.5, 24.9)
    body = client.get(
        "/ogc/collections/projects/items",
        params={"bbox": ",".join(map(str, bounds)), "status": "under_construction,planned", "limit": 1000},
    ).json()
    expected = {
        f["properties"]["slug"]
        for f in catalog["features"]
        if f["properties"]["status"] in ("under_construction", "planned")
        and shape(f["geometry"]).intersects(box(*bounds))
    }
    assert {f["id"] for f in body["features"]} == expected and expected

    dated = client.get("/ogc/collections/projects/items", params={"datetime": "2026-01-01/..", "limit": 1000}).json()
    late = {
        f["properties"]["slug"]
        for f in catalog["features"]
        if f["properties"]["end_year"] is None or f["properties"]["end_year"] >= 2026
    }
    assert {f["id"] for f in dated["features"]} == late
    assert len(late) < len(catalog["features"])  # some projects end by 2025 and drop out


def test_one_item_and_its_links(client: TestClient, catalog: dict) -> None:
    slug = catalog["features"][3]["properties"]["slug"]
    feature = client.get(f"/ogc/collections/projects/items/{slug}").json()
    assert feature["id"] == slug and _rels(feature)["collection"]["href"].endswith("/ogc/collections/projects")
    assert client.get("/ogc/collections/towns/items/xingzi").json()["properties"]["name_zh"] == "星子镇"


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/ogc/collections/rivers", 404, "no collection"),
        ("/ogc/collections/projects/items/nope", 404, "no feature"),
        ("/ogc/collections/projects/items?bbox=1,2,3", 400, "bbox"),
        ("/ogc/collections/projects/items?limit=0", 400, "limit"),
        ("/ogc/collections/projects/items?datetime=yesterday", 400, "RFC 3339"),
        ("/ogc/collections/projects/items?datetime=2023-01-01T25:61:00Z", 400, "RFC 3339"),
        ("/ogc/collections/projects/items?datetime=2023-02-30", 400, "not a real date"),
        ("/ogc/collections/towns/items?datetime=2023-01-01 10:00:00Z", 400, "RFC 3339"),
        ("/ogc/collections/projects/items?colour=red", 400, "colour"),
        ("/ogc/collections/projects/items?status=finished", 400, "finished"),
    ],
)
def test_bad_requests_get_ogc_exceptions(client: TestClient, url: str, status: int, words: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "description"} and words in body["description"]


def test_gdal_oapif_lists_collections_and_reads_every_project(live_url: str, catalog: dict) -> None:
    source = f"OAPIF:{live_url}/ogc"
    layers = {name for name, _ in pyogrio.list_layers(source)}
    assert layers == {"projects", "projects-points", "projects-lines", "projects-areas", "towns", "county"}
    frame = pyogrio.read_dataframe(source, layer="projects")
    assert len(frame) == len(catalog["features"])
    by_slug = {f["properties"]["slug"]: shape(f["geometry"]) for f in catalog["features"]}
    for slug, geometry in zip(frame["slug"], frame.geometry, strict=True):
        assert geometry.equals_exact(by_slug[slug], 1e-7), slug
    towns = pyogrio.read_dataframe(source, layer="towns")
    assert sorted(towns["slug"]) == sorted(
        httpx.get(f"{live_url}/api/towns").json()["features"][i]["id"] for i in range(12)
    )


def test_a_limit_above_the_maximum_is_clamped_not_refused(client: TestClient, catalog: dict) -> None:
    body = client.get("/ogc/collections/projects/items?limit=1000000").json()
    assert body["numberReturned"] == len(catalog["features"])
    assert "limit=10000" in _rels(body)["self"]["href"] or "next" not in _rels(body)


def test_datetime_matches_everything_in_a_collection_without_time(client: TestClient) -> None:
    every = client.get("/ogc/collections/towns/items").json()["numberMatched"]
    assert client.get("/ogc/collections/towns/items?datetime=2023-01-01").json()["numberMatched"] == every == 12


def test_bbox_selects_towns_by_their_shape_not_their_box(client: TestClient, engine) -> None:  # type: ignore[no-untyped-def]
    """A box inside one town's bounding box but outside its area does not return that town."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT slug, ST_AsText(area) FROM towns")).all()
    from shapely import wkt

    areas = {slug: wkt.loads(w) for slug, w in rows}
    # A small box in some town's envelope but outside that town: there must be one (Voronoi cells are not boxes).
    for slug, area in areas.items():  # noqa: B007 (the town found is used after the loop)
        minx, miny, maxx, maxy = area.bounds
        probe = box(minx, miny, minx + (maxx - minx) / 20, miny + (maxy - miny) / 20)
        if not probe.intersects(area):
            break
    else:
        pytest.skip("every town fills the corner of its box")
    expected = {s for s, a in areas.items() if a.intersects(probe)}
    body = client.get("/ogc/collections/towns/items", params={"bbox": ",".join(map(str, probe.bounds))}).json()
    assert {f["id"] for f in body["features"]} == expected and slug not in expected
