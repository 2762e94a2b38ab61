"""`make soak`: minutes of mixed load on a real planmap server, with error rate, latency and memory recorded.

What it does, in order:
1. creates a throwaway database on DATABASE_URL's server (the private cluster by default),
   migrates and seeds it, and adds one planner account (the writes need a token);
2. starts the app as `uvicorn app.main:create_app` (one process, so its memory is one number),
   bound to 127.0.0.1 only, JSON access log to a temporary file as in production;
3. runs Debian's `wrk` with soak/soak.lua for SOAK_MINUTES (default 5): SOAK_CONNECTIONS (8)
   connections, each pausing so that together they ask about SOAK_RATE requests per second (default
   60, a busy day for a county site, below this 2-core machine's saturation so the latencies are not
   just queueing; `wrk` is closed-loop, so a slow server gets fewer), mixing project lists, single
   projects, near-me searches, vector tiles, towns, stats,
   a page, history and about 1 % writes (new projects);
4. samples the server's resident memory (RSS, /proc/PID/status) every 5 s, and fits a straight line
   to the samples after the first minute of warm-up (least squares): the slope is the growth trend.
   "Growing" needs both a slope more than two standard errors above zero *and* one that would add
   more than 5 % of the process's memory per hour; anything less is noise or warm-up;
5. reads the app's own /metrics at the end for answers by route and status (wrk only sees totals);
6. writes soak/RESULTS.md, stops the server and drops the database.

Everything stays on 127.0.0.1, and every loop is bounded by the run's duration.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.auth.accounts import add_user  # noqa: E402
from app.catalog.seed import seed  # noqa: E402
from app.core import dbadmin, migrate  # noqa: E402
from app.core.db import make_sync_engine  # noqa: E402
from app.core.settings import DEFAULT_DATABASE_URL  # noqa: E402

PASSWORD = "soak-test-password-1"
SAMPLE_SECONDS = 5
WARMUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


def fit(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Least-squares slope (MB per minute), its standard error, and R² of RSS against time."""
    xs = [t / 60 for t, _ in points]
    ys = [m for _, m in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if len(points) < 3 or sxx == 0:
        return 0.0, 0.0, 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    residuals = [y - (my + slope * (x - mx)) for x, y in zip(xs, ys, strict=True)]
    sse = sum(r * r for r in residuals)
    sst = sum((y - my) ** 2 for y in ys)
    stderr = (sse / (len(points) - 2) / sxx) ** 0.5
    return slope, stderr, (1 - sse / sst) if sst else 0.0


def histogram_quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """Prometheus-style quantile from cumulative (upper bound, count) buckets, linear within a bucket."""
    total = buckets[-1][1]
    if total == 0:
        return float("nan")
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            width = count - lower_count
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / width if width else 0)
        lower_bound, lower_count = bound, count
    return lower_bound


