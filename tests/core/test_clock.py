"""Lianzhou's calendar decides what "today" is, whatever the server's time zone."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from app.core import clock
from app.core.settings import REPO_ROOT


def test_today_is_lianzhous_date() -> None:
    assert clock.LIANZHOU_TZ.utcoffset(None) == timedelta(hours=8)
    before = datetime.now(UTC)
    today = clock.today()
    after = datetime.now(UTC)
    assert today in {(before + timedelta(hours=8)).date(), (after + timedelta(hours=8)).date()}
    assert clock.now().tzinfo is not None


def test_a_server_in_another_zone_agrees() -> None:
    """A server set to Los Angeles (16 hours behind Lianzhou) still names Lianzhou's day."""
    code = "from app.core import clock; print(clock.today().isoformat())"
    env = {**os.environ, "TZ": "America/Los_Angeles", "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == clock.today().isoformat()


def test_no_other_module_defines_its_own_clock() -> None:
    """One home for the zone: no fixed +8 offset, Asia/Shanghai or server-local date elsewhere in app/."""
    offenders = []
    for path in (REPO_ROOT / "app").rglob("*.py"):
        if path.name == "clock.py":
            continue
        source = path.read_text(encoding="utf-8")
        for needle in ("timedelta(hours=8)", "Asia/Shanghai", "date.today()", "datetime.today()", "LIANZHOU_TZ ="):
            if needle in source:
                offenders.append(f"{path.relative_to(REPO_ROOT)}: {needle}")
    assert offenders == []
