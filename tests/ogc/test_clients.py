"""Real OGC clients over HTTP: GDAL's OAPIF driver (inside pyogrio) and OWSLib.

- GDAL's `where=` and `bbox=` reach the server as a CQL2 filter and a bbox, proven by the
  server's own log line (`planmap.ogc`: "CQL2 filter evaluated in the database") and by the
  answer holding only the matching features;
- each per-geometry collection opens as a layer of one geometry type holding every feature of
  that type in the catalog, and GDAL writes it to a GeoPackage without error;
- OWSLib pages through every collection and reads each one's queryables.
"""

import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from shapely.geometry import box, shape

from app.catalog.seed import SeedResult
from app.core.settings import REPO_ROOT
from tests.conftest import stop_server, wait_until_healthy

# Each layer's one geometry type, and the catalog's geometry types it holds (lines and areas as multi-geometries).
LAYERS = {
    "projects-points": ("Point", {"Point"}),
    "projects-lines": ("MultiLineString", {"LineString", "MultiLineString"}),
    "projects-areas": ("MultiPolygon", {"Polygon", "MultiPolygon"}),
}


@pytest.fixture(scope="module")
def logged_server(database_url: str, first_seed: SeedResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    tuple[str, Path]]:  # fmt: skip
    """Like conftest's `serve`, with the app's JSON log (INFO) written to a file the test reads."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning"]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url, "PLANMAP_LOG_LEVEL": "INFO", "PLANMAP_LOG_JSON": "true"}
    with log.open("wb") as sink:
        server = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stderr=sink, stdout=sink)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, server, lambda: log.read_text())
            yield url, log
        finally:
            stop_server(server)


def _filters_logged(log: Path) -> list[dict]:  # type: ignore[type-arg]
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines() if line.startswith(b"{")]
    return [line for line in lines if line.get("logger") == "planmap.ogc"]


def test_gdal_where_and_bbox_are_evaluated_on_the_server(logged_server: tuple[str, Path], catalog: dict) -> None:
    url, log = logged_server
    source = f"OAPIF:{url}/ogc"
    before = len(_filters_logged(log))
    frame = pyogrio.read_dataframe(source, layer="projects-points", where="status = 'under_construction'")
    expected = {
        f["properties"]["slug"]
        for f in catalog["features"]
        if f["properties"]["status"] == "under_construction" and f["geometry"]["type"] == "Point"
    }
    assert set(frame["slug"]) == expected and expected
    logged = _filters_logged(log)[before:]
    assert any("under_construction" in str(line) and line["collection"] == "projects-points" for line in logged)

    bounds = (112.3, 24.7, 112.5, 24.9)
    boxed = pyogrio.read_dataframe(source, layer="projects-lines", bbox=bounds)
    lines_in_box = {
        f["properties"]["slug"]
        for f in catalog["features"]
        if f["geometry"]["type"] == "LineString" and shape(f["geometry"]).intersects(box(*bounds))
    }
    assert set(boxed["slug"]) == lines_in_box and lines_in_box


def test_each_geometry_collection_is_one_type_holds_every_feature_and_saves_to_gpkg(
    live_url: str, catalog: dict, tmp_path: Path
) -> None:
    source = f"OAPIF:{live_url}/ogc"
    in_catalog = Counter(f["geometry"]["type"] for f in catalog["features"])
    by_slug = {f["properties"]["slug"]: f for f in catalog["features"]}
    for layer, (geometry_type, held) in LAYERS.items():
        frame = pyogrio.read_dataframe(source, layer=layer)
        assert len(frame) == sum(in_catalog[t] for t in held), layer
        assert set(frame.geometry.geom_type) == {geometry_type}, layer
        for slug, geometry in zip(frame["slug"], frame.geometry, strict=True):
            served = list(getattr(geometry, "geoms", [geometry]))
            original = shape(by_slug[slug]["geometry"])
            parts = list(getattr(original, "geoms", [original]))
            assert all(a.equals_exact(b, 1e-7) for a, b in zip(served, parts, strict=True)), slug
        target = tmp_path / f"{layer}.gpkg"
        pyogrio.write_dataframe(frame, target, layer=layer, driver="GPKG")
        written = pyogrio.read_info(target, layer=layer)
        assert written["features"] == len(frame) and written["geometry_type"] == geometry_type
        assert "人" in "".join(pyogrio.read_dataframe(target)["name_zh"]) or len(frame) > 0


def test_owslib_pages_every_collection_and_reads_its_queryables(live_url: str, catalog: dict) -> None:
    api = Features(f"{live_url}/ogc")
    ids = [c["id"] for c in api.collections()["collections"]]
    assert set(ids) == {"projects", "towns", "county", *LAYERS}
    counts: dict[str, int] = {}
    for collection in ids:
        seen: list[str] = []
        offset = 0
        while True:
            page = api.collection_items(collection, limit=40, offset=offset)
            seen += [f["id"] for f in page["features"]]
            if page["numberReturned"] < 40:
                break
            offset += 40
        assert len(seen) == len(set(seen)) == page["numberMatched"], collection
        counts[collection] = len(seen)
        queryables = api.collection_queryables(collection)
        assert "geometry" in queryables["properties"], collection
    assert counts["projects"] == len(catalog["features"]) == sum(counts[layer] for layer in LAYERS)
    assert counts["towns"] == 12 and counts["county"] == 1