def app_metrics(
    base: str, token: str
) -> tuple[dict[tuple[str, str, str], float], dict[tuple[str, str], list[tuple[float, float]]]]:
    body = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
    counts: dict[tuple[str, str, str], float] = {}
    buckets: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == "planmap_http_requests_total":
                counts[(s.labels["method"], s.labels["route"], s.labels["status"])] = s.value
            elif s.name == "planmap_http_request_duration_seconds_bucket":
                key = (s.labels["method"], s.labels["route"])
                buckets.setdefault(key, []).append((float(s.labels["le"]), s.value))
    for value in buckets.values():
        value.sort()
    return counts, buckets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "5")))
    parser.add_argument("--rate", type=int, default=int(os.environ.get("SOAK_RATE", "60")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("SOAK_CONNECTIONS", "8")))
    parser.add_argument("--out", type=Path, default=REPO / "soak" / "RESULTS.md")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("soak: needs wrk (as root: apt-get install -y wrk)", file=sys.stderr)
        return 2

    base_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url = make_url(base_url).set(database=f"planmap_soak_{secrets.token_hex(4)}").render_as_string(hide_password=False)
    print(f"soak: preparing {make_url(url).database}", flush=True)
    dbadmin.create_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="planmap-soak-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        migrate.upgrade(url, "head")
        engine = make_sync_engine(url)
        assert seed(engine, REPO / "geodata").ok
        with engine.begin() as conn:
            add_user(conn, "soak", PASSWORD, "planner", "Soak test", [], actor="soak")
            slugs = list(
                conn.execute(text("SELECT slug FROM projects WHERE deleted_at IS NULL ORDER BY slug")).scalars()
            )
        (workdir / "slugs.txt").write_text("\n".join(slugs) + "\n")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = workdir / "app.log"
        env = {**os.environ, "DATABASE_URL": url, "PLANMAP_LOG_LEVEL": "INFO"}
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning"]  # fmt: skip
        with log_path.open("wb") as log:
            server = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the app did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.2)
        token = httpx.post(f"{base}/api/auth/token", data={"username": "soak", "password": PASSWORD}).json()
        delay_ms = max(0, round(args.connections * 1000 / args.rate))

        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        started = time.monotonic()

        def sample() -> None:
            while not stop.is_set():
                mb = rss_mb(server.pid) if server else None
                if mb is not None:
                    samples.append((time.monotonic() - started, mb))
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds = max(1, round(args.minutes * 60))
        print(f"soak: wrk for {seconds} s, {args.connections} connections, ~{args.rate} req/s -> {base}", flush=True)
        wrk_run = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(REPO / "soak" / "soak.lua"),
                base,
                "--",
                token["access_token"],
                str(delay_ms),
                str(workdir / "slugs.txt"),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        stop.set()
        sampler.join()
        if wrk_run.returncode != 0:
            raise RuntimeError(f"wrk failed: {wrk_run.stderr}")
        summary = json.loads(next(line for line in wrk_run.stderr.splitlines() if line.startswith("SOAK-JSON "))[10:])
        counts, buckets = app_metrics(base, token["access_token"])
        with engine.connect() as conn:
            written = conn.execute(text("SELECT count(*) FROM projects WHERE slug LIKE 'soak-%'")).scalar_one()
            audited = conn.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'create' AND object_key LIKE 'soak-%'")
            ).scalar_one()
        engine.dispose()
        log_text = log_path.read_text()
        error_lines = sum(
            1 for line in log_text.splitlines() if '"level":"ERROR"' in line or '"level":"CRITICAL"' in line
        )
        report = render(args, summary, samples, counts, buckets, written, audited, error_lines, wrk_run.stdout)
        args.out.write_text(report)
        print(report)
        print(f"soak: wrote {args.out}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        dbadmin.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)


def render(
    args: argparse.Namespace,
    summary: dict,  # type: ignore[type-arg]
    samples: list[tuple[float, float]],
    counts: dict[tuple[str, str, str], float],
    buckets: dict[tuple[str, str], list[tuple[float, float]]],
    written: int,
    audited: int,
    error_lines: int,
    wrk_stdout: str,
) -> str:
    requests = summary["requests"]
    seconds = summary["duration_us"] / 1e6
    errors = summary["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    server_errors = sum(v for (_, _, status), v in counts.items() if status.startswith("5"))
    client_errors = sum(v for (_, _, status), v in counts.items() if status.startswith("4"))
    lat = summary["latency_us"]
    steady = [(t, m) for t, m in samples if t >= min(WARMUP_SECONDS, 0.2 * seconds)]
    slope, stderr, r2 = fit(steady)
    mean_rss = statistics.fmean(m for _, m in steady) if steady else float("nan")
    growth_over_run = slope * (steady[-1][0] - steady[0][0]) / 60 if len(steady) > 1 else 0.0
    per_hour_share = slope * 60 / mean_rss if steady else 0.0
    if slope > 2 * stderr and per_hour_share > 0.05:
        trend = f"growing: {slope:.3f} MB/min, {per_hour_share:.1%} of the process per hour"
    else:
        trend = f"no growth trend ({slope * 60:+.1f} MB/hour extrapolated, {per_hour_share:+.1%} of the process)"
    lines = [
        "# Soak test results",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make soak` (soak/run.py, soak/soak.lua):",
        f"{seconds / 60:.1f} minutes of wrk, {args.connections} connections paced to ~{args.rate} req/s, one uvicorn",
        "process on 127.0.0.1, PostgreSQL on the private cluster, both on this 2-core machine.",
        "",
        "## Totals",
        "",
        "| | |",
        "|---|---|",
        f"| requests | {requests} ({requests / seconds:.1f} per second) |",
        f"| 5xx answers (app /metrics) | {server_errors:.0f} |",
        f"| 4xx answers (app /metrics) | {client_errors:.0f} |",
        f"| socket errors (connect/read/write/timeout) | {socket_errors} |",
        f"| error rate (5xx + socket errors) | {(server_errors + socket_errors) / max(requests, 1):.4%} |",
        f"| ERROR lines in the app log | {error_lines} |",
        f"| projects written (201) / in the database / with history row | "
        f"{counts.get(('POST', '/api/projects', '201'), 0):.0f} / {written} / {audited} |",
        "",
        "## Latency (wrk, all requests)",
        "",
        "| p50 | p90 | p99 | p99.9 | max |",
        "|---|---|---|---|---|",
        f"| {lat['p50'] / 1000:.1f} ms | {lat['p90'] / 1000:.1f} ms | {lat['p99'] / 1000:.1f} ms | "
        f"{lat['p999'] / 1000:.1f} ms | {lat['max'] / 1000:.1f} ms |",
        "",
        "## By route (the app's own histograms; quantiles interpolated within buckets)",
        "",
        "| method | route | answers by status | p50 | p99 |",
        "|---|---|---|---|---|",
    ]
    for (method, route), bucket in sorted(buckets.items(), key=lambda kv: -kv[1][-1][1]):
        by_status = ", ".join(
            f"{status}: {value:.0f}" for (m, r, status), value in sorted(counts.items()) if m == method and r == route
        )
        lines.append(
            f"| {method} | `{route}` | {by_status} | {histogram_quantile(bucket, 0.5) * 1000:.1f} ms | "
            f"{histogram_quantile(bucket, 0.99) * 1000:.1f} ms |"
        )
    lines += [
        "",
        f"## Memory of the app process (RSS every {SAMPLE_SECONDS} s)",
        "",
        f"- samples: {len(samples)}; first {samples[0][1]:.1f} MB, last {samples[-1][1]:.1f} MB, "
        f"min {min(m for _, m in samples):.1f} MB, max {max(m for _, m in samples):.1f} MB"
        if samples
        else "- no samples",
        f"- after warm-up ({len(steady)} samples, mean {mean_rss:.1f} MB): least-squares slope "
        f"{slope:+.3f} MB/min (standard error {stderr:.3f}, R² {r2:.2f}), i.e. {growth_over_run:+.1f} MB over the "
        f"measured span: **{trend}**",
        "",
        "| minute | RSS MB |",
        "|---|---|",
    ]
    per_minute: dict[int, list[float]] = {}
    for t, m in samples:
        per_minute.setdefault(int(t // 60), []).append(m)
    lines += [f"| {minute} | {statistics.fmean(ms):.1f} |" for minute, ms in sorted(per_minute.items())]
    lines += ["", "## wrk's own summary", "", "```", wrk_stdout.strip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
