"""Synthetic projects at scale, for benchmarks: `planmap dev synth --count N`.

A county catalog of 167 features says nothing about how planmap behaves with a province's
plans, so this writes N realistic features into the database in a few set-based SQL
statements (`INSERT … SELECT … FROM generate_series`), which PostGIS runs at hundreds of
thousands of rows a minute where row-by-row inserts would take an hour.

Realistic means the real property schema with real values: each synthetic feature copies
one feature of the plan catalog (`geodata/projects.geojson`), so its category, status,
`status_basis`, chapter, section and `source_quote` are the plan's own, verbatim, and its
geometry kind (point, line or polygon) is the one that catalog feature has, which the
category allows. Only the place is invented: anywhere in Guangdong's bounding box
(lon 109.6–117.3, lat 20.2–25.5), so most synthetic features lie far outside Lianzhou.
Therefore:

- every synthetic slug starts with `synth-` (`synth-1`, `synth-2`, …) and every synthetic
  `location_note` says it is synthetic; `--wipe` deletes exactly those rows;
- `location_precision` is `approximate` (never `surveyed`, and not `town`, which would
  claim a point at a town seat);
- towns: each feature is assigned the Lianzhou town whose seat is nearest to the point the
  geometry was grown from. Inside Lianzhou that is the town whose (Voronoi) area holds the
  point, as the seed would assign; outside it is merely the nearest Lianzhou town, so town
  filters keep working on synthetic data (a benchmark convenience, not geography);
- no `audit_log` rows are written: this is benchmark data, not an edit;
- `--reports-year Y` (`synthesize_progress`) puts every synthetic project into year Y's annual
  programme and files twelve approved monthly reports for each, so the programme, progress and
  report reads can be measured at scale: classes, planned investment and monthly figures are
  random, and each report's `work_done` and each item's `target` say they are synthetic.

The random stream is PostgreSQL's `random()` after `setseed`, so the same `--seed` on the
same database state gives the same features.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from app.catalog import queries

SYNTH_PREFIX = "synth-"
# Guangdong's extent in WGS84 (minLon, minLat, maxLon, maxLat).
GUANGDONG_BBOX = (109.6, 20.2, 117.3, 25.5)
DEFAULT_BATCH = 10_000
SYNTH_NOTE = (
    "Synthetic benchmark feature written by `planmap dev synth`; its place is random within Guangdong and "
    "not real. Properties are copied from the plan catalog feature '{template}'."
)

_KINDS = {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line"}


class SynthError(Exception):
    """The database is not ready for synthetic data (not migrated, or no towns seeded)."""


@dataclass(frozen=True)
class SynthResult:
    inserted: int
    wiped: int
    first_index: int
    seconds: float

    def lines(self) -> list[str]:
        """What happened, for the terminal."""
        out = []
        if self.wiped:
            out.append(f"wiped {self.wiped} synthetic projects")
        if self.inserted:
            last = self.first_index + self.inserted - 1
            out.append(
                f"inserted {self.inserted} synthetic projects ({SYNTH_PREFIX}{self.first_index} … "
                f"{SYNTH_PREFIX}{last}) in {self.seconds:.1f} s"
            )
        return out or ["nothing to do"]


def load_templates(geodata_dir: Path) -> list[dict[str, Any]]:
    """The catalog features whose properties synthetic features copy, each with its geometry kind."""
    collection = orjson.loads((geodata_dir / "projects.geojson").read_bytes())
    templates = []
    for n, feature in enumerate(collection["features"]):
        props = feature["properties"]
        templates.append(
            {
                "n": n,
                "template_slug": props["slug"],
                "kind": _KINDS.get(feature["geometry"]["type"], "polygon"),
                "name_zh": props["name_zh"],
                "name_en": props["name_en"],
                "aliases": props.get("aliases") or [],
                "category": props["category"],
                "status": props["status"],
                "status_basis": props.get("status_basis"),
                "plan_chapter": props.get("plan_chapter"),
                "plan_section": props.get("plan_section"),
                "source_quote": props["source_quote"],
                "figures": orjson.dumps(props.get("figures") or {}).decode(),
                "start_year": props.get("start_year"),
                "end_year": props.get("end_year"),
            }
        )
    if not templates:
        raise SynthError(f"{geodata_dir / 'projects.geojson'} has no features to copy")
    return templates


@contextmanager
def summary_in_bulk(conn: Connection) -> Iterator[None]:
    """The year's summary per group rebuilt once after the block instead of after each bulk statement.

    Each statement on reports, items or links otherwise diffs every touched project's keys part by part
    (migration 0021): at 100 k synthetic projects that made `synth --reports-year` 4 minutes and `--wipe`
    70 s; one set-based rebuild of the live keys costs about what the migration's backfill does.
    """
    conn.execute(queries.SUMMARY_BULK_BEGIN)
    yield
    conn.execute(queries.SUMMARY_BULK_END)


def wipe(conn: Connection) -> int:
    """Delete every synthetic project (and its town links); returns how many."""
    like = {"p": SYNTH_PREFIX + "%"}
    with summary_in_bulk(conn):
        # Reports and programme items first (a million report rows would otherwise go one cascade at a time).
        conn.execute(queries.SYNTH_DELETE_REPORTS, like)
        conn.execute(queries.SYNTH_DELETE_ITEMS, like)
        # Town links first, set-based: otherwise the cascade fires one trigger query per project.
        conn.execute(queries.SYNTH_UNLINK_TOWNS, like)
        return int(conn.execute(queries.SYNTH_DELETE, like).rowcount)


def next_index(conn: Connection) -> int:
    """The number after the highest existing `synth-N`, so repeated runs add rather than collide."""
    top = conn.execute(
        queries.SYNTH_NEXT_INDEX,
        {"p": SYNTH_PREFIX + "%"},
    ).scalar()
    return int(top or 0) + 1


def _prepare(conn: Connection, templates: list[dict[str, Any]], seed: int) -> None:
    towns = conn.execute(queries.TOWN_COUNT).scalar()
    if not towns:
        raise SynthError("no towns in the database: run `planmap seed` first (synthetic features get a town)")
    conn.execute(queries.SYNTH_TEMPLATES_TABLE)
    conn.execute(
        queries.SYNTH_INSERT_TEMPLATE,
        templates,
    )
    conn.execute(queries.SYNTH_TOWNS_TABLE)
    # setseed takes a value in [-1, 1]; map any integer seed onto it reproducibly.
    conn.execute(queries.SYNTH_SETSEED, {"s": (seed % 2_000_001) / 1_000_000 - 1})


def synthesize(
    engine: Engine,
    geodata_dir: Path,
    count: int,
    seed: int = 1,
    *,
    wipe_first: bool = False,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> SynthResult:
    """Write `count` synthetic projects in one transaction (all or nothing), then ANALYZE.

    `on_batch(n)` is called after each batch with the rows it wrote, for a progress bar.
    """
    if count < 0 or batch_size < 1:
        raise ValueError("count must be >= 0 and batch_size >= 1")
    templates = load_templates(geodata_dir)
    started = time.monotonic()
    minx, miny, maxx, maxy = GUANGDONG_BBOX
    with engine.begin() as conn:
        wiped = wipe(conn) if wipe_first else 0
        first = next_index(conn)
        if count:
            _prepare(conn, templates, seed)
        done = 0
        while done < count:
            n = min(batch_size, count - done)
            conn.execute(
                queries.SYNTH_BATCH,
                {
                    "ntpl": len(templates),
                    "minx": minx,
                    "miny": miny,
                    "maxx": maxx,
                    "maxy": maxy,
                    "first": first + done,
                    "last": first + done + n - 1,
                    "note": SYNTH_NOTE,
                },
            )
            done += n
            if on_batch is not None:
                on_batch(n)
    if count or wiped:
        # Fresh statistics, so the planner knows the table is now large (outside the transaction).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(queries.ANALYZE_PROJECTS)
            conn.execute(queries.ANALYZE_PROJECT_TOWNS)
    return SynthResult(inserted=count, wiped=wiped, first_index=first, seconds=time.monotonic() - started)


SYNTH_REPORT_NOTE = "Synthetic benchmark report written by `planmap dev synth --reports-year`; its figures are random."
SYNTH_TARGET = "Synthetic benchmark target (planmap dev synth); not a real programme entry."


@dataclass(frozen=True)
class ProgressResult:
    year: int
    items: int
    reports: int
    seconds: float

    def line(self) -> str:
        """What happened, for the terminal."""
        return (
            f"programme {self.year}: {self.items} synthetic items and {self.reports} synthetic monthly reports added "
            f"in {self.seconds:.1f} s"
        )


def synthesize_progress(engine: Engine, year: int, seed: int = 1) -> ProgressResult:
    """Year `year`'s programme holding every synthetic project, with twelve approved monthly reports each.

    One transaction; rows already there are kept (a second run adds only what is missing). Refused when no
    plan's period covers the year, since a programme belongs to a plan.
    """
    started = time.monotonic()
    like = SYNTH_PREFIX + "%"
    with engine.begin() as conn:
        programme = conn.execute(queries.SYNTH_PROGRAMME, {"year": year}).scalar()
        if programme is None:
            raise SynthError(f"no plan's period covers {year}: a programme belongs to a plan")
        conn.execute(queries.SYNTH_SETSEED, {"s": (seed % 2_000_001) / 1_000_000 - 1})
        params = {"programme": programme, "p": like}
        with summary_in_bulk(conn):
            items = conn.execute(queries.SYNTH_PROGRAMME_ITEMS, {**params, "target": SYNTH_TARGET}).rowcount
            reports = conn.execute(queries.SYNTH_REPORTS, {**params, "year": year, "note": SYNTH_REPORT_NOTE}).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(queries.ANALYZE_PROGRESS)
    return ProgressResult(year, items, reports, time.monotonic() - started)
