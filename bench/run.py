"""planmap against tipg on the same PostGIS table, at 1 k, 100 k and 1 M features: `make bench`.

Why this shape:

- **Same data, same table, same machine, same run.** Both servers read `projects` of one
  dedicated database (`planmap_bench`, never the dev database), filled by `planmap dev synth`
  (the 167 catalog projects plus N synthetic ones). Ratios are taken within one run, so a
  busier or quieter machine moves both sides alike.
- **Same serving conditions.** Each is one uvicorn process (`--workers 1`, access log off,
  uvloop/httptools where installed); on two cores, PostgreSQL and the load generator need
  the other core. tipg runs from its own virtualenv (`bench/.venv-tipg`, created here), so
  its pins never touch planmap's.
- **A real load generator**: `wrk` (Debian's; installed with apt when missing and root),
  `-t2 -c8` for throughput and tail latency, then `-t1 -c1` for planmap's unloaded latency,
  which is what can fairly be compared to the database's own execution time (EXPLAIN
  (ANALYZE, TIMING OFF) of exactly the SQL the endpoint runs, median of repeated runs):
  under 8 connections p50 is mostly queueing, not work.
- Before measuring, each URL is fetched once and checked (status 200, feature count), so a
  broken endpoint shows up as an error in the table instead of as a fast 4xx.

Results: `bench/RESULTS.md` (tables, machine, date, targets met or missed, and the notes in
`bench/NOTES.md`), raw numbers in `bench/results/latest.json`. With `bench/results/before.json`
present (a run before the speed-ups, kept on purpose) a before/after table is added.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.catalog.seed import seed  # noqa: E402
from app.core import dbadmin, migrate  # noqa: E402
from app.core.db import make_sync_engine  # noqa: E402
from app.core.settings import DEFAULT_DATABASE_URL  # noqa: E402
from app.queries.project_filter import Near, ProjectFilter  # noqa: E402
from app.queries.project_pages import feature_sql, page_sql  # noqa: E402
from app.queries.tiles import tile_sql  # noqa: E402
from bench.report import load_steps, render  # noqa: E402

BENCH = ROOT / "bench"
TIPG_VENV = BENCH / ".venv-tipg"
TIPG_REQUIREMENT = "tipg==1.6.1"
WORKERS = 1
CENTER = (112.3712, 24.7819)  # the seat of Lianzhou town, the county's city
ITEM_SLUG = "tanling-pumped-storage"
SMALL_BBOX = (CENTER[0] - 0.04, CENTER[1] - 0.03, CENTER[0] + 0.04, CENTER[1] + 0.03)  # about 8 x 7 km
NEAR_RADIUS_M = 5000.0
COUNTY_LIMIT = 10_000  # the most either server returns in one page


# --- measurement records ---------------------------------------------------------------------


@dataclass
class Load:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


@dataclass
class Side:
    """One server's answer to one query: what it returned, and how fast under load."""

    url: str
    status: int = 0
    bytes: int = 0
    features: int | None = None
    loaded: Load | None = None
    single: Load | None = None  # one connection: latency without queueing
    error: str | None = None


@dataclass
class QueryResult:
    key: str
    label: str
    planmap: Side
    tipg: Side | None
    db_ms: float | None = None  # median EXPLAIN ANALYZE execution time
    db_planning_ms: float | None = None


@dataclass
class SizeResult:
    synthetic: int
    total_projects: int
    synth_seconds: float
    queries: list[QueryResult] = field(default_factory=list)
    # 1-minute load average when measuring began and ended: above ~2 on this 2-core machine, something
    # besides the benchmark was using the CPUs and the numbers of that size are pessimistic
    load: tuple[float, float] | None = None


@dataclass
class Run:
    started: str
    machine: dict[str, str]
    settings: dict[str, Any]
    tipg: str | None
    tipg_unavailable: str | None
    sizes: list[SizeResult] = field(default_factory=list)


