"""Server time of the reads issue 23 is about, in-process, alternating rounds, medians and spread.

    DATABASE_URL=postgresql+psycopg://…/planmap_h13 .venv/bin/python bench/stats_reads.py [--rounds 7] [--stats-only]

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
    parser.add_argument(
        "--stats-only", action="store_true", help="only the statistics (summaries of migration 0017), no paging"
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    with TestClient(create_app(Settings(database_url=os.environ["DATABASE_URL"]))) as client:
        urls = STATS_URLS if args.stats_only else _all_urls(client, args.page)
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


# The reads the summaries serve, and one that still takes the live query (a past day) for comparison.
STATS_URLS = {
    "/api/stats": "/api/stats",
    "/dashboard": "/dashboard",
    "/api/stats/facets": "/api/stats/facets",
    "/api/stats/facets?town=xingzi&warning=stale": "/api/stats/facets?town=xingzi&warning=stale",
    "/api/towns": "/api/towns",
    "/api/towns/xingzi": "/api/towns/xingzi",
    "/ogc/collections/towns/items": "/ogc/collections/towns/items",
    "/api/stats?as_of=2025-06-30 (live)": "/api/stats?as_of=2025-06-30",
}


def _all_urls(client: TestClient, page: int) -> dict[str, str]:
    deep_cursor = "/api/projects?limit=100"
    for _ in range(page - 1):
        deep_cursor = _next(client, deep_cursor)
    return {
        "/api/stats": "/api/stats",
        "/dashboard": "/dashboard",
        "/api/stats/facets": "/api/stats/facets",
        "/api/towns": "/api/towns",
        "/api/plans": "/api/plans",
        "/api/projects/{slug}/plans": "/api/projects/synth-50000/plans",
        "page 1 (limit 100)": "/api/projects?limit=100",
        f"page {page} by offset": f"/api/projects?limit=100&offset={(page - 1) * 100}",
        f"page {page} by cursor": deep_cursor,
    }


if __name__ == "__main__":
    main()
