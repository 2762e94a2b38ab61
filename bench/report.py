"""bench/RESULTS.md from the numbers of a run: every figure in it comes from the run's JSON.

Kept apart from the harness so the table can be re-rendered from `bench/results/*.json`
without measuring again (`python bench/report.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

TARGET_SIZE = 100_000
TILE_SIZE = 1_000_000
TILE_P99_MS = 100.0
NEAR_FACTOR = 2.0


def _rps(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}×"


def _loaded(side: dict[str, Any] | None, key: str) -> float | None:
    if not side or not side.get("loaded"):
        return None
    value = side["loaded"][key]
    return float(value)


def _single(side: dict[str, Any] | None) -> float | None:
    if not side or not side.get("single"):
        return None
    return float(side["single"]["p50_ms"])


def _side_cells(side: dict[str, Any] | None) -> list[str]:
    if side is None:
        return ["n/a", "", ""]
    if side.get("error"):
        return [f"error: {side['error'][:60]}", "", ""]
    if side.get("loaded") and not side["loaded"]["requests"]:
        return ["0 (none answered within the run)", "–", "–"]
    errors = side["loaded"]["errors"] if side.get("loaded") else 0
    rps = _rps(_loaded(side, "rps")) + (f" ({errors} errors)" if errors else "")
    return [rps, _ms(_loaded(side, "p50_ms")), _ms(_loaded(side, "p99_ms"))]


def _features(q: dict[str, Any]) -> str:
    planmap = q["planmap"].get("features")
    tipg = (q.get("tipg") or {}).get("features")
    text = "–" if planmap is None else f"{planmap:,}"
    return text if tipg is None else f"{text} / {tipg:,}"


def size_table(size: dict[str, Any]) -> list[str]:
    lines = [
        f"### {size['synthetic']:,} synthetic features ({size['total_projects']:,} projects in the table; "
        f"synth + VACUUM ANALYZE took {size['synth_seconds']:.0f} s)",
        "",
        *(
            [f"Load average (1 min) when measuring began / ended: {size['load'][0]} / {size['load'][1]}.", ""]
            if size.get("load")
            else []
        ),
        "| query | planmap req/s | p50 | p99 | tipg req/s | p50 | p99 | req/s planmap/tipg | features planmap / tipg "
        "| DB execution | planmap p50, 1 conn | planmap p50 (1 conn) / DB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for q in size["queries"]:
        planmap, tipg = q["planmap"], q.get("tipg")
        cells = [
            f"({q['key']}) {q['label']}",
            *_side_cells(planmap),
            *_side_cells(tipg),
            _ratio(_loaded(planmap, "rps"), _loaded(tipg, "rps")),
            _features(q),
            _ms(q.get("db_ms")),
            _ms(_single(planmap)),
            _ratio(_single(planmap), q.get("db_ms")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _find(run: dict[str, Any], synthetic: int, key: str) -> dict[str, Any] | None:
    for size in run["sizes"]:
        if size["synthetic"] == synthetic:
            for q in size["queries"]:
                if q["key"] == key:
                    return dict(q)
    return None


def targets(run: dict[str, Any]) -> list[str]:
    """The issue's targets, each judged from this run's numbers (or marked as not measured)."""
    rows: list[tuple[str, str, str]] = []
    for key in ("a", "b", "c"):
        q = _find(run, TARGET_SIZE, key)
        name = f"({key}) planmap req/s ≥ tipg at {TARGET_SIZE:,}"
        planmap, tipg = (_loaded(q["planmap"], "rps"), _loaded(q.get("tipg"), "rps")) if q else (None, None)
        if planmap is None or tipg is None:
            rows.append((name, "not measured in this run", "–"))
        else:
            rows.append((name, f"{planmap / tipg:.2f}×", "met" if planmap >= tipg else "**missed**"))
    for size in run["sizes"]:
        q = _find(run, size["synthetic"], "d")
        name = f"(d) planmap p50 ≤ {NEAR_FACTOR:g}× DB execution at {size['synthetic']:,}"
        single = _single(q["planmap"]) if q else None
        if q is None or single is None or not q.get("db_ms"):
            rows.append((name, "not measured", "–"))
        else:
            factor = single / q["db_ms"]
            rows.append(
                (
                    name,
                    f"{_ms(single)} vs {_ms(q['db_ms'])} = {factor:.2f}×",
                    "met" if factor <= NEAR_FACTOR else "**missed**",
                )
            )
    for key in ("e10", "e10n", "e14", "e14n"):
        q = _find(run, TILE_SIZE, key)
        name = f"({key}) tile p99 < {TILE_P99_MS:.0f} ms at {TILE_SIZE:,} (8 connections)"
        p99 = _loaded(q["planmap"], "p99_ms") if q else None
        if p99 is None:
            rows.append((name, "not measured in this run", "–"))
        else:
            rows.append((name, _ms(p99), "met" if p99 < TILE_P99_MS else "**missed**"))
    return ["| target | measured | |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]


def _load(run: dict[str, Any], synthetic: int) -> str:
    for size in run["sizes"]:
        if size["synthetic"] == synthetic and size.get("load"):
            return f"{size['load'][0]}–{size['load'][1]}"
    return "?"


def comparison(run: dict[str, Any], baseline: dict[str, Any], after: str = "this run") -> list[str]:
    """planmap before and after, per query and size present in both runs, with the database's own time.

    The DB columns matter: when the SQL itself changed between the runs (other features landed), a
    slower request is the query's doing, not the HTTP stack's; the load columns show a busy machine.
    """
    lines = [
        f"Before: run of {baseline['started']} (planmap {baseline['machine'].get('planmap', '?')}); "
        f"after: {after} ({run['started']}). Same harness, same machine.",
        "",
        "| size | query | req/s before | req/s after | change | p50 1 conn before | p50 1 conn after "
        "| DB execution before | DB execution after | load avg before | load avg after |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in run["sizes"]:
        for q in size["queries"]:
            old = _find(baseline, size["synthetic"], q["key"])
            if old is None:
                continue
            before, after = _loaded(old["planmap"], "rps"), _loaded(q["planmap"], "rps")
            cells = [
                f"{size['synthetic']:,}",
                f"({q['key']}) {q['label']}",
                _rps(before),
                _rps(after),
                _ratio(after, before),
                _ms(_single(old["planmap"])),
                _ms(_single(q["planmap"])),
                _ms(old.get("db_ms")),
                _ms(q.get("db_ms")),
                _load(baseline, size["synthetic"]),
                _load(run, size["synthetic"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(
    run: dict[str, Any], baseline: dict[str, Any] | None, notes: str, steps: list[tuple[str, dict[str, Any]]] = ()
) -> str:
    m, s = run["machine"], run["settings"]
    tipg = f"tipg {run['tipg']}" if run.get("tipg") else f"tipg not measured: {run.get('tipg_unavailable')}"
    lines = [
        "# planmap vs tipg: benchmark results",
        "",
        "Generated by `make bench` (`bench/run.py`); every number below is from the run it names. "
        "Do not edit by hand: edit `bench/NOTES.md` and re-render with `python bench/report.py`.",
        "",
        f"- **Date**: {run['started']}",
        f"- **Machine**: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} memory; {m['os']}; Python {m['python']}",
        f"- **Database**: {m.get('postgresql', '?')}, PostGIS {m.get('postgis', '?')} (same server, database and "
        "`projects` table for both)",
        f"- **Servers**: planmap {m['planmap']} and {tipg}, each one uvicorn process with {s['workers']} worker(s), "
        "uvicorn's access log off (planmap still writes its own JSON access line per request, as in production)",
        f"- **Load**: wrk {s['wrk']}; unloaded latency with wrk {s['single']}; DB execution = median of "
        f"{s['explain_runs']} `EXPLAIN (ANALYZE, TIMING OFF)` of the SQL planmap runs for that request",
        "",
        "Column guide: req/s, p50 and p99 under load (8 connections); *req/s planmap/tipg* above 1 means planmap "
        "served more; *planmap p50 (1 conn) / DB* is how much the HTTP stack adds on top of PostgreSQL's own "
        "execution time (1.00× would be none).",
        "",
        "## Targets",
        "",
        *targets(run),
        "",
        "## Results",
        "",
    ]
    for size in run["sizes"]:
        lines += [*size_table(size), ""]
    if baseline:
        lines += ["## Before and after the speed-ups", ""]
        for name, step in steps:
            lines += [f"### Before → {name}", "", *comparison(step, baseline, name), ""]
        lines += ["### Before → this run", "", *comparison(run, baseline), ""]
    if notes.strip():
        lines += [notes.strip(), ""]
    return "\n".join(lines)


STEPS = {"step1-100k.json": "after the first changes (autocommit, no pre-ping, tile cache; 100 k only, 5-s runs)"}


def load_steps(results: Path) -> list[tuple[str, dict[str, Any]]]:
    """Intermediate runs kept in bench/results/ (named in STEPS), shown between before and the latest run."""
    return [(name, orjson.loads((results / f).read_bytes())) for f, name in STEPS.items() if (results / f).is_file()]


if __name__ == "__main__":
    bench = Path(__file__).resolve().parent
    latest = orjson.loads((bench / "results" / "latest.json").read_bytes())
    before_path = bench / "results" / "before.json"
    before = orjson.loads(before_path.read_bytes()) if before_path.is_file() else None
    notes_path = bench / "NOTES.md"
    out = bench / "RESULTS.md" if len(sys.argv) < 2 else Path(sys.argv[1])
    notes = notes_path.read_text() if notes_path.is_file() else ""
    out.write_text(render(latest, before, notes, load_steps(bench / "results")), encoding="utf-8")
    print(f"wrote {out}")
