"""`schemathesis run` over the public reads of both API documents, with its default checks.

The command line itself (not the pytest plugin), so the run is the one a user of the issue ran: every
default check, including "unsupported method" (coverage phase), "schema-valid request rejected"
(positive data must be accepted) and "schema-violating request accepted" (negative data must be
refused). Only GET operations a caller without an account can use are selected; the run is against a
real uvicorn on the session's seeded database, deterministic, with few examples per operation
(PLANMAP_SCHEMATHESIS_EXAMPLES, default 10) so it stays bounded.

Exclusions, each with its reason (also in the README):
- staff-only reads (history, proposals, progress reports, photos, feedback moderation, tickets,
  notifications, reports, /api/auth/me): not public; tests/api/test_fuzz.py fuzzes them as an admin;
- /towns/{slug}/wallmap.pdf: a public read, but one A3 PDF takes seconds to draw; at 10+ examples the
  run would take minutes (tests/wallmap covers it);
- /tiles/{z}/{x}/{y}.pbf: its x/y range depends on z, which JSON Schema cannot state, so most
  schema-valid tiles are 400 "outside the grid" (tests/api/test_tiles.py covers the grid);
- `GET /collections/{collection_id}/items` of /ogc/api: the template every per-collection path
  (`/collections/projects/items`, …) refines; it declares the union of their parameters, so a
  projects-only parameter sent to `county` is rightly refused. The per-collection paths are run;
- "schema-valid request rejected" on the items of /ogc/api: `datetime` must be a real RFC 3339 date
  or interval with its start before its end, and `cursor` one the server issued: rules JSON Schema
  cannot state; the 400 naming the parameter is the correct answer there;
- "schema-valid request rejected" on /api: its first run found 9, all rules JSON Schema cannot state,
  each answered by a 422 naming the parameter: a `plan` or `town` slug must exist, `radius_m` needs
  `near`, `to` may not be in the future, a cursor may not be combined with `offset`;
- /ogc paths of the /api document: the same operations as /ogc/api, run there per collection.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

EXAMPLES = os.environ.get("PLANMAP_SCHEMATHESIS_EXAMPLES", "10")
STAFF_ONLY = (
    r"/api/auth/me|/api/projects/\{slug\}/(history|progress|photos|tickets)|/api/proposals|/api/progress/pending"
    r"|/api/photos/.*|/api/feedback|/api/me/.*|/api/units/\{[a-z]+\}/(members|robots)|/api/notifications/.*"
    r"|/api/tickets(/.*)?|/api/reports/.*"
)
SLOW_OR_UNSTATABLE = r"/towns/\{slug\}/wallmap\.pdf|/tiles/.*"
RUNS = {
    "api": (
        "/api",
        [
            "--exclude-path-regex",
            f"^({STAFF_ONLY}|{SLOW_OR_UNSTATABLE}|/ogc.*)$",
            "--exclude-checks",
            "positive_data_acceptance",
        ],
    ),
    "ogc-items": (
        "/ogc/api",
        ["--include-path-regex", r"^/collections/[a-z-]+/items$", "--exclude-checks", "positive_data_acceptance"],
    ),
    "ogc-rest": ("/ogc/api", ["--exclude-path-regex", r"^/collections/(\{collection_id\}|[a-z-]+)/items$"]),
}


def _schemathesis(url: str, extra: list[str], report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", url, "--include-method", "GET",
        "--max-examples", EXAMPLES, "--phases", "examples,coverage,fuzzing", "--generation-deterministic",
        "--continue-on-failure", "--no-color", "--request-timeout", "30",
        "--report", "json", "--report-json-path", str(report), *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=report.parent)


@pytest.mark.parametrize("run", list(RUNS))
def test_schemathesis_finds_nothing_in_the_public_reads(live_url: str, tmp_path: Path, run: str) -> None:
    path, extra = RUNS[run]
    started = time.monotonic()
    done = _schemathesis(live_url + path, extra, tmp_path / "report.json")
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    print(f"{run}: {report['test_cases']['generated']} cases in {time.monotonic() - started:.0f} s")
    assert report["operations"]["tested"] > 0
    assert done.returncode == 0, done.stdout[-6000:]
