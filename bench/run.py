"""planmap, tipg and pygeoapi on one view of one database, measured alike: `make bench`.

What makes the comparison fair (issue 23 listed where the first harness was not):

- **One view**: all three read `projects_public` (planmap's public source, sensitive sites at their town
  seat) of one dedicated database (`planmap_bench`), filled by `planmap dev synth`. planmap also joins
  the plan membership, which the others do not: that is work planmap does on top.
- **One set of settings, set where no server can differ**: JIT is fixed for the whole benchmark database
  (`ALTER DATABASE … SET jit`), checked in a fresh session; planmap's own session option is the same value.
  Pools: no server warms connections at start-up (planmap's DB_POOL_WARM=0); instead every server gets
  the same warm-up (wrk, same connections, same seconds, every URL) before the first round. tipg's pool
  may grow to planmap's 20 connections per worker; pygeoapi's SQLAlchemy pool (5 + 10 overflow) cannot
  be set and is noted. 2 uvicorn workers each, access logs off.
- **Same bytes asked for**: every row but the gzip row asks for identity encoding; the gzip row counts
  only servers whose answer really is compressed (levels differ: planmap 3, tipg 6).
- **Same rows, checked**: lists are sorted by slug on every server (planmap's order; `sortby=slug` for
  the others) and each answer's ids are compared with planmap's, in order; bytes are reported per server.
- **Alternating rounds**: each round measures every query on every server, servers in rotated order
  (A B C, B C A, C A B, …); tables give the median and min–max of the rounds, ratios are of medians.
- **Uncached against uncached**: tiles are compared with planmap's microcache bypassed
  (`Cache-Control: no-cache`); the cached rows are planmap-only and labelled so.
- **Latency at one connection for every server**, next to the *floor*: the SQL planmap runs for that
  request, executed and fetched through psycopg on one warm connection (median of repeated runs).
- The new reads (plans, programmes, progress, reports) and the heavy ones (stats, dashboard, deep pages)
  are timed in-process (`bench/ab_reads.py`) on the same database, after the servers stop, with a year
  of synthetic monthly reports per synthetic project (`planmap dev synth --reports-year`).

Results: `bench/RESULTS.md` (method, targets met or missed, tables), raw numbers in
`bench/results/latest.json`; re-render with `python bench/report.py`.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.catalog.seed import seed  # noqa: E402
from app.core import dbadmin, migrate  # noqa: E402
from app.core.db import make_sync_engine  # noqa: E402
from app.core.settings import DEFAULT_DATABASE_URL  # noqa: E402
from app.queries.driver import to_pyformat  # noqa: E402
from app.queries.project_filter import Near, ProjectFilter  # noqa: E402
from app.queries.project_pages import feature_sql, page_sql  # noqa: E402
from app.queries.tiles import tile_sql  # noqa: E402
from bench import ab_reads  # noqa: E402
from bench.report import render  # noqa: E402
from bench.stats import compare_ids, parse_wrk, rotations  # noqa: E402

BENCH = ROOT / "bench"
SERVERS = ("planmap", "tipg", "pygeoapi")
VENVS = {"tipg": BENCH / ".venv-tipg", "pygeoapi": BENCH / ".venv-pygeoapi"}
REQUIREMENTS = {
    "tipg": ["tipg==1.6.1", "uvicorn[standard]"],
    # pygeoapi declares neither Starlette (its ASGI app) nor the PostgreSQL provider's drivers as dependencies
    "pygeoapi": ["pygeoapi>=0.21,<0.22", "starlette", "uvicorn[standard]", "psycopg2-binary", "geoalchemy2"],
}
PROBES = {
    "tipg": "import tipg; print(tipg.__version__)",
    "pygeoapi": "import pygeoapi, starlette; print(pygeoapi.__version__)",
}
WORKERS = 2
POOL = 20  # planmap's DB_POOL_SIZE; tipg's pool may grow to the same
JIT = "off"  # for the whole benchmark database: planmap's choice (bench/NOTES.md item 9), now everyone's
REPORTS_YEAR = 2025  # the last year of the 14th plan: a programme needs a plan whose period covers it
CENTER = (112.3712, 24.7819)  # the seat of Lianzhou town, the county's city
ITEM_SLUG = "tanling-pumped-storage"
SMALL_BBOX = (CENTER[0] - 0.04, CENTER[1] - 0.03, CENTER[0] + 0.04, CENTER[1] + 0.03)  # about 8 x 7 km
NEAR_RADIUS_M = 5000.0
COUNTY_LIMIT = 10_000  # the most any of the servers returns in one page
DEEP_OFFSET = 50_000
IDENTITY = (("Accept-Encoding", "identity"),)
GZIP = (("Accept-Encoding", "gzip"),)
NO_CACHE = (("Cache-Control", "no-cache"), *IDENTITY)
UNCACHED_NOTE = "planmap's microcache bypassed (Cache-Control: no-cache); pygeoapi serves no PostGIS tiles here"
CACHED_NOTE = "planmap's 10-second tile cache: not comparable with any row of the others"


# --- the queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One row of the table: the same question put to each server that can answer it."""

    key: str
    label: str
    kind: str  # "geojson", "feature" or "mvt"
    paths: dict[str, str]  # server → path and query string
    sql: Callable[[], tuple[str, dict[str, Any]]] | None  # what planmap runs: the floor
    headers: tuple[tuple[str, str], ...] = IDENTITY
    note: str = ""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def _bbox_text(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def _page(flt: ProjectFilter, limit: int, offset: int = 0) -> Callable[[], tuple[str, dict[str, Any]]]:
    def build() -> tuple[str, dict[str, Any]]:
        sql, params = page_sql(flt)
        return sql, {**params, "limit": limit, "offset": offset}

    return build


def _tile(z: int, x: int, y: int) -> Callable[[], tuple[str, dict[str, Any]]]:
    def build() -> tuple[str, dict[str, Any]]:
        sql, params = tile_sql(ProjectFilter(), z)
        return sql, {**params, "z": z, "x": x, "y": y}

    return build


def _items(server: str, query: str) -> str:
    """The OGC items path of the view on tipg or pygeoapi, sorted by slug like planmap's lists."""
    if server == "tipg":
        return f"/collections/public.projects_public/items?{query}&sortby=slug"
    return f"/collections/projects/items?{query}&sortby=slug&f=json"


def queries(engine: Engine, total: int) -> list[Query]:
    """The benchmark's rows, with the ids and extents they need read from the database."""
    with engine.connect() as conn:
        item_id = conn.execute(text("SELECT id FROM projects WHERE slug = :s"), {"s": ITEM_SLUG}).scalar_one()
        county = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) e FROM county_boundary) s"
            )
        ).one()
    county_box = (float(county[0]), float(county[1]), float(county[2]), float(county[3]))
    small, whole = _bbox_text(SMALL_BBOX), _bbox_text(county_box)
    ogc = ("tipg", "pygeoapi")

    def lists(q: str) -> dict[str, str]:
        return {"planmap": f"/api/projects?{q}", **{s: _items(s, q) for s in ogc}}

    offset = min(DEEP_OFFSET, max(0, total // 2))
    item = {
        "planmap": f"/api/projects/{ITEM_SLUG}",
        "tipg": f"/collections/public.projects_public/items/{item_id}",
        "pygeoapi": f"/collections/projects/items/{item_id}?f=json",
    }
    rows = [
        Query("a", "small bbox, limit 100", "geojson", lists(f"bbox={small}&limit=100"),
              _page(ProjectFilter(bbox=SMALL_BBOX), 100)),
        Query("b", f"county bbox, limit {COUNTY_LIMIT:,}", "geojson", lists(f"bbox={whole}&limit={COUNTY_LIMIT}"),
              _page(ProjectFilter(bbox=county_box), COUNTY_LIMIT)),
        Query("bz", f"county bbox, limit {COUNTY_LIMIT:,}, gzip", "geojson",
              lists(f"bbox={whole}&limit={COUNTY_LIMIT}"), _page(ProjectFilter(bbox=county_box), COUNTY_LIMIT),
              GZIP, "servers that send it uncompressed are left out of the ratio"),
        Query("c", "one item", "feature", item, lambda: feature_sql(ProjectFilter(), ITEM_SLUG)),
        Query("p", f"offset {offset:,}, limit 100", "geojson", lists(f"limit=100&offset={offset}"),
              _page(ProjectFilter(), 100, offset)),
        Query("d", "near me, 5 km (planmap only)", "geojson",
              {"planmap": f"/api/projects?near={CENTER[0]},{CENTER[1]}&radius_m={NEAR_RADIUS_M:.0f}"},
              _page(ProjectFilter(near=Near(CENTER[0], CENTER[1], NEAR_RADIUS_M)), 1000),
              note="no counterpart: tipg and pygeoapi have no distance query"),
    ]  # fmt: skip
    for z in (10, 14):
        x, y = tile_of(*CENTER, z)
        paths = {
            "planmap": f"/tiles/{z}/{x}/{y}.pbf",
            "tipg": f"/collections/public.projects_public/tiles/WebMercatorQuad/{z}/{x}/{y}",
        }
        rows.append(Query(f"e{z}n", f"tile z{z}, uncached", "mvt", paths, _tile(z, x, y), NO_CACHE,
                          UNCACHED_NOTE))  # fmt: skip
        rows.append(Query(f"e{z}", f"tile z{z}, cached (planmap only)", "mvt", {"planmap": paths["planmap"]},
                          _tile(z, x, y), IDENTITY, CACHED_NOTE))  # fmt: skip
    return rows


# --- measurement records ------------------------------------------------------------------


@dataclass
class Side:
    """One server's answers to one query: what it returned (checked once) and its timings per round."""

    url: str
    status: int = 0
    bytes: int = 0
    encoding: str = "identity"
    features: int | None = None
    ids: str | None = None  # compared with planmap's
    error: str | None = None
    loaded: list[dict[str, Any]] = field(default_factory=list)
    single: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Row:
    key: str
    label: str
    note: str
    servers: dict[str, Side] = field(default_factory=dict)
    floor_ms: list[float] = field(default_factory=list)


# --- tools ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian; as root install it with apt, else say how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is not installed. Run as root:  apt-get update && apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("bench: apt installed wrk but it is not on PATH")


def ensure_venv(name: str) -> tuple[Path | None, str | None, str | None]:
    """(python of the server's own virtualenv, its version, why unavailable); created once, reused after."""
    python = VENVS[name] / "bin" / "python"
    probe = [str(python), "-c", PROBES[name]]
    if python.exists():
        ok = subprocess.run(probe, capture_output=True, text=True)
        if ok.returncode == 0:
            return python, ok.stdout.strip(), None
    print(f"bench: creating {VENVS[name].relative_to(ROOT)}", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENVS[name])], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS[name]]
        subprocess.run(pip, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-1:] or [str(exc)]
        return None, None, f"pip could not install {name}: {detail[0]}"
    ok = subprocess.run(probe, capture_output=True, text=True)
    if ok.returncode != 0:
        return None, None, f"{name} installed but does not import: {ok.stderr.strip()[-300:]}"
    return python, ok.stdout.strip(), None


