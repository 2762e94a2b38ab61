"""Server time of the heavy and the new reads, in-process, in alternating rounds: medians and spread.

    DATABASE_URL=postgresql+psycopg://…/planmap_h13 .venv/bin/python bench/ab_reads.py [--rounds 5]

`make bench` calls `measure()` for every size after its servers stop; alone, it runs against
whatever DATABASE_URL holds (migrate, seed and `planmap dev synth --count N --reports-year 2025`
first). Each round asks every URL once, in turn, so a machine that gets busier or quieter during
the run affects every row alike; the spread (min–max) says how loaded it was. One connection, no
HTTP socket (Starlette's TestClient): the figure is the app's and the database's time, which is
what statistics, deep paging and the programme/progress/report reads cost.

The planner-only reports (the investment workbook, the evaluation report) are read with the
token of a planner account `bench-planner` that this creates in the benchmark database.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.api.paging import encode_cursor  # noqa: E402
from app.core.db import make_sync_engine  # noqa: E402
from app.core.settings import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

PLANNER = "bench-planner"
PAGE = 500  # the deep page compared with page 1 (limit 100)
# A read slower than this in its first round is not repeated, and no statement may run longer than the
# timeout: the progress reads took 37–92 s each at 1 k projects on a loaded machine, and grow with the
# product of items and reports, so at 100 k they would hold the benchmark for hours.
REPEAT_BUDGET_S = 10.0
STATEMENT_TIMEOUT = "30s"


def planner_token(client: TestClient, url: str) -> str:
    """A planner's bearer token: the account made with the real CLI (audited like any other)."""
    password = secrets.token_urlsafe(18)
    planmap = Path(sys.executable).parent / "planmap"
    env = {**os.environ, "DATABASE_URL": url}
    made = subprocess.run([str(planmap), "users", "add", PLANNER, "--role", "planner", "--password-stdin"],
                          input=password + "\n", text=True, capture_output=True, env=env)  # fmt: skip
    if made.returncode != 0:  # there from an earlier size: set a password this run knows
        subprocess.run([str(planmap), "users", "set-password", PLANNER, "--password-stdin"],
                       input=password + "\n", text=True, capture_output=True, env=env, check=True)  # fmt: skip
    answer = client.post("/api/auth/token", data={"username": PLANNER, "password": password})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def reads(url: str, year: int) -> dict[str, str]:
    """The URLs to time, with the middle synthetic project and the cursor of page PAGE read from the database."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            count = int(
                conn.execute(text("SELECT count(*) FROM projects_public WHERE deleted_at IS NULL")).scalar_one()
            )
            middle = (
                conn.execute(
                    text("SELECT slug FROM projects WHERE slug LIKE 'synth-%' ORDER BY id OFFSET :n LIMIT 1"),
                    {"n": max(0, count // 2 - 200)},
                ).scalar()
                or "tanling-pumped-storage"
            )
            page = min(PAGE, max(2, count // 100))
            last = conn.execute(
                text("SELECT slug FROM projects_public WHERE deleted_at IS NULL ORDER BY slug OFFSET :n LIMIT 1"),
                {"n": (page - 1) * 100 - 1},
            ).scalar_one()
    finally:
        engine.dispose()
    return {
        "/api/stats": "/api/stats",
        "/dashboard": "/dashboard",
        "/api/stats/facets": "/api/stats/facets",
        "/api/towns": "/api/towns",
        "page 1 (limit 100)": "/api/projects?limit=100",
        f"page {page} by offset": f"/api/projects?limit=100&offset={(page - 1) * 100}",
        f"page {page} by cursor": f"/api/projects?limit=100&cursor={encode_cursor(str(last))}",
        "/api/plans": "/api/plans",
        "/api/projects/{slug}/plans": f"/api/projects/{middle}/plans",
        "/api/programmes": "/api/programmes",
        f"/api/programmes/{year}": f"/api/programmes/{year}",
        "/api/projects/{slug}/programmes": f"/api/projects/{middle}/programmes",
        "/api/projects/{slug}/progress": f"/api/projects/{middle}/progress",
        f"/api/progress/standing?year={year}": f"/api/progress/standing?year={year}",
        f"/api/progress/summary?year={year}&by=town": f"/api/progress/summary?year={year}&by=town",
        "/api/ratings": "/api/ratings",
        f"/api/reports/investment.xlsx?month={year}-06 (planner)": f"/api/reports/investment.xlsx?month={year}-06",
        f"/api/reports/evaluation.docx annual {year} (planner)": (
            f"/api/reports/evaluation.docx?plan=lianzhou-14th&kind=annual&year={year}"
        ),
    }


def _statement_timeout(url: str, value: str | None) -> None:
    """Set (or reset) statement_timeout for the benchmark database's new sessions (the app's, here)."""
    engine = make_sync_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = conn.execute(text("SELECT current_database()")).scalar_one()
            setting = f"SET statement_timeout = '{value}'" if value else "RESET statement_timeout"
            conn.execute(text(f'ALTER DATABASE "{name}" {setting}'))
    finally:
        engine.dispose()


def measure(url: str, rounds: int, year: int = 2025) -> dict[str, dict[str, Any]]:
    """name → {url, status, bytes, ms: one time per round}; a read that fails keeps its status and no times.

    A read over REPEAT_BUDGET_S in its first round is timed once (`repeated: false`); a statement over
    STATEMENT_TIMEOUT is cancelled by PostgreSQL and the read keeps the error status it then answers.
    """
    logging.disable(logging.CRITICAL)
    _statement_timeout(url, STATEMENT_TIMEOUT)
    try:
        urls = reads(url, year)
        with TestClient(create_app(Settings(database_url=url))) as client:
            headers = {"Authorization": f"Bearer {planner_token(client, url)}"}
            out: dict[str, dict[str, Any]] = {
                name: {"url": u, "status": 0, "bytes": 0, "ms": [], "first_ms": None, "repeated": True}
                for name, u in urls.items()
            }
            for r in range(rounds):
                for name, u in urls.items():
                    if r and not out[name]["repeated"]:
                        continue
                    start = time.perf_counter()
                    response = client.get(u, headers=headers)
                    elapsed = (time.perf_counter() - start) * 1000
                    out[name].update(status=response.status_code, bytes=len(response.content))
                    if r == 0:
                        out[name].update(first_ms=elapsed, repeated=elapsed < REPEAT_BUDGET_S * 1000)
                    if response.status_code == 200:
                        out[name]["ms"].append(elapsed)
    finally:
        _statement_timeout(url, None)
        logging.disable(logging.NOTSET)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--year", type=int, default=2025, help="the year of the synthetic programme and reports")
    args = parser.parse_args()
    result = measure(os.environ["DATABASE_URL"], args.rounds, args.year)
    print(f"| read | status | median ms | min–max ms ({args.rounds} rounds) |\n|---|---|---:|---|")
    for name, r in result.items():
        ms = r["ms"]
        cells = f"{statistics.median(ms):.0f} | {min(ms):.0f}–{max(ms):.0f}" if ms else "– | –"
        print(f"| {name} | {r['status']} | {cells} |")


if __name__ == "__main__":
    main()
