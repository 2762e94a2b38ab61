"""`planmap users`: an administrator manages staff accounts from the shell."""

import os
import subprocess
import sys

from sqlalchemy import text

from app.catalog.seed import seed
from app.core import migrate
from app.core.db import make_sync_engine
from tests.conftest import GEODATA


def _planmap(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env={**os.environ, "DATABASE_URL": url},
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_users_add_list_assign_disable_and_set_password(scratch_database: str) -> None:
    migrate.upgrade(scratch_database, "head")
    engine = make_sync_engine(scratch_database)
    assert seed(engine, GEODATA).ok

    added = _planmap(
        scratch_database, "users", "add", "wang.fang", "--role", "official", "--town", "xingzi",
        "--name", "王芳", "--password-stdin", stdin="a long enough secret\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "wang.fang added as official for xingzi" in added.stdout

    assert _planmap(scratch_database, "users", "assign-town", "wang.fang", "dalubian").returncode == 0
    listed = _planmap(scratch_database, "users", "list").stdout
    assert "wang.fang\tofficial\tdalubian,xingzi\tactive\t王芳" in listed

    short = _planmap(scratch_database, "users", "set-password", "wang.fang", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    no_town = _planmap(scratch_database, "users", "add", "x.y", "--role", "official", "--password-stdin",
                       stdin="a long enough secret\n")  # fmt: skip
    assert no_town.returncode == 1 and "needs at least one town" in no_town.stderr

    disabled = _planmap(scratch_database, "users", "disable", "wang.fang")
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    with engine.connect() as conn:
        row = conn.execute(text("SELECT is_active, password_hash FROM users WHERE username = 'wang.fang'")).one()
        actions = (
            conn.execute(text("SELECT action FROM audit_log WHERE object_type = 'user' ORDER BY id")).scalars().all()
        )
    assert row.is_active is False
    assert row.password_hash.startswith("$argon2id$")
    assert actions == ["create", "assign_town", "disable"]
    engine.dispose()