def wrk(binary: str, url: str, seconds: int, connections: int, headers: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    threads = min(2, connections)
    command = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency", url]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    load = parse_wrk(done.stdout)
    return {
        "rps": load.rps,
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "requests": load.requests,
        "errors": load.errors,
    }


SETTLE_GRACE_S = 30.0  # how long a previous run's leftover statements may finish before they are cancelled


def settle(url: str) -> float:
    """Wait until no statement of any server runs on the benchmark database; the seconds waited.

    wrk stops its clock after `-d` seconds, but the requests it had in flight go on in the servers and in
    PostgreSQL: at 1 M a deep page or a pygeoapi item takes seconds, so eight of them went on loading the
    machine through the *next* server's run (the first 1 M run of the seventh session: planmap's one item
    0.22x tipg, p99 ten times its quiet figure). Every run now starts on a database with nothing running;
    statements still running after SETTLE_GRACE_S are cancelled (their client has gone).
    """
    started = time.monotonic()
    busy = """SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
              AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        while pids := [row[0] for row in conn.execute(busy).fetchall()]:
            if time.monotonic() - started > SETTLE_GRACE_S:
                for pid in pids:
                    conn.execute("SELECT pg_cancel_backend(%s)", (pid,))
            time.sleep(0.1)
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], cwd: Path, health: str) -> Iterator[None]:
    """A server process that answers its health URL for the body of the block, then stopped."""
    log = open(BENCH / f".{name}.log", "w")  # noqa: SIM115 (closed in finally; kept for post-mortems)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(health, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log.name}")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def uvicorn_args(port: int) -> list[str]:
    # a loaded machine made uvicorn's 5-second worker health check kill workers during start-up (issue 23)
    return [
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS), "--no-access-log",
        "--log-level", "warning", "--timeout-worker-healthcheck", "60",
    ]  # fmt: skip


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql://… (libpq, asyncpg) from planmap's postgresql+psycopg://… URL."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def pygeoapi_config(url: str, port: int, directory: Path) -> dict[str, str]:
    """pygeoapi's YAML config (the view through its PostgreSQL provider) and OpenAPI document; its env."""
    u = make_url(url)
    directory.mkdir(exist_ok=True)
    config = directory / "config.yml"
    config.write_text(
        f"""server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: {COUNTY_LIMIT}}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                    terms_of_service: none, url: 'http://127.0.0.1'}}
  license: {{name: none, url: 'http://127.0.0.1'}}
  provider: {{name: bench, url: 'http://127.0.0.1'}}
  contact: {{name: bench}}
resources:
  projects:
    type: collection
    title: projects_public
    description: planmap's public view
    keywords: [projects]
    extents:
      spatial: {{bbox: [109, 20, 118, 26], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {u.host}, port: {u.port or 5432}, dbname: {u.database}, user: {u.username},
                password: '{u.password or ""}', search_path: [public]}}
        id_field: id
        table: projects_public
        geom_field: geom
""",
        encoding="utf-8",
    )
    openapi = directory / "openapi.yml"
    env = {"PATH": os.environ.get("PATH", ""), "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    cli = VENVS["pygeoapi"] / "bin" / "pygeoapi"
    subprocess.run([str(cli), "openapi", "generate", str(config), "--output-file", str(openapi)], check=True, env=env,
                   capture_output=True)  # fmt: skip
    return env


@contextmanager
def servers(available: dict[str, Path], url: str) -> Iterator[dict[str, str]]:
    """Every available server started on the benchmark database; yields server → base URL."""
    bases: dict[str, str] = {}
    with ExitStack() as stack:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "PLANMAP_DB_POOL_WARM": "0", "PLANMAP_DB_POOL_SIZE": str(POOL)}
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", *uvicorn_args(port)]
        stack.enter_context(server("planmap", command, env, ROOT, f"http://127.0.0.1:{port}/healthz"))
        bases["planmap"] = f"http://127.0.0.1:{port}"
        if "tipg" in available:
            port = free_port()
            env = {
                "PATH": os.environ.get("PATH", ""), "DATABASE_URL": libpq_url(url),
                "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.projects_public"]',
                "TIPG_MAX_FEATURES_PER_QUERY": str(COUNTY_LIMIT), "TIPG_DB_MAX_CONN_SIZE": str(POOL),
                "TIPG_TABLE_CONFIG__public_projects_public__PK": "id",
            }  # fmt: skip
            command = [str(available["tipg"]), "-m", "uvicorn", "tipg.main:app", *uvicorn_args(port)]
            # cwd=bench/: tipg reads a .env of its working directory, and the repository's is planmap's
            stack.enter_context(server("tipg", command, env, BENCH, f"http://127.0.0.1:{port}/healthz"))
            bases["tipg"] = f"http://127.0.0.1:{port}"
        if "pygeoapi" in available:
            port = free_port()
            env = pygeoapi_config(url, port, BENCH / ".pygeoapi")
            command = [str(available["pygeoapi"]), "-m", "uvicorn", "pygeoapi.starlette_app:APP", *uvicorn_args(port)]
            stack.enter_context(server("pygeoapi", command, env, BENCH, f"http://127.0.0.1:{port}/conformance?f=json"))
            bases["pygeoapi"] = f"http://127.0.0.1:{port}"
        yield bases


