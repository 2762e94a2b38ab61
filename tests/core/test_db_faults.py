"""Database faults: a restart while requests flow, and writes interrupted half-way.

The restart test runs its own PostgreSQL cluster (scripts/pgcluster.sh on a free port, data in a
fresh directory), so stopping it disturbs nothing else; the cluster is stopped and deleted
afterwards. The app is a real uvicorn process that is never restarted: it must notice the outage,
answer 503 + Retry-After while it lasts, and serve again by itself once the database is back.
"""

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from app.core import dbadmin
from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT, Settings
from app.history import audit
from app.main import create_app
from tests.support.editing import new_feature
from tests.support.reliability import db_fingerprint, free_port, fresh_database, login, prepare_database, serve_app

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SLUG = "tanling-pumped-storage"

pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server binaries missing")


@dataclass
class Cluster:
    url: str
    env: dict[str, str]

    def ctl(self, action: str) -> None:
        subprocess.run(["scripts/pgcluster.sh", action], env=self.env, cwd=REPO_ROOT, check=True, capture_output=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own (as root under /var/lib/planmap, run by `postgres`)."""
    port = free_port()
    if os.geteuid() == 0:
        base = Path(f"/var/lib/planmap/faulttest-{secrets.token_hex(4)}")
    else:
        base = Path(tempfile.mkdtemp(prefix="planmap-faulttest-"))
    env = {**os.environ, "PLANMAP_PG_PORT": str(port), "PLANMAP_PG_BASE": str(base)}
    result = Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/planmap_fault", env)
    try:
        result.ctl("start")
        dbadmin.create_database(result.url)
        prepare_database(result.url)
        yield result
    finally:
        subprocess.run(["scripts/pgcluster.sh", "stop"], env=env, cwd=REPO_ROOT, check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Traffic:
    """Requests fired from threads while the database goes away and comes back."""

    base: str
    token: str
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: list[str] = field(default_factory=list)  # slugs answered 201
    answers: list[tuple[str, int, dict[str, str], str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, response: httpx.Response) -> None:
        with self.lock:
            self.answers.append((what, response.status_code, dict(response.headers), response.text[:300]))

    def writer(self, name: str) -> None:
        with httpx.Client(base_url=self.base, timeout=20) as client:
            for n in range(10_000):
                if self.stop.is_set():
                    return
                slug = f"fault-{name}-{n}"
                response = client.post(
                    "/api/projects", json=new_feature(slug), headers={"Authorization": f"Bearer {self.token}"}
                )
                self.record("write", response)
                if response.status_code == 201:
                    with self.lock:
                        self.acknowledged.append(slug)
                time.sleep(0.02)

    def reader(self) -> None:
        with httpx.Client(base_url=self.base, timeout=20) as client:
            while not self.stop.is_set():
                self.record("read", client.get("/api/projects", params={"town": "xingzi", "limit": "5"}))
                self.record("read", client.get(f"/api/projects/{SLUG}"))
                time.sleep(0.02)


def wait_until(predicate: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def status_of(base: str, path: str) -> int:
    try:
        return httpx.get(base + path, timeout=10).status_code
    except httpx.HTTPError:
        return -1


@pytest.mark.parametrize("pre_ping", ["false", "true"], ids=["pre-ping-off", "pre-ping-on"])
def test_database_restart_while_requests_flow(cluster: Cluster, tmp_path: Path, pre_ping: str) -> None:
    log = tmp_path / "server.log"
    with serve_app(cluster.url, log, PLANMAP_DB_POOL_PRE_PING=pre_ping, PLANMAP_LOG_LEVEL="INFO") as base:
        with httpx.Client(base_url=base) as client:
            token = login(client)
        traffic = Traffic(base, token)
        threads = [threading.Thread(target=traffic.writer, args=(f"{pre_ping}{i}",)) for i in range(2)]
        threads += [threading.Thread(target=traffic.reader) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.5)  # normal traffic: the pool is full of live connections
            cluster.ctl("stop")
            # While it is down: 503 with Retry-After and a JSON body, never a stack trace; the process lives.
            wait_until(lambda: status_of(base, "/readyz") == 503, 15, "/readyz to report the outage")
            down = httpx.get(f"{base}/api/projects/{SLUG}", timeout=10)
            assert down.status_code == 503
            assert down.headers["retry-after"] == "5"
            assert down.headers["content-type"] == "application/json"
            assert down.json() == {"detail": "the database is unavailable; try again shortly"}
            assert httpx.get(f"{base}/healthz").status_code == 200
            ready = httpx.get(f"{base}/readyz")
            assert ready.headers["retry-after"] == "5" and ready.json()["database"] == "unreachable"
            time.sleep(1.5)
            cluster.ctl("start")
            # Back by itself: no restart of the app.
            recovery = wait_until(lambda: status_of(base, "/readyz") == 200, 30, "/readyz to recover")
            wait_until(lambda: status_of(base, f"/api/projects/{SLUG}") == 200, 10, "reads to recover")
            time.sleep(1.5)  # traffic after the recovery
        finally:
            traffic.stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert recovery < 15
        with httpx.Client(base_url=base) as client:
            after = client.post(
                "/api/projects", json=new_feature(f"after-{pre_ping}"), headers={"Authorization": f"Bearer {token}"}
            )
            assert after.status_code == 201, after.text

    statuses = [status for _, status, _, _ in traffic.answers]
    assert 503 in statuses and 200 in statuses and 201 in statuses
    failures = [(w, s, b) for w, s, h, b in traffic.answers if s >= 500 and not (s == 503 and h.get("retry-after"))]
    assert failures == [], failures[:5]
    assert all(h["content-type"] == "application/json" for _, s, h, _ in traffic.answers if s == 503)
    # After the outage, everything answered 2xx is there, with its history row.
    engine = make_sync_engine(cluster.url)
    try:
        with engine.connect() as conn:
            stored = set(
                conn.execute(
                    text("SELECT slug FROM projects WHERE slug = ANY(:s)"), {"s": traffic.acknowledged}
                ).scalars()
            )
            audited = set(
                conn.execute(
                    text("SELECT object_key FROM audit_log WHERE action = 'create' AND object_key = ANY(:s)"),
                    {"s": traffic.acknowledged},
                ).scalars()
            )
    finally:
        engine.dispose()
    assert traffic.acknowledged and stored == set(traffic.acknowledged) and audited == stored
    # The outage was logged as such, with the request's id, and without a traceback.
    text_log = log.read_text()
    assert '"logger":"planmap.db"' in text_log and "database unavailable" in text_log
    assert "Traceback" not in text_log


# ---------------------------------------------------------------- interrupted writes


@pytest.fixture(scope="module")
def editing() -> Iterator[tuple[TestClient, Any, dict[str, str]]]:
    with fresh_database("planmap_interrupt") as url:
        engine = make_sync_engine(url)
        with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) as client:
            yield client, engine, {"Authorization": f"Bearer {login(client)}"}
        engine.dispose()


def _interrupt_after_update(monkeypatch: pytest.MonkeyPatch, how: str, seen: list[int]) -> None:
    """Make the audit write (the step after the project's UPDATE) fail: by an exception, or by the
    database connection dying under it."""

    def record(conn: Connection, **kwargs: Any) -> None:
        # Inside the transaction the UPDATE has happened: the interruption really is half-way.
        seen.append(conn.execute(text("SELECT version FROM projects WHERE slug = :s"), {"s": SLUG}).scalar_one())
        if how == "exception":
            raise RuntimeError("simulated crash between the project UPDATE and its history row")
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    monkeypatch.setattr(audit, "record", record)


@pytest.mark.parametrize(("how", "status"), [("exception", 500), ("connection killed", 503)])
def test_interrupted_write_leaves_nothing_half_written(
    editing: tuple[TestClient, Any, dict[str, str]], monkeypatch: pytest.MonkeyPatch, how: str, status: int
) -> None:
    client, engine, auth = editing
    current = client.get(f"/api/projects/{SLUG}")
    before = db_fingerprint(engine)
    seen: list[int] = []
    _interrupt_after_update(monkeypatch, how, seen)
    response = client.patch(
        f"/api/projects/{SLUG}",
        json={"geometry": {"type": "Point", "coordinates": [112.60, 24.95]}, "note": "moved"},
        headers={**auth, "If-Match": current.headers["etag"]},
    )
    monkeypatch.undo()
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text and response.json()["detail"]
    old_version = int(current.headers["etag"].strip('"v'))
    assert seen == [old_version + 1]  # the UPDATE had been made when the write was cut off
    # Neither the new geometry nor a history row: every table is exactly as before.
    assert db_fingerprint(engine) == before
    again = client.get(f"/api/projects/{SLUG}")
    assert again.headers["etag"] == current.headers["etag"]
    assert again.json()["geometry"] == current.json()["geometry"]
    # and the app carries on: the same edit now succeeds, with its history row
    retry = client.patch(
        f"/api/projects/{SLUG}",
        json={"geometry": {"type": "Point", "coordinates": [112.60, 24.95]}, "note": "moved"},
        headers={**auth, "If-Match": current.headers["etag"]},
    )
    assert retry.status_code == 200, retry.text
    history = client.get(f"/api/projects/{SLUG}/history").json()
    assert history[-1]["note"] == "moved" and history[-1]["version"] == old_version + 1
    # put it back for the other parametrisation
    reset = client.patch(
        f"/api/projects/{SLUG}",
        json={"geometry": current.json()["geometry"]},
        headers={**auth, "If-Match": retry.headers["etag"]},
    )
    assert reset.status_code == 200
