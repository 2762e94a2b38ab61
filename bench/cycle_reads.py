"""The implementation-cycle reads at scale, one request at a time, each in its own process: time and peak RSS.

    DATABASE_URL=postgresql+psycopg://…/cycle_100k .venv/bin/python bench/cycle_reads.py [--year 2025] [NAME …]

Each read runs in a fresh process (the app made, a planner token taken, one warm-up of /api/health),
so `peak RSS` is that process's high-water mark: the app's own (printed as `base RSS`, before the
read) plus what the read held at once. In-process (Starlette's TestClient), one connection, no HTTP
socket: the app's and the database's time. The machine is shared: the load average is printed
with each row. Statements over 60 s are cancelled (the read then answers 503).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READS = {
    "standing": "/api/progress/standing?year={year}",
    "standing-all": "/api/progress/standing?year={year}&limit=10000",
    "standing-behind": "/api/progress/standing?year={year}&flag=behind&limit=100",
    "standing-behind-as-of": "/api/progress/standing?year={year}&as_of={year}-07-20&flag=behind&limit=100",
    "standing-missing-as-of": "/api/progress/standing?year={year}&as_of={year}-07-20&flag=missing&limit=100",
    "summary-town": "/api/progress/summary?year={year}&by=town",
    "summary-class": "/api/progress/summary?year={year}&by=class",
    "summary-as-of": "/api/progress/summary?year={year}&by=unit&as_of={year}-07-20",
    "standing-deep": "/api/progress/standing?year={year}&cursor={standing_cursor}",
    "programme": "/api/programmes/{year}",
    "programme-deep": "/api/programmes/{year}?cursor={programme_cursor}",
    "workbook": "/api/reports/investment.xlsx?month={year}-06",
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def middle_cursors(url: str, year: int) -> dict[str, str]:
    """Cursors for pages from the middle of the year's standing (slug order) and programme (class, slug)."""
    from sqlalchemy import text

    from app.api.paging import encode_cursor
    from app.core.db import make_sync_engine

    engine = make_sync_engine(url)
    items = """FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id
               JOIN projects p ON p.id = i.project_id WHERE g.year = :y AND p.deleted_at IS NULL"""
    try:
        with engine.connect() as conn:
            half = int(conn.execute(text(f"SELECT count(*) {items}"), {"y": year}).scalar_one()) // 2
            slug = conn.execute(
                text(f"SELECT p.slug {items} ORDER BY p.slug OFFSET :n LIMIT 1"), {"y": year, "n": half}
            )
            row = conn.execute(text(f"SELECT i.class, p.slug {items} ORDER BY i.class, p.slug OFFSET :n LIMIT 1"),
                               {"y": year, "n": half}).one()  # fmt: skip
            return {"standing_cursor": encode_cursor(str(slug.scalar_one())),
                    "programme_cursor": encode_cursor(f"{row[0]}/{row[1]}")}  # fmt: skip
    finally:
        engine.dispose()


def one(name: str, year: int) -> dict[str, object]:
    """Time one read in this process (called in a child)."""
    import logging

    from fastapi.testclient import TestClient

    from app.core.settings import Settings
    from app.main import create_app

    sys.path.insert(0, str(ROOT / "bench"))
    from ab_reads import planner_token

    logging.disable(logging.CRITICAL)
    url = os.environ["DATABASE_URL"]
    with TestClient(create_app(Settings(database_url=url))) as client:
        headers = {"Authorization": f"Bearer {planner_token(client, url)}"}
        client.get("/api/health")
        base = rss_mb()
        path = READS[name].format(year=year, **middle_cursors(url, year))
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        return {"read": name, "url": path, "status": response.status_code, "bytes": len(response.content),
                "ms": round(elapsed), "base_rss_mb": round(base), "peak_rss_mb": round(rss_mb()),
                "load": os.getloadavg()[0]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(READS))
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.names[0], args.year)))
        return
    print("| read | status | bytes | ms | base → peak RSS MB | load (1 min) |\n|---|---|---:|---:|---|---|")
    for name in args.names:
        load = os.getloadavg()[0]
        done = subprocess.run([sys.executable, __file__, "--child", "--year", str(args.year), name],
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        if done.returncode != 0:
            print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1:]} | | | | {load:.2f} |")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {r['url']} | {r['status']} | {r['bytes']:,} | {r['ms']:,} | {r['base_rss_mb']} → "
              f"{r['peak_rss_mb']} | {load:.2f} → {r['load']:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