# --- the database -------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """A fresh benchmark database: created, migrated, seeded, and JIT fixed for every session of it."""
    dbadmin.drop_database(url)
    dbadmin.create_database(url)
    migrate.upgrade(url, "head")
    engine = make_sync_engine(url)
    try:
        result = seed(engine, ROOT / "geodata")
        if not result.ok:
            raise SystemExit("bench: seeding the benchmark database failed:\n" + "\n".join(result.lines()))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = conn.execute(text("SELECT current_database()")).scalar_one()
            conn.execute(text(f'ALTER DATABASE "{name}" SET jit = {JIT}'))
    finally:
        engine.dispose()
    with psycopg.connect(libpq_url(url)) as conn:  # a session without planmap's options: what tipg gets
        shown = conn.execute("SHOW jit").fetchone()
    if not shown or shown[0] != JIT:
        raise SystemExit(f"bench: jit is {shown} in a fresh session of the benchmark database, not {JIT}")


def reusable(url: str) -> bool:
    """True when the benchmark database exists (a kept one, `--keep-db`)."""
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (make_url(url).database,)).fetchone()
    return found is not None


def synthetic_count(url: str) -> int:
    """How many synthetic projects (`synth-N` slugs) a kept benchmark database holds."""
    with psycopg.connect(libpq_url(url)) as conn:
        found = conn.execute("SELECT count(*) FROM projects WHERE slug LIKE 'synth-%'").fetchone()
    return int(found[0]) if found else 0


