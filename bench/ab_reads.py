"""Server time of the reads issue 23 is about, in-process, alternating rounds, medians and spread.

    DATABASE_URL=postgresql+psycopg://…/planmap_h13 .venv/bin/python bench/ab_reads.py [--rounds 7]

Runs against whatever DATABASE_URL holds (migrate, seed and `planmap dev synth --count N` first).
Each round asks every URL once, in turn, so a machine that gets busier or quieter during the run
affects every row alike; the spread (min–max) says how loaded the machine was. One connection,
no HTTP socket (Starlette's TestClient): the figure is the app's and the database's time, which
is what `/api/stats` and deep paging cost; wrk's throughput under load is `make bench`'s job.
"""

import argparse
import logging
import os
import statistics
import time

from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app


def _next(client: TestClient, url: str) -> str:
    body = client.get(url).json()
    return str(next(link["href"] for link in body["links"] if link["rel"] == "next"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--page", type=int, default=500, help="the deep page to compare with page 1 (limit 100)")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    with TestClient(create_app(Settings(database_url=os.environ["DATABASE_URL"]))) as client:
        deep_cursor = "/api/projects?limit=100"
        for _ in range(args.page - 1):
            deep_cursor = _next(client, deep_cursor)
        urls = {
            "/api/stats": "/api/stats",
            "/dashboard": "/dashboard",
            "/api/stats/facets": "/api/stats/facets",
            "/api/towns": "/api/towns",
            "/api/plans": "/api/plans",
            "/api/projects/{slug}/plans": "/api/projects/synth-50000/plans",
            "page 1 (limit 100)": "/api/projects?limit=100",
            f"page {args.page} by offset": f"/api/projects?limit=100&offset={(args.page - 1) * 100}",
            f"page {args.page} by cursor": deep_cursor,
        }
        times: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, url in urls.items():
                start = time.perf_counter()
                response = client.get(url)
                times[name].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
    print(f"| read | median ms | min–max ms ({args.rounds} rounds) |\n|---|---:|---|")
    for name, ms in times.items():
        print(f"| {name} | {statistics.median(ms):.0f} | {min(ms):.0f}–{max(ms):.0f} |")


if __name__ == "__main__":
    main()
