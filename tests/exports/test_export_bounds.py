"""Exports are bounded (issue 15, item 10): streamed, a few at a time per worker, capped for anonymous callers.

What a caller notices: a big export starts arriving at once instead of after the whole file is
made; when the worker already runs its limit of exports the next caller is told to come back
(503 with Retry-After) and the slot is free again as soon as a download ends, even one abandoned
half-way; a caller who is not logged in asking for more than the anonymous cap gets a 413 that says
to filter or log in, while staff get everything.
"""

import csv
import io
from collections.abc import Iterator

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from app.catalog.synth import synthesize
from app.core.db import make_sync_engine
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import GEODATA
from tests.support.reliability import PASSWORD, fresh_database, login, serve_app

SYNTHETIC = 20_000  # enough that an unread GeoJSON download (~30 MB) fills the socket buffers and waits


@pytest.fixture(scope="module")
def big_database() -> Iterator[str]:
    with fresh_database("planmap_exports") as url:
        engine = make_sync_engine(url)
        try:
            synthesize(engine, GEODATA, SYNTHETIC)
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="module")
def capped(big_database: str) -> Iterator[TestClient]:
    """The app with an anonymous cap of 50 projects per export."""
    settings = Settings(database_url=big_database, db_pool_warm=0).model_copy(
        update={"export_anonymous_max_features": 50}
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "kml", "shp"])
def test_an_anonymous_export_above_the_cap_is_refused_with_what_to_do(capped: TestClient, fmt: str) -> None:
    response = capped.get("/api/export", params={"format": fmt})
    assert response.status_code == 413
    message = response.json()["detail"]
    assert "50" in message and "filters" in message and "log in" in message


def test_an_anonymous_export_within_the_cap_is_whole(capped: TestClient) -> None:
    response = capped.get("/api/export", params={"format": "geojson", "town": "lianzhou", "q": "水"})
    assert response.status_code == 200, response.text
    assert 0 < len(response.json()["features"]) <= 50


def test_staff_export_everything_streamed_in_order(capped: TestClient) -> None:
    auth = {"Authorization": f"Bearer {login(capped, 'planner')}"}
    geojson = capped.get("/api/export", params={"format": "geojson"}, headers=auth)
    assert geojson.status_code == 200 and geojson.headers["content-type"] == "application/geo+json"
    slugs = [f["id"] for f in orjson.loads(geojson.content)["features"]]
    assert len(slugs) == SYNTHETIC + 180 and slugs == sorted(slugs)
    rows = list(csv.DictReader(io.StringIO(capped.get("/api/export", params={"format": "csv"}, headers=auth).text)))
    assert [r["\ufeffslug"] for r in rows] == slugs


def test_exports_beyond_the_workers_limit_are_told_to_come_back(big_database: str, tmp_path: object) -> None:
    log = tmp_path / "server.log"  # type: ignore[operator]
    env = {"PLANMAP_EXPORT_CONCURRENCY": "1", "PLANMAP_EXPORT_QUEUE_SECONDS": "0.5", "DB_POOL_WARM": "0"}
    with serve_app(big_database, log, **env) as base, httpx.Client(base_url=base, timeout=60) as client:
        token = login(client, "planner")
        auth = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
        with client.stream("GET", "/api/export", params={"format": "geojson"}, headers=auth) as first:
            assert first.status_code == 200
            pieces = first.iter_raw()  # kept: dropping the iterator would close the download
            start = next(pieces)  # the first bytes arrive while the export is still being read
            assert start.startswith(b'{"type":"FeatureCollection","features":[')
            busy = client.get("/api/export", params={"format": "csv"}, headers=auth)
            assert busy.status_code == 503
            assert int(busy.headers["retry-after"]) >= 1 and "try again" in busy.json()["detail"]
            also_busy = client.get("/api/projects", params={"format": "csv", "limit": 5}, headers=auth)
            assert also_busy.status_code == 503  # the paged CSV is an export too
            assert next(pieces)  # the first download goes on meanwhile
        # The first download was abandoned half-way: its slot is free again.
        again = client.get("/api/export", params={"format": "csv", "town": "xingzi"}, headers=auth)
        assert again.status_code == 200 and again.text.startswith("\ufeffslug,")
        assert client.get("/api/projects", params={"limit": 1}).status_code == 200  # other reads never waited
    assert PASSWORD not in log.read_text()