def add_synthetic(url: str, count: int, seed_value: int) -> float:
    """The real CLI (`planmap dev synth`, with a year of reports), then VACUUM ANALYZE and a CHECKPOINT."""
    started = time.monotonic()
    if count:
        planmap = Path(sys.executable).parent / "planmap"
        command = [str(planmap), "dev", "synth", "--count", str(count), "--seed", str(seed_value),
                   "--reports-year", str(REPORTS_YEAR)]  # fmt: skip
        subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": url})
    engine = make_sync_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # stats_project_keys: its visibility map set, so the low-zoom tiles' index-only scans read no heap (0019)
            tables = ("projects", "project_towns", "plan_projects", "programme_items", "progress_reports",
                      "stats_project_keys")  # fmt: skip
            for table in tables:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
            try:  # the dirtied pages written now, not during a measured row
                conn.execute(text("CHECKPOINT"))
            except DBAPIError as exc:
                print(f"bench: CHECKPOINT refused ({exc.orig}); a checkpoint may disturb the timings", flush=True)
    finally:
        engine.dispose()
    return time.monotonic() - started


def floor_ms(url: str, sql: str, params: dict[str, Any], runs: int) -> list[float]:
    """The SQL planmap runs for a request, executed and fetched through psycopg: ms per run, after 2 warm-ups."""
    statement = to_pyformat(sql)
    times = []
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for i in range(runs + 2):
            started = time.perf_counter()
            conn.execute(statement, params, prepare=True).fetchall()
            if i >= 2:
                times.append((time.perf_counter() - started) * 1000)
    return times


