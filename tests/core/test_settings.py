"""Settings: a value given is a value used, and a misspelt variable stops the start instead of being ignored."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.settings import REPO_ROOT, Settings, env_name
from app.core.startup_checks import UnknownSettingError, refuse_unknown_settings, unknown_settings


def test_a_field_name_sets_the_field() -> None:
    assert Settings(stale_days=30).stale_days == 30
    assert Settings(token_ttl_minutes=60, tiles="none").token_ttl_minutes == 60


def test_every_construction_is_validated() -> None:
    with pytest.raises(ValidationError, match="stale_day"):
        Settings(stale_day=30)  # a misspelt keyword is refused, not ignored
    with pytest.raises(ValidationError, match="stale_days"):
        Settings(stale_days=0)
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.with_changes(stale_days=0)
    with pytest.raises(ValidationError):
        settings.model_copy(update={"stale_days": 0})  # pydantic's copy would have taken it
    assert settings.with_changes(stale_days=7).stale_days == 7
    with pytest.raises(ValidationError):
        settings.stale_days = 7  # type: ignore[misc]  # frozen: no unvalidated assignment either


def test_environment_names_have_one_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANMAP_STALE_DAYS", "45")
    monkeypatch.setenv("PLANMAP_DB_POOL_SIZE", "7")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h:5432/d")
    settings = Settings()
    assert (settings.stale_days, settings.db_pool_size, settings.database_url) == (
        45,
        7,
        "postgresql+psycopg://u@h:5432/d",
    )
    assert Settings(stale_days=30).stale_days == 30  # a keyword still beats the environment
    assert env_name("database_url") == "DATABASE_URL"
    assert all(env_name(f) == "PLANMAP_" + f.upper() for f in Settings.model_fields if f != "database_url")


def test_documented_old_names_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "9")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("PLANMAP_PG_BIN", "/opt/pg/bin")
    settings = Settings()
    assert (settings.db_pool_size, settings.db_connect_timeout, settings.pg_bin_dir) == (9, 3, Path("/opt/pg/bin"))
    refuse_unknown_settings({"DB_POOL_SIZE": "9", "PLANMAP_PG_BIN": "/opt/pg/bin"})  # known: no refusal


def test_unknown_planmap_variable_is_reported_with_the_likely_name() -> None:
    assert unknown_settings({"PLANMAP_STALE_DAY": "30"}) == [
        "unknown setting PLANMAP_STALE_DAY; did you mean PLANMAP_STALE_DAYS?"
    ]
    assert unknown_settings({"PLANMAP_NONSENSE": "1"}) == ["unknown setting PLANMAP_NONSENSE"]
    # Other programs' variables, and the tools' own PLANMAP_ ones, are not settings and not errors.
    assert unknown_settings({"HOME": "/root", "PLANMAP_PG_PORT": "55432", "PLANMAP_TILES": "none"}) == []
    with pytest.raises(UnknownSettingError, match="PLANMAP_STALE_DAY; did you mean PLANMAP_STALE_DAYS"):
        refuse_unknown_settings({"PLANMAP_STALE_DAY": "30"})


def test_an_unknown_variable_in_the_env_file_is_reported(tmp_path: Path) -> None:
    """Through the real `planmap` command, from a folder whose .env holds a typo: it exits and names it."""
    (tmp_path / ".env").write_text("PLANMAP_TOKEN_TTL_MINUTE=60\nPLANMAP_DB_PASSWORD=for-compose\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANMAP_")} | {"PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "db", "current"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown setting PLANMAP_TOKEN_TTL_MINUTE; did you mean PLANMAP_TOKEN_TTL_MINUTES?" in result.stderr, (
        result.stderr
    )


def test_server_refuses_to_start_on_a_misspelt_variable() -> None:
    """uvicorn exits instead of serving with the 180-day default the operator meant to change."""
    env = {"PATH": "/usr/bin:/bin", "PLANMAP_STALE_DAY": "30"}
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", "0"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unknown setting PLANMAP_STALE_DAY; did you mean PLANMAP_STALE_DAYS?" in result.stderr