# --- tools -----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian; as root install it like scripts/ensure-postgis.sh does PostGIS, else say how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is not installed. Run as root:  apt-get update && apt-get install -y wrk")
    print("bench: installing wrk with apt", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: apt installed wrk but it is not on PATH")
    return found


def ensure_tipg() -> tuple[Path | None, str | None, str | None]:
    """(python of tipg's virtualenv, tipg version, why unavailable). Created once, reused afterwards."""
    python = TIPG_VENV / "bin" / "python"
    probe = [str(python), "-c", "import tipg, uvicorn; print(tipg.__version__)"]
    if python.exists():
        ok = subprocess.run(probe, capture_output=True, text=True)
        if ok.returncode == 0:
            return python, ok.stdout.strip(), None
    print(f"bench: creating {TIPG_VENV.relative_to(ROOT)} with {TIPG_REQUIREMENT}", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(TIPG_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", TIPG_REQUIREMENT, "uvicorn[standard]"],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-1:] or [str(exc)]
        return None, None, f"pip could not install {TIPG_REQUIREMENT}: {detail[0]}"
    ok = subprocess.run(probe, capture_output=True, text=True)
    if ok.returncode != 0:
        return None, None, f"tipg installed but does not import: {ok.stderr.strip()[-300:]}"
    return python, ok.stdout.strip(), None


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {value!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """Requests/s, p50, p99 and error count from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise ValueError(f"cannot read wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return Load(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), int(total.group(1)), errors)


def wrk(
    binary: str, url: str, seconds: int, threads: int, connections: int, headers: tuple[tuple[str, str], ...] = ()
) -> Load:
    command = [
        binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency", url,
    ]  # fmt: skip
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], cwd: Path, health: str) -> Iterator[None]:
    """A server process that is up (health URL answers 200) for the body of the block, then stopped."""
    log = open(BENCH / f".{name}.log", "w")  # noqa: SIM115 (closed in finally; kept for post-mortems)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(health, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log.name}")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- the database ----------------------------------------------------------------------------


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql://… for tipg (asyncpg) from planmap's postgresql+psycopg://… URL."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def prepare_database(url: str) -> None:
    """A fresh benchmark database: created, migrated and seeded (county, towns, the 167 catalog projects)."""
    dbadmin.drop_database(url)
    dbadmin.create_database(url)
    migrate.upgrade(url, "head")
    engine = make_sync_engine(url)
    try:
        result = seed(engine, ROOT / "geodata")
        if not result.ok:
            raise SystemExit("bench: seeding the benchmark database failed:\n" + "\n".join(result.lines()))
    finally:
        engine.dispose()


def add_synthetic(url: str, count: int, seed_value: int) -> float:
    """Run the real CLI (`planmap dev synth`), then VACUUM ANALYZE so both servers meet a settled table."""
    started = time.monotonic()
    if count:
        planmap = Path(sys.executable).parent / "planmap"
        command = [str(planmap), "dev", "synth", "--count", str(count), "--seed", str(seed_value)]
        subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": url})
    engine = make_sync_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE projects"))
            conn.execute(text("VACUUM ANALYZE project_towns"))
            # Write the pages the insert and VACUUM dirtied now (about a gigabyte at 1 M), so that flushing them
            # is not part of any measured row: the server's log showed that checkpoint running through them.
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError as exc:  # a role without pg_checkpoint: measure anyway, and say so
                print(f"bench: CHECKPOINT refused ({exc.orig}); a checkpoint may disturb the timings", flush=True)
    finally:
        engine.dispose()
    return time.monotonic() - started


def explain_ms(engine: Engine, sql: str, params: dict[str, Any], runs: int) -> tuple[float, float]:
    """Median execution and planning time (ms) PostgreSQL reports for the statement, after 2 warm-up runs."""
    execution, planning = [], []
    with engine.connect() as conn:
        for i in range(runs + 2):
            plan = conn.execute(text("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql), params).scalar_one()
            doc = plan[0] if isinstance(plan, list) else orjson.loads(plan)[0]
            if i >= 2:
                execution.append(float(doc["Execution Time"]))
                planning.append(float(doc["Planning Time"]))
    return statistics.median(execution), statistics.median(planning)


# --- the queries -----------------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


@dataclass(frozen=True)
class Query:
    key: str
    label: str
    planmap_path: str
    tipg_path: str | None
    sql: Callable[[], tuple[str, dict[str, Any]]] | None  # what planmap runs, for EXPLAIN ANALYZE
    kind: str  # "geojson", "feature" or "mvt"
    headers: tuple[tuple[str, str], ...] = ()  # sent by wrk and by the check, to both servers


def _bbox_text(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def queries(engine: Engine) -> list[Query]:
    """The benchmark's queries, with the ids and extents they need read from the database."""
    with engine.connect() as conn:
        item_id = conn.execute(text("SELECT id FROM projects WHERE slug = :s"), {"s": ITEM_SLUG}).scalar_one()
        county = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) e FROM county_boundary) s"
            )
        ).one()
    county_box = (float(county[0]), float(county[1]), float(county[2]), float(county[3]))
    tipg = "/collections/public.projects"

    def page(flt: ProjectFilter, limit: int) -> Callable[[], tuple[str, dict[str, Any]]]:
        def build() -> tuple[str, dict[str, Any]]:
            sql, params = page_sql(flt)
            return sql, {**params, "limit": limit, "offset": 0}

        return build

    def item() -> tuple[str, dict[str, Any]]:
        return feature_sql(ProjectFilter(), ITEM_SLUG)

    def tile(z: int, x: int, y: int) -> Callable[[], tuple[str, dict[str, Any]]]:
        def build() -> tuple[str, dict[str, Any]]:
            sql, params = tile_sql(ProjectFilter(), z)
            return sql, {**params, "z": z, "x": x, "y": y}

        return build

    small, whole = _bbox_text(SMALL_BBOX), _bbox_text(county_box)
    near = f"{CENTER[0]},{CENTER[1]}"
    result = [
        Query(
            "a", "items in a small bbox (limit 100)", f"/api/projects?bbox={small}&limit=100",
            f"{tipg}/items?bbox={small}&limit=100", page(ProjectFilter(bbox=SMALL_BBOX), 100), "geojson",
        ),
        Query(
            "b", f"whole county bbox (limit {COUNTY_LIMIT})", f"/api/projects?bbox={whole}&limit={COUNTY_LIMIT}",
            f"{tipg}/items?bbox={whole}&limit={COUNTY_LIMIT}", page(ProjectFilter(bbox=county_box), COUNTY_LIMIT),
            "geojson",
        ),
        Query(
            "bz", "whole county bbox, gzip", f"/api/projects?bbox={whole}&limit={COUNTY_LIMIT}",
            f"{tipg}/items?bbox={whole}&limit={COUNTY_LIMIT}", page(ProjectFilter(bbox=county_box), COUNTY_LIMIT),
            "geojson", (("Accept-Encoding", "gzip"),),
        ),
        Query("c", "one item by id", f"/api/projects/{ITEM_SLUG}", f"{tipg}/items/{item_id}", item, "feature"),
        Query(
            "d", "near me, 5 km", f"/api/projects?near={near}&radius_m={NEAR_RADIUS_M:.0f}", None,
            page(ProjectFilter(near=Near(CENTER[0], CENTER[1], NEAR_RADIUS_M)), 1000), "geojson",
        ),
    ]  # fmt: skip
    for z in (10, 14):
        x, y = tile_of(*CENTER, z)
        path, tipg_path = f"/tiles/{z}/{x}/{y}.pbf", f"{tipg}/tiles/WebMercatorQuad/{z}/{x}/{y}"
        result.append(Query(f"e{z}", f"MVT tile z={z}", path, tipg_path, tile(z, x, y), "mvt"))
        # the same tile made afresh every time: planmap's microcache skipped (tipg has none)
        no_cache = (("Cache-Control", "no-cache"),)
        result.append(Query(f"e{z}n", f"MVT tile z={z}, no-cache", path, tipg_path, tile(z, x, y), "mvt", no_cache))
    return result


