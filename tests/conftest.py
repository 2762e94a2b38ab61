"""Test fixtures: a real, throwaway PostGIS database per test session.

The database named by DATABASE_URL (the Makefile points it at the private cluster) is
only used to find the server; each session creates `planmap_test_<random>`, migrates
it with Alembic exactly as production is migrated, seeds it from geodata/, and drops it
at the end.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.catalog.seed import SeedResult, seed
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT, Settings
from app.main import create_app

GEODATA = REPO_ROOT / "geodata"

# Fixtures shared across rooms, registered once here instead of being imported (and re-exported) by
# each test module: `browser`, `page`, `api` (Chromium and an HTTP client for a module's `base_url`)
# and `world` (a database of its own with one user per role).
pytest_plugins = ["tests.support.editing", "tests.support.browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis case its own node id (`test_x[GET /api/towns]`).

    schemathesis 4 names its per-operation items apart but gives them all the test function's node id;
    pytest-xdist schedules by node id, so under `make test` the 99 operations of tests/api/test_fuzz.py
    collapsed into one and 98 were never run (the run ended at "90%" with no error). A test of this hook
    (tests/test_collection.py) keeps the ids distinct.
    """
    for item in items:
        if item.nodeid.endswith("::" + item.name) or "[" not in item.name:
            continue
        if item.parent is not None:
            item._id = item.parent.id.child(item.name)  # how pytest 9 names a node from its parent


def throwaway_url(prefix: str = "planmap_test") -> str:
    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    name = f"{prefix}_{secrets.token_hex(4)}"
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = throwaway_url()
    dbadmin.create_database(url)
    migrate.upgrade(url, "head")
    yield url
    dbadmin.drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_sync_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def first_seed(engine: Engine) -> SeedResult:
    """The result of seeding the fresh test database from geodata/."""
    return seed(engine, GEODATA)


@pytest.fixture(scope="session")
def catalog() -> dict:  # type: ignore[type-arg]
    return orjson.loads((GEODATA / "projects.geojson").read_bytes())


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # Two warmed connections per test app: the warm-up runs, and the many apps a session builds stay well
    # inside the test cluster's max_connections.
    return Settings(database_url=database_url, db_pool_warm=2)


@pytest.fixture(scope="session")
def client(settings: Settings, first_seed: SeedResult) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty, unmigrated database for tests that need a clean slate."""
    url = throwaway_url("planmap_scratch")
    dbadmin.create_database(url)
    yield url
    dbadmin.drop_database(url)


def write_collection(path: Path, features: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    return path


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """The app served by a real uvicorn in its own process on a free local port, for clients
    that speak HTTP themselves (GDAL, browsers, concurrent writers). A separate process,
    because GDAL's reads hold the GIL and would starve a server thread in the test process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": database_url}, cwd=REPO_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server, lambda: "")
        yield url
    finally:
        stop_server(server)


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], diagnostics: Callable[[], str]) -> None:
    """Block until the server answers /healthz; fail with `diagnostics()` if it dies or takes 120 s
    (generous: on a loaded two-core machine with three test workers a start has taken over 60 s)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(f"the test server did not start{diagnostics()}")
        time.sleep(0.1)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="session")
def live_url(database_url: str, first_seed: SeedResult) -> Iterator[str]:
    with serve(database_url) as url:
        yield url