# --- checking what each server answers ------------------------------------------------------


def feature_ids(kind: str, body: bytes, slug_ids: dict[str, int]) -> list[int]:
    """The project ids of an answer, in its order: planmap names features by slug, the others by id."""

    def norm(value: Any) -> int:
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return slug_ids[str(value)]

    if kind == "geojson":
        return [norm(f["id"]) for f in orjson.loads(body)["features"]]
    if kind == "feature":
        return [norm(orjson.loads(body)["id"])]
    import mapbox_vector_tile

    layers = mapbox_vector_tile.decode(body)
    found = []
    for name, layer in layers.items():
        # Frames are not projects; at z <= 10 planmap counts small projects in grid cells (`clusters`) instead
        # of drawing them, so its z10 tile names fewer ids than tipg's: the table says "missing", as it is.
        if name in ("towns", "county", "clusters"):
            continue
        for f in layer["features"]:
            props = f.get("properties", {})
            found.append(norm(props.get("id", props.get("slug", f.get("id")))))
    return found


def check(
    url: str, kind: str, headers: tuple[tuple[str, str], ...], slug_ids: dict[str, int]
) -> tuple[Side, list[int]]:
    """Fetch once: status, bytes as sent, encoding, and the ids a user would get."""
    side = Side(url=url)
    try:
        with httpx.Client(timeout=120) as client:
            response = client.get(url, headers=dict(headers))
            raw = response.read()
    except httpx.HTTPError as exc:
        side.error = f"{type(exc).__name__}: {exc}"
        return side, []
    side.status = response.status_code
    side.encoding = response.headers.get("content-encoding", "identity")
    side.bytes = int(response.headers.get("content-length") or len(response.content))
    if response.status_code != 200:
        side.error = f"HTTP {response.status_code}: {raw[:200]!r}"
        return side, []
    ids = feature_ids(kind, response.content, slug_ids)
    side.features = len(ids)
    return side, ids


