"""Snapshot a few dozen responses of the seeded catalog, to show a refactoring changed no behaviour.

    .venv/bin/python scripts/dev/response_snapshot.py /tmp/before.json
    ... refactor ...
    .venv/bin/python scripts/dev/response_snapshot.py /tmp/after.json
    .venv/bin/python scripts/dev/response_snapshot.py --compare /tmp/before.json /tmp/after.json

Each run migrates and seeds a throwaway database on the private cluster, asks the app (in
process) for every URL below, and records status, content type and a SHA-256 of the body.
Per-request values (CSP nonces, request ids) and content-hashed asset URLs are blanked first,
so two runs of unchanged code give the same file.
"""

import hashlib
import os
import re
import secrets
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

URLS = [
    "/api/projects",
    "/api/projects?town=xingzi",
    "/api/projects?status=planned&category=road",
    "/api/projects?bbox=112.3,24.7,112.5,24.9",
    "/api/projects?q=%E9%AB%98%E9%80%9F",
    "/api/projects?near=112.38,24.78&radius_m=5000",
    "/api/projects?limit=5&offset=10",
    "/api/projects?format=csv",
    "/api/projects?warning=stale",
    "/api/projects/guanglian-expressway-lianzhou-section",
    "/api/projects/guanglian-expressway-lianzhou-section/history",
    "/api/projects/no-such-project",
    "/api/projects?limit=-1",
    "/api/towns",
    "/api/towns/xingzi",
    "/api/county",
    "/api/stats",
    "/api/stats/facets",
    "/api/stats/facets?town=xingzi",
    "/api/export?format=geojson",
    "/api/export?format=csv",
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/projects",
    "/ogc/collections/projects/items?limit=10",
    "/ogc/collections/projects/items?bbox=112.3,24.7,112.5,24.9",
    "/ogc/collections/projects/items/guanglian-expressway-lianzhou-section",
    "/ogc/collections/towns/items",
    "/ogc/collections/nope",
    "/feeds/plan.atom",
    "/feeds/towns/xingzi.atom",
    "/",
    "/?lang=en",
    "/towns/xingzi",
    "/towns/lianzhou?lang=en",
    "/projects/guanglian-expressway-lianzhou-section",
    "/projects/guanglian-expressway-lianzhou-section?lang=en",
    "/near",
    "/dashboard",
    "/login",
    "/healthz",
    "/tiles/10/831/439.pbf",
]

_VOLATILE = [
    (re.compile(rb"nonce-[A-Za-z0-9_\-+/=]+"), b"nonce-X"),
    (re.compile(rb'nonce="[^"]*"'), b'nonce="X"'),
    (re.compile(rb"/static/([A-Za-z0-9_./-]+?)(\.[0-9a-f]{8,})?\.(js|css)(\?[vh]=[0-9a-z.]+)?"), rb"/static/\1.\3"),
    (re.compile(rb"_[0-9a-f]{32}\b"), b"_X"),
    (re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), b"TIMESTAMP"),
    (re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d(\.\d+)?([+-]\d\d:\d\d)?)?"), b"TIMESTAMP"),
    (re.compile(rb'"generated":\s*"[^"]*"'), b'"generated":"X"'),
    (re.compile(rb'"timeStamp":\s*"[^"]*"'), b'"timeStamp":"X"'),
]


def normalised(body: bytes) -> bytes:
    for pattern, replacement in _VOLATILE:
        body = pattern.sub(replacement, body)
    return body


def snapshot(out: Path) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import make_url

    try:
        from app.core import dbadmin, migrate
        from app.core.db import make_sync_engine
        from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT, Settings
    except ImportError:  # the layout before the restructuring
        from app.core import (
            dbadmin,  # type: ignore[no-redef,attr-defined]
            migrate,  # type: ignore[no-redef,attr-defined]
        )
        from app.core.db import make_sync_engine  # type: ignore[no-redef]
        from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT, Settings  # type: ignore[no-redef]
    from app.catalog.seed import seed
    from app.main import create_app

    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url = make_url(base).set(database=f"planmap_snapshot_{secrets.token_hex(4)}").render_as_string(False)
    dbadmin.create_database(url)
    try:
        migrate.upgrade(url, "head")
        engine = make_sync_engine(url)
        seed(engine, REPO_ROOT / "geodata")
        engine.dispose()
        result = {}
        with TestClient(create_app(Settings(database_url=url, db_pool_warm=1))) as client:
            for path in URLS:
                response = client.get(path)
                body = normalised(response.content)
                if os.environ.get("SNAPSHOT_BODIES"):
                    name = re.sub(r"[^A-Za-z0-9]+", "_", path)[:80]
                    Path(os.environ["SNAPSHOT_BODIES"], name).write_bytes(body)
                result[path] = {
                    "status": response.status_code,
                    "type": response.headers.get("content-type"),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "bytes": len(body),
                }
        out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
        print(f"{len(result)} responses -> {out}")
    finally:
        dbadmin.drop_database(url)


def compare(before: Path, after: Path) -> int:
    a, b = orjson.loads(before.read_bytes()), orjson.loads(after.read_bytes())
    differ = [path for path in a if a[path] != b.get(path)]
    for path in differ:
        print(f"DIFFERS {path}: {a[path]} -> {b.get(path)}")
    print(f"{len(a) - len(differ)} of {len(a)} responses identical")
    return 1 if differ else 0


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    snapshot(Path(sys.argv[1]))
