"""Every `planmap` command meets database trouble and bad settings the same way: one line, a clear exit code."""

import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from app.core.settings import REPO_ROOT

UNREACHABLE = "postgresql+psycopg://planmap:s3cret-pw@127.0.0.1:1/planmap"


def _planmap(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLANMAP_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env={**clean, "PYTHONPATH": str(REPO_ROOT), **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [("db", "current"), ("db", "upgrade"), ("seed",), ("towns", "list"), ("users", "list"), ("serve",)],
)
def test_unreachable_database_is_one_line_and_exit_1(command: tuple[str, ...]) -> None:
    result = _planmap(*command, DATABASE_URL=UNREACHABLE)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert lines[0].startswith("planmap: cannot reach the database postgresql+psycopg://planmap:***@127.0.0.1:1/")
    assert "Connection refused" in lines[0] and "DATABASE_URL" in lines[0]
    assert "s3cret-pw" not in result.stderr + result.stdout  # the password is never printed


def test_a_database_without_tables_says_to_migrate(scratch_database: str) -> None:
    result = _planmap("towns", "list", DATABASE_URL=scratch_database)
    assert result.returncode == 1
    assert result.stderr.strip().endswith('relation "towns" does not exist (run `planmap db upgrade`)')
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_helper_disposes_and_commands_still_work(scratch_database: str) -> None:
    """The happy path through the shared helper: create, migrate, seed, list."""
    assert _planmap("db", "upgrade", DATABASE_URL=scratch_database).returncode == 0
    seeded = _planmap("seed", DATABASE_URL=scratch_database)
    assert seeded.returncode == 0, seeded.stderr
    towns = _planmap("towns", "list", DATABASE_URL=scratch_database)
    assert towns.returncode == 0 and "xingzi\t星子镇\tdirect edits" in towns.stdout
    current = _planmap("db", "current", DATABASE_URL=scratch_database)
    name = make_url(scratch_database).database
    assert f"/{name}: revision " in current.stdout and "(head " in current.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PLANMAP_STALE_DAY": "30"}, "planmap: unknown setting PLANMAP_STALE_DAY; did you mean PLANMAP_STALE_DAYS?"),
        ({"PLANMAP_STALE_DAYS": "0"}, "planmap: invalid setting PLANMAP_STALE_DAYS: Input should be greater than"),
    ],
)
def test_bad_settings_stop_every_command_with_exit_2(env: dict[str, str], message: str) -> None:
    result = _planmap("db", "current", DATABASE_URL=UNREACHABLE, **env)
    assert result.returncode == 2
    assert result.stderr.startswith(message)


def test_serve_offers_the_worker_healthcheck_timeout() -> None:
    result = _planmap("serve", "--help", COLUMNS="200")
    assert "--timeout-worker-healthcheck" in result.stdout