def check(url: str, kind: str, headers: tuple[tuple[str, str], ...] = ()) -> Side:
    """Fetch once: the status, size (as sent) and feature count a user would get."""
    side = Side(url=url)
    try:
        response = httpx.get(url, timeout=120, headers={"Accept-Encoding": "identity", **dict(headers)})
    except httpx.HTTPError as exc:
        side.error = f"{type(exc).__name__}: {exc}"
        return side
    side.status = response.status_code
    side.bytes = int(response.headers.get("content-length") or len(response.content))
    if response.status_code != 200:
        side.error = f"HTTP {response.status_code}: {response.text[:200]}"
        return side
    if kind == "geojson":
        side.features = len(orjson.loads(response.content)["features"])
    elif kind == "feature":
        side.features = 1
    else:
        import mapbox_vector_tile

        layers = mapbox_vector_tile.decode(response.content)
        side.features = sum(len(layer["features"]) for name, layer in layers.items() if name not in ("towns", "county"))
    return side


# --- the run ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "planmap": f"{commit or '?'}{' + uncommitted changes' if dirty else ''}",
    }


def measure(
    run: Run, args: argparse.Namespace, url: str, tipg_python: Path | None, wrk_bin: str, size: SizeResult
) -> None:
    """Start both servers on the prepared database and measure every query."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version(), postgis_lib_version()")).one()
            run.machine["postgresql"] = str(versions[0]).split(" on ")[0]
            run.machine["postgis"] = str(versions[1])
        plan = queries(engine)
        planmap_port, tipg_port = free_port(), free_port()
        env = {**os.environ, "DATABASE_URL": url}
        planmap_cmd = [
            sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(planmap_port), "--workers", str(WORKERS), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        planmap_base = f"http://127.0.0.1:{planmap_port}"
        tipg_base = f"http://127.0.0.1:{tipg_port}"
        with (
            server("planmap", planmap_cmd, env, ROOT, f"{planmap_base}/healthz"),
            tipg_server(tipg_python, tipg_port, url),
        ):
            for q in plan:
                if args.only and q.key not in args.only:
                    continue
                print(f"bench: {size.synthetic} synthetic, ({q.key}) {q.label}", flush=True)
                result = QueryResult(q.key, q.label, check(planmap_base + q.planmap_path, q.kind, q.headers), None)
                if tipg_python is not None and q.tipg_path is not None:
                    result.tipg = check(tipg_base + q.tipg_path, q.kind, q.headers)
                for side in (result.planmap, result.tipg):
                    if side is None or side.error:
                        continue
                    if args.warmup:
                        wrk(wrk_bin, side.url, args.warmup, args.threads, args.connections, q.headers)
                    side.loaded = wrk(wrk_bin, side.url, args.duration, args.threads, args.connections, q.headers)
                if not result.planmap.error:
                    result.planmap.single = wrk(wrk_bin, result.planmap.url, args.single_duration, 1, 1, q.headers)
                if q.sql is not None:
                    sql, params = q.sql()
                    result.db_ms, result.db_planning_ms = explain_ms(engine, sql, params, args.explain_runs)
                size.queries.append(result)
    finally:
        engine.dispose()


@contextmanager
def tipg_server(python: Path | None, port: int, url: str) -> Iterator[None]:
    """tipg on the same database, publishing only public.projects, pages capped like planmap's."""
    if python is None:
        yield
        return
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": libpq_url(url),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": '["public.projects"]',
        "TIPG_MAX_FEATURES_PER_QUERY": str(COUNTY_LIMIT),
        "TIPG_DEFAULT_FEATURES_LIMIT": "10",
    }
    command = [
        str(python), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(WORKERS), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    # cwd=bench/: tipg reads a .env of its working directory, and the repository's is planmap's
    with server("tipg", command, env, BENCH, f"http://127.0.0.1:{port}/healthz"):
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000 100000 1000000", help="synthetic feature counts, ascending")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each loaded wrk run")
    parser.add_argument("--single-duration", type=int, default=5, help="seconds of each one-connection run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each loaded run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--explain-runs", type=int, default=15)
    parser.add_argument("--db-name", default="planmap_bench")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database for inspection")
    parser.add_argument("--no-tipg", action="store_true", help="measure planmap only")
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="KEY", help="measure only these rows (a b bz c d e10 …), for an A/B"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--baseline", type=Path, default=BENCH / "results" / "before.json")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.replace(",", " ").split())

    wrk_bin = ensure_wrk()
    tipg_python, tipg_version, unavailable = (None, None, "--no-tipg") if args.no_tipg else ensure_tipg()
    if unavailable:
        print(f"bench: tipg not measured ({unavailable})", flush=True)
    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url = make_url(base).set(database=args.db_name).render_as_string(hide_password=False)
    run = Run(
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine(),
        settings={
            "workers": WORKERS,
            "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s (warm-up {args.warmup}s)",
            "single": f"-t1 -c1 -d{args.single_duration}s",
            "explain_runs": args.explain_runs,
            "sizes": sizes,
        },
        tipg=tipg_version,
        tipg_unavailable=unavailable,
    )
    print(f"bench: database {make_url(url).render_as_string(hide_password=True)}", flush=True)
    prepare_database(url)
    try:
        current = 0
        for n in sizes:
            seconds = add_synthetic(url, n - current, seed_value=n)
            current = n
            size = SizeResult(synthetic=n, total_projects=0, synth_seconds=round(seconds, 1))
            engine = make_sync_engine(url)
            try:
                with engine.connect() as conn:
                    size.total_projects = int(conn.execute(text("SELECT count(*) FROM projects")).scalar_one())
            finally:
                engine.dispose()
            load_before = os.getloadavg()[0]
            measure(run, args, url, tipg_python, wrk_bin, size)
            size.load = (round(load_before, 2), round(os.getloadavg()[0], 2))
            run.sizes.append(size)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_bytes(orjson.dumps(asdict(run), option=orjson.OPT_INDENT_2))
    finally:
        if not args.keep_db:
            dbadmin.drop_database(url)
    baseline = orjson.loads(args.baseline.read_bytes()) if args.baseline.is_file() else None
    notes = (BENCH / "NOTES.md").read_text(encoding="utf-8") if (BENCH / "NOTES.md").is_file() else ""
    steps = load_steps(BENCH / "results") if baseline else []
    args.out.write_text(render(asdict(run), baseline, notes, steps), encoding="utf-8")
    print(f"bench: wrote {args.out} and {args.json}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
