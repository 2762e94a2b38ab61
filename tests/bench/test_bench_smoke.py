"""`make bench` keeps working: the real harness, end to end, with a tiny N and one-second runs.

It creates its own database, synthesises 200 features with the real CLI, starts planmap and
tipg, drives both with wrk and writes the report; here only that every step happened and
the numbers are plausible is checked, not how fast anything is (that is bench/RESULTS.md).
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT

QUERIES = {"a", "b", "bz", "c", "d", "e10", "e10n", "e14", "e14n"}
TIPG_QUERIES = QUERIES - {"d"}  # tipg has no distance query


def test_bench_harness_runs_and_reports_both_servers(tmp_path: Path) -> None:
    if shutil.which("wrk") is None and os.geteuid() != 0:
        pytest.skip("wrk is not installed and only root may apt-get install it (apt-get install -y wrk)")
    db_name = f"planmap_bench_smoke_{secrets.token_hex(3)}"
    out, raw = tmp_path / "RESULTS.md", tmp_path / "run.json"
    command = [
        sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--sizes", "200", "--duration", "1", "--warmup", "0",
        "--single-duration", "1", "--explain-runs", "2", "--db-name", db_name, "--out", str(out), "--json", str(raw),
        "--baseline", str(tmp_path / "no-baseline.json"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    run = orjson.loads(raw.read_bytes())
    [size] = run["sizes"]
    assert size["synthetic"] == 200
    assert size["total_projects"] >= 200 + 167  # the catalog is seeded too
    by_key = {q["key"]: q for q in size["queries"]}
    assert set(by_key) == QUERIES
    for q in by_key.values():
        planmap = q["planmap"]
        assert planmap["error"] is None, planmap["error"]
        assert planmap["status"] == 200
        assert planmap["loaded"]["rps"] > 0 and planmap["loaded"]["errors"] == 0
        assert 0 < planmap["loaded"]["p50_ms"] <= planmap["loaded"]["p99_ms"]
        assert planmap["single"]["p50_ms"] > 0
        assert q["db_ms"] > 0
    assert by_key["a"]["planmap"]["features"] <= 100
    assert by_key["b"]["planmap"]["features"] >= 167  # every catalog project lies in the county's bbox

    report = out.read_text(encoding="utf-8")
    assert "## Targets" in report and "200 synthetic features" in report
    for q in by_key.values():
        assert f"({q['key']}) {q['label']}" in report

    # the benchmark database is dropped afterwards
    server = make_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)).set(database="postgres")
    engine = create_engine(server.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": db_name}).scalar()
    finally:
        engine.dispose()
    assert left == 0

    if run["tipg_unavailable"]:
        pytest.skip(
            f"planmap side checked; tipg could not be installed, so it was not measured: {run['tipg_unavailable']}"
        )
    for key in TIPG_QUERIES:
        tipg = by_key[key]["tipg"]
        assert tipg["error"] is None, tipg["error"]
        assert tipg["loaded"]["rps"] > 0 and tipg["loaded"]["errors"] == 0
        # same table, same query: the same number of features
        assert tipg["features"] == by_key[key]["planmap"]["features"], key
    assert "tipg 1." in report
