"""Concurrent export downloads against a running server, with its memory and each download's first byte.

Usage (a server already running, its process id known):

    .venv/bin/python scripts/dev/export_load.py --url http://127.0.0.1:8765 --pid 12345 \
        --path "/api/export?format=geojson" --clients 3 [--header "Authorization: Bearer …"]

Samples the server's resident memory (VmRSS of the process and its children, from /proc) every
20 ms while `--clients` downloads of the same URL run at once, and prints per download: status,
time to the first byte, total time, bytes; then the server's RSS before and at its peak. Written
for issue 15 item 10 (exports without bound): the numbers go in the report, the script stays so
anyone can measure again.
"""

import argparse
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Download:
    status: int = 0
    first_byte_s: float = float("nan")
    total_s: float = float("nan")
    size: int = 0
    note: str = ""


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and its child processes (uvicorn workers), in bytes."""
    total = 0
    pids = [pid, *_children(pid)]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            continue
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found += [int(child), *_children(int(child))]
    return found


def download(url: str, headers: dict[str, str], out: Download) -> None:
    started = time.perf_counter()
    try:
        with httpx.stream("GET", url, headers=headers, timeout=600) as response:
            out.status = response.status_code
            for chunk in response.iter_raw():
                if out.size == 0 and chunk:
                    out.first_byte_s = time.perf_counter() - started
                out.size += len(chunk)
            if response.status_code != 200:
                out.note = response.headers.get("retry-after", "")
    except httpx.HTTPError as exc:
        out.note = repr(exc)
    out.total_s = time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--path", default="/api/export?format=geojson")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)

    before = rss_bytes(args.pid)
    peak = before
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_bytes(args.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    results = [Download() for _ in range(args.clients)]
    threads = [threading.Thread(target=download, args=(args.url + args.path, headers, r)) for r in results]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    for n, r in enumerate(results, 1):
        print(
            f"download {n}: HTTP {r.status}, first byte {r.first_byte_s:.2f} s, total {r.total_s:.2f} s, "
            f"{r.size / 1e6:.1f} MB {r.note}"
        )
    print(f"wall {wall:.2f} s; server RSS before {before / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
