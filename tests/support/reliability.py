"""Shared set-up for the reliability and security tests (issue 9).

- `fresh_database()`: a database of its own, migrated, seeded, with an admin and a planner;
- `serve_app()`: the app in a real uvicorn subprocess with extra environment, its log in a file;
- `db_fingerprint()`: a digest of every row of every app table, to prove a refused request
  changed nothing at all (not just the project it aimed at).
"""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from app.auth.accounts import add_user
from app.catalog.seed import seed
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT
from tests.conftest import GEODATA, stop_server, throwaway_url, wait_until_healthy

PASSWORD = "correct horse battery"
USERS = {"admin": ("admin", []), "planner": ("planner", [])}

_TABLES = text(
    """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
       ORDER BY 1"""
)


def prepare_database(url: str) -> None:
    """Migrate, seed and add the users to an existing empty database."""
    migrate.upgrade(url, "head")
    engine = make_sync_engine(url)
    try:
        assert seed(engine, GEODATA).ok
        with engine.begin() as conn:
            for username, (role, towns) in USERS.items():
                add_user(conn, username, PASSWORD, role, username, towns, actor="test")
    finally:
        engine.dispose()


@contextmanager
def fresh_database(prefix: str = "planmap_rel") -> Iterator[str]:
    url = throwaway_url(prefix)
    dbadmin.create_database(url)
    try:
        prepare_database(url)
        yield url
    finally:
        dbadmin.drop_database(url)


def db_fingerprint(engine: Engine, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """md5 of each app table's rows in a fixed order: equal fingerprints, equal data."""
    with engine.connect() as conn:
        tables = [t for t in conn.execute(_TABLES).scalars() if t not in skip]
        return {
            t: str(
                conn.execute(
                    text(f"SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM \"{t}\" x")
                ).scalar_one()
            )
            for t in tables
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_app(database_url: str, log_path: Path, **env: str) -> Iterator[str]:
    """uvicorn in its own process (like tests.conftest.serve) with extra environment; stderr to `log_path`."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "info",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            env={**os.environ, "DATABASE_URL": database_url, **env},
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, server, lambda: f":\n{log_path.read_text()[-3000:]}")
            yield url
        finally:
            stop_server(server)


def login(client: httpx.Client, username: str = "admin", password: str = PASSWORD) -> str:
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