# --- the run --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu, memory = "unknown", "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))  # fmt: skip
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))  # fmt: skip
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "app", "bench"], capture_output=True, text=True).stdout
    return {
        "nproc": str(os.cpu_count()), "memory": memory, "cpu": cpu, "os": platform.platform(),
        "python": platform.python_version(),
        "planmap": f"{commit or '?'}{' + uncommitted changes' if dirty.strip() else ''}",
    }  # fmt: skip


def measure(args: argparse.Namespace, url: str, available: dict[str, Path], wrk_bin: str, size: dict[str, Any]) -> None:
    """Start the servers, check every answer, warm every pool alike, then the alternating rounds and floors."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            slug_ids = {s: int(i) for s, i in conn.execute(text("SELECT slug, id FROM projects_public"))}
        plan = [q for q in queries(engine, size["total_projects"]) if not args.only or q.key in args.only]
    finally:
        engine.dispose()
    rows = {q.key: Row(q.key, q.label, q.note) for q in plan}
    with servers(available, url) as bases:
        for q in plan:
            reference: list[int] | None = None
            for name in SERVERS:
                if name not in q.paths or name not in bases:
                    continue
                side, ids = check(bases[name] + q.paths[name], q.kind, q.headers, slug_ids)
                if name == "planmap":
                    reference = ids
                elif not side.error and reference is not None:
                    side.ids = compare_ids(reference, ids, ordered=q.kind != "mvt")
                rows[q.key].servers[name] = side
        targets = [(q, name) for q in plan for name in SERVERS if name in rows[q.key].servers
                   and not rows[q.key].servers[name].error]  # fmt: skip
        print(f"bench: warming every pool alike ({args.warmup} s per URL and server)", flush=True)
        size["settle_s"] = [round(settle(url), 1)]  # the servers' start-up (tipg's catalog) done first
        for q, name in targets:
            if args.warmup:
                settle(url)
                wrk(wrk_bin, rows[q.key].servers[name].url, args.warmup, args.connections, q.headers)
        for r, order in enumerate(rotations([s for s in SERVERS if s in bases], args.rounds)):
            print(f"bench: {size['synthetic']:,} synthetic, round {r + 1}/{args.rounds}: {' '.join(order)}", flush=True)
            for q in plan:
                for name in order:
                    side = rows[q.key].servers.get(name)
                    if side is None or side.error:
                        continue
                    size["settle_s"].append(round(settle(url), 1))
                    side.loaded.append(wrk(wrk_bin, side.url, args.duration, args.connections, q.headers))
                    size["settle_s"].append(round(settle(url), 1))
                    side.single.append(wrk(wrk_bin, side.url, args.single_duration, 1, q.headers))
    for q in plan:
        if q.sql is not None:
            sql, params = q.sql()
            rows[q.key].floor_ms = floor_ms(url, sql, params, args.floor_runs)
    size["rows"] = [_row_json(rows[q.key]) for q in plan]


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "key": row.key, "label": row.label, "note": row.note, "floor_ms": row.floor_ms,
        "servers": {name: vars(side) for name, side in row.servers.items()},
    }  # fmt: skip


def count_rows(url: str) -> dict[str, int]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in ("projects", "programme_items", "progress_reports")
            }
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000 100000", help="synthetic project counts, ascending")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (each server first in turn)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of each loaded wrk run")
    parser.add_argument("--single-duration", type=int, default=3, help="seconds of each one-connection run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL and server, once")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--floor-runs", type=int, default=15)
    parser.add_argument("--read-rounds", type=int, default=3, help="rounds of the in-process reads (0: skip)")
    parser.add_argument("--db-name", default="planmap_bench")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database for inspection")
    parser.add_argument(
        "--reuse-db", action="store_true", help="measure a kept benchmark database again (migrated to head first)"
    )
    parser.add_argument("--servers", nargs="+", default=list(SERVERS[1:]), help="besides planmap: tipg pygeoapi")
    parser.add_argument("--only", nargs="+", default=[], metavar="KEY", help="measure only these rows (a b c …)")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.replace(",", " ").split())

    wrk_bin = ensure_wrk()
    available: dict[str, Path] = {}
    versions: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    for name in args.servers:
        python, version, why = ensure_venv(name)
        if python is None or version is None:
            unavailable[name] = why or "unknown"
            print(f"bench: {name} not measured ({why})", flush=True)
        else:
            available[name], versions[name] = python, version
    url = make_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)).set(database=args.db_name)
    url_text = url.render_as_string(hide_password=False)
    run: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "workers": WORKERS, "pool": POOL, "jit": JIT, "rounds": args.rounds, "connections": args.connections,
            "duration": args.duration, "single_duration": args.single_duration, "warmup": args.warmup,
            "floor_runs": args.floor_runs, "read_rounds": args.read_rounds, "sizes": sizes,
            "reports_year": REPORTS_YEAR,
        },
        "versions": versions, "unavailable": unavailable, "sizes": [],
    }  # fmt: skip
    print(f"bench: database {url.render_as_string(hide_password=True)}", flush=True)
    reused = args.reuse_db and reusable(url_text)
    if reused:
        migrate.upgrade(url_text, "head")  # a kept database gains this checkout's migrations (and backfills)
    else:
        prepare_database(url_text)
    with psycopg.connect(libpq_url(url_text)) as conn:
        found = conn.execute("SELECT version(), postgis_lib_version()").fetchone()
    if found:
        run["machine"]["postgresql"], run["machine"]["postgis"] = str(found[0]).split(" on ")[0], str(found[1])
    try:
        current = synthetic_count(url_text) if reused else 0
        for n in sizes:
            if n < current:
                continue  # a reused database already holds more: only its own size can be measured
            seconds = add_synthetic(url_text, n - current, seed_value=n) if n > current else 0.0
            current = n
            counts = count_rows(url_text)
            size: dict[str, Any] = {
                "synthetic": n, "total_projects": counts["projects"], "programme_items": counts["programme_items"],
                "progress_reports": counts["progress_reports"], "synth_seconds": round(seconds, 1),
                "load": [round(os.getloadavg()[0], 2)],
            }  # fmt: skip
            measure(args, url_text, available, wrk_bin, size)
            if args.read_rounds:
                print(f"bench: {n:,} synthetic, in-process reads", flush=True)
                size["reads"] = ab_reads.measure(url_text, args.read_rounds, year=REPORTS_YEAR)
                logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's log set-up made it chatty
            size["load"].append(round(os.getloadavg()[0], 2))
            run["sizes"].append(size)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_bytes(orjson.dumps(run, option=orjson.OPT_INDENT_2))
    finally:
        if not args.keep_db:
            dbadmin.drop_database(url_text)
    notes = (BENCH / "NOTES.md").read_text(encoding="utf-8") if (BENCH / "NOTES.md").is_file() else ""
    args.out.write_text(render(run, notes), encoding="utf-8")
    print(f"bench: wrote {args.out} and {args.json}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
