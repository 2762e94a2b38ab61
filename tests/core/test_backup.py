"""`planmap backup` / `planmap restore`: a round trip brings every project, history row and user back identical.

The commands run as a user would run them (the `planmap` CLI in a subprocess, DATABASE_URL in the
environment). "Identical" is checked row by row over every app table (ids, timestamps and
geometries included), and the restored database must keep working: its sequences continue
after the restored rows, so new projects and users get fresh ids.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.auth.accounts import add_user
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT, Settings
from app.main import create_app
from tests.conftest import throwaway_url
from tests.support.editing import etag_of, new_feature
from tests.support.reliability import PASSWORD, db_fingerprint, fresh_database, login

pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/postgresql/15/bin/pg_dump").exists(), reason="PostgreSQL 15 client binaries missing"
)


def planmap(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-c", "from app.cli.main import main; main()", *args]
    return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def fingerprint(url: str) -> dict[str, str]:
    engine = make_sync_engine(url)
    try:
        return db_fingerprint(engine)
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source() -> Iterator[str]:
    """A database with history: edits, a status change, a deletion, several users."""
    with fresh_database("planmap_backup") as url:
        with TestClient(create_app(Settings(database_url=url))) as client:
            auth = {"Authorization": f"Bearer {login(client)}"}
            slug = "tanling-pumped-storage"
            assert (
                client.patch(
                    f"/api/projects/{slug}",
                    json={"geometry": {"type": "Point", "coordinates": [112.61, 24.96]}, "note": "surveyed"},
                    headers={**auth, "If-Match": etag_of(client, slug)},
                ).status_code
                == 200
            )
            assert (
                client.post(
                    f"/api/projects/{slug}/status",
                    json={"status": "under_construction", "date": "2023-05-01", "note": "ground broken"},
                    headers={**auth, "If-Match": etag_of(client, slug)},
                ).status_code
                == 200
            )
            assert client.post("/api/projects", json=new_feature("backup-made"), headers=auth).status_code == 201
            assert client.delete("/api/projects/backup-made", headers={**auth, "If-Match": '"v1"'}).status_code == 200
        yield url


def test_round_trip_into_an_empty_database(source: str, tmp_path: Path) -> None:
    file = tmp_path / "planmap.dump"
    before = fingerprint(source)
    backed_up = planmap(source, "backup", str(file))
    assert backed_up.returncode == 0, backed_up.stderr
    assert backed_up.stdout.startswith("backed up ") and f"-> {file}" in backed_up.stdout
    assert (
        "  projects: " in backed_up.stdout
        and "  audit_log: " in backed_up.stdout
        and "  users: 2 rows" in backed_up.stdout
    )
    assert not (tmp_path / "planmap.dump.partial").exists()

    target = throwaway_url("planmap_restored")  # does not exist yet: restore creates it
    try:
        restored = planmap(target, "restore", str(file))
        assert restored.returncode == 0, restored.stderr
        assert (
            restored.stdout.startswith("restored ") and "the database did not exist and was created" in restored.stdout
        )
        assert fingerprint(target) == before  # every table, every row, identical
        for sql in (
            "SELECT slug, version, ST_AsText(geom), status, updated_at FROM projects ORDER BY slug",
            "SELECT id, occurred_at, actor, action, object_key, changes::text, object_version, note "
            "FROM audit_log ORDER BY id",
            "SELECT id, username, role, password_hash, is_active FROM users ORDER BY id",
        ):
            assert rows(target, sql) == rows(source, sql), sql
        assert rows(target, "SELECT count(*) FROM audit_log")[0][0] >= 4
        # the restored database is at the code's migration head and keeps working
        engine = make_sync_engine(target)
        with engine.begin() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            add_user(conn, "after_restore", PASSWORD, "planner", "After", [], actor="test")
        engine.dispose()
        with TestClient(create_app(Settings(database_url=target))) as client:
            auth = {"Authorization": f"Bearer {login(client, 'after_restore')}"}
            assert client.post("/api/projects", json=new_feature("after-restore"), headers=auth).status_code == 201
            history = client.get("/api/projects/tanling-pumped-storage/history").json()
            assert [h["note"] for h in history][-2:] == ["surveyed", "ground broken"]
    finally:
        dbadmin.drop_database(target)


def test_restore_over_an_existing_database_brings_back_the_backup(source: str, tmp_path: Path) -> None:
    file = tmp_path / "before-accident.dump"
    assert planmap(source, "backup", str(file)).returncode == 0
    at_backup = fingerprint(source)
    # the accident: data changed and deleted after the backup
    engine = make_sync_engine(source)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE object_type = 'project'"))
        conn.execute(text("UPDATE projects SET name_en = 'overwritten' WHERE slug = 'tanling-pumped-storage'"))
        add_user(conn, "intruder", PASSWORD, "admin", "Intruder", [], actor="test")
    engine.dispose()
    assert fingerprint(source) != at_backup
    restored = planmap(source, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "did not exist" not in restored.stdout
    assert fingerprint(source) == at_backup
    assert rows(source, "SELECT count(*) FROM users WHERE username = 'intruder'") == [(0,)]


def test_a_broken_backup_changes_nothing(source: str, tmp_path: Path) -> None:
    before = fingerprint(source)
    good = tmp_path / "good.dump"
    assert planmap(source, "backup", str(good)).returncode == 0
    broken = tmp_path / "broken.dump"
    broken.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])  # cut off half-way
    result = planmap(source, "restore", str(broken))
    assert result.returncode == 1
    assert "restore failed (nothing was changed)" in result.stderr
    assert fingerprint(source) == before
    missing = planmap(source, "restore", str(tmp_path / "nope.dump"))
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_a_backup_is_readable_by_its_owner_only(source: str, tmp_path: Path) -> None:
    """A dump holds password hashes and every sensitive site's precise place: never world-readable, even
    under the usual umask 022 and when it replaces an older, readable backup of the same name."""
    file = tmp_path / "planmap.dump"
    file.write_bytes(b"an older backup")
    file.chmod(0o644)
    previous = os.umask(0o022)
    try:
        result = planmap(source, "backup", str(file))
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    assert file.stat().st_size > 1000
    photos = file.with_name("planmap.dump.photos.tar")  # the photo files the dump refers to
    for written in (file, photos):
        assert oct(written.stat().st_mode & 0o777) == oct(0o600), written.name
    assert sorted(p.name for p in tmp_path.iterdir()) == [file.name, photos.name]  # no partial file left behind
