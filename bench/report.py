"""bench/RESULTS.md from the numbers of a run: every figure in it comes from the run's JSON.

Kept apart from the harness so the table can be re-rendered from `bench/results/latest.json`
without measuring again (`python bench/report.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import Spread, ids_agree, only_missing, ratio, spread  # noqa: E402

SERVERS = ("planmap", "tipg", "pygeoapi")
ITEM_FACTOR, TILE_FACTOR = 1.5, 1.2
TILE_P99_MS, TILE_SIZE = 100.0, 1_000_000
PAGE_FACTOR = 2.0
STATS_MS = 100.0


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return text + unit


def _cell(s: Spread | None, unit: str = "") -> str:
    return "–" if s is None else f"{_num(s.median, unit)} ({_num(s.low)}–{_num(s.high)})"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _metric(side: dict[str, Any] | None, runs: str, key: str) -> Spread | None:
    if not side or side.get("error"):
        return None
    return spread([r[key] for r in side.get(runs, []) if r.get("requests")])


def _comparable(row: dict[str, Any], name: str) -> bool:
    """A server's row counts in a ratio only when it answered planmap's rows (for a tile: planmap's or a
    subset of them, planmap doing the larger job), compressed if asked to."""
    side = row["servers"].get(name)
    if not side or side.get("error"):
        return False
    ids = side.get("ids") or ""
    if name != "planmap" and not ids_agree(ids) and not (row["key"].startswith("e") and only_missing(ids)):
        return False
    return not (row["key"] == "bz" and side.get("encoding") != "gzip")


def ratios(row: dict[str, Any], other: str) -> tuple[float | None, float | None]:
    """(planmap's req/s ÷ other's, other's p50 ÷ planmap's) from the medians: above 1 means planmap did better."""
    if not (_comparable(row, "planmap") and _comparable(row, other)):
        return None, None
    mine, theirs = row["servers"]["planmap"], row["servers"][other]
    rps_m, rps_o = _metric(mine, "loaded", "rps"), _metric(theirs, "loaded", "rps")
    p50_m, p50_o = _metric(mine, "loaded", "p50_ms"), _metric(theirs, "loaded", "p50_ms")
    return (
        ratio(rps_m.median if rps_m else None, rps_o.median if rps_o else None),
        ratio(p50_o.median if p50_o else None, p50_m.median if p50_m else None),
    )


def _answer(side: dict[str, Any], key: str) -> str:
    if side.get("error"):
        return f"error: {side['error'][:80]}"
    parts = [
        f"{side['bytes']:,} B" + (" gzip" if side.get("encoding") == "gzip" else ""),
        f"{side['features']} features",
    ]
    if key == "bz" and side.get("encoding") != "gzip":
        parts.append("sent uncompressed: not in the ratio")
    if side.get("ids"):
        parts.append(side["ids"])
    return ", ".join(parts)


def load_table(size: dict[str, Any]) -> list[str]:
    lines = [
        "| query | server | req/s | p50 | p99 | errors | answer (bytes, features, ids vs planmap) |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for row in size["rows"]:
        for name in SERVERS:
            side = row["servers"].get(name)
            if side is None:
                continue
            errors = sum(r["errors"] for r in side.get("loaded", []))
            cells = [
                f"({row['key']}) {row['label']}", name, _cell(_metric(side, "loaded", "rps")),
                _cell(_metric(side, "loaded", "p50_ms"), " ms"), _cell(_metric(side, "loaded", "p99_ms"), " ms"),
                str(errors), _answer(side, row["key"]),
            ]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def ratio_table(size: dict[str, Any]) -> list[str]:
    lines = [
        "| query | req/s planmap ÷ tipg | p50 tipg ÷ planmap | req/s planmap ÷ pygeoapi | p50 pygeoapi ÷ planmap |",
        "|---|--:|--:|--:|--:|",
    ]
    for row in size["rows"]:
        if len(row["servers"]) < 2:
            continue
        cells = [f"({row['key']}) {row['label']}"]
        for other in ("tipg", "pygeoapi"):
            rps, p50 = ratios(row, other)
            fewer = only_missing((row["servers"].get(other) or {}).get("ids") or "")
            mark = f" (planmap sent {fewer} more features)" if fewer and rps is not None else ""
            cells += [_x(rps) + mark, _x(p50)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def single_table(size: dict[str, Any]) -> list[str]:
    lines = [
        "| query | floor: same SQL via psycopg | planmap p50, 1 conn | ÷ floor | tipg p50, 1 conn "
        "| pygeoapi p50, 1 conn |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for row in size["rows"]:
        floor = spread(row.get("floor_ms") or [])
        single = {n: _metric(row["servers"].get(n), "single", "p50_ms") for n in SERVERS}
        mine = single["planmap"]
        cells = [
            f"({row['key']}) {row['label']}", _cell(floor, " ms"), _cell(mine, " ms"),
            _x(ratio(mine.median if mine else None, floor.median if floor else None)),
            _cell(single["tipg"], " ms") if "tipg" in row["servers"] else "n/a",
            _cell(single["pygeoapi"], " ms") if "pygeoapi" in row["servers"] else "n/a",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def reads_table(size: dict[str, Any]) -> list[str]:
    lines = ["| read | status | bytes | median | min–max | rounds |", "|---|--:|--:|--:|--:|--:|"]
    for name, r in (size.get("reads") or {}).items():
        s = spread(r["ms"])
        if s is None:
            timing = [f"failed (first try {_num(r.get('first_ms'), ' ms')})", "–"]
        else:
            timing = [_num(s.median, " ms"), f"{_num(s.low)}–{_num(s.high)}"]
        rounds = str(len(r["ms"])) + ("" if r.get("repeated", True) else " (too slow to repeat)")
        lines.append(f"| {name} | {r['status']} | {r['bytes']:,} | {' | '.join(timing)} | {rounds} |")
    return lines


def _row(run: dict[str, Any], synthetic: int, key: str) -> dict[str, Any] | None:
    for size in run["sizes"]:
        if size["synthetic"] == synthetic:
            return next((r for r in size.get("rows", []) if r["key"] == key), None)
    return None


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def targets(run: dict[str, Any]) -> list[str]:
    """The issue's "Must show", each judged from this run's numbers, or said to be not measured and why."""
    rows: list[tuple[str, str, str]] = []
    sizes = [s["synthetic"] for s in run["sizes"]]
    for key, factor in (("c", ITEM_FACTOR), ("e10n", TILE_FACTOR), ("e14n", TILE_FACTOR)):
        for n in sizes:
            row = _row(run, n, key)
            name = f"({key}) planmap req/s ≥ {factor}× tipg's at {n:,}"
            rps = ratios(row, "tipg")[0] if row else None
            rows.append(
                (name, "not measured" if rps is None else _x(rps), "–" if rps is None else _verdict(rps >= factor))
            )
    for key in ("e10n", "e14n"):
        name = f"({key}) uncached tile p99 < {TILE_P99_MS:.0f} ms at {TILE_SIZE:,}, 8 connections"
        row = _row(run, TILE_SIZE, key)
        p99 = _metric(row["servers"].get("planmap"), "loaded", "p99_ms") if row else None
        if p99 is None:
            seen = [(n, _metric((_row(run, n, key) or {"servers": {}})["servers"].get("planmap"), "loaded", "p99_ms"))
                    for n in sizes]  # fmt: skip
            told = "; ".join(f"{n:,}: {_num(s.median, ' ms')}" for n, s in seen if s)
            rows.append((name, f"1 M not run in this session ({told})", "not measured"))
        else:
            rows.append((name, _num(p99.median, " ms"), _verdict(p99.median < TILE_P99_MS)))
    for size in run["sizes"]:
        reads = size.get("reads") or {}
        first = spread(reads.get("page 1 (limit 100)", {}).get("ms", []))
        deep = next((spread(r["ms"]) for n, r in reads.items() if n.endswith("by cursor")), None)
        label = next((n for n in reads if n.endswith("by cursor")), "deep page by cursor")
        name = f"{label} within {PAGE_FACTOR:g}× page 1 at {size['synthetic']:,}"
        if first and deep:
            rows.append((name, f"{_num(deep.median, ' ms')} vs {_num(first.median, ' ms')}",
                         _verdict(deep.median <= PAGE_FACTOR * first.median)))  # fmt: skip
        for read in ("/api/stats", "/dashboard"):
            s = spread(reads.get(read, {}).get("ms", []))
            if s is not None:
                rows.append((f"{read} < {STATS_MS:.0f} ms (target at 1 M) — at {size['synthetic']:,}",
                             _num(s.median, " ms"), _verdict(s.median < STATS_MS)))  # fmt: skip
    return ["| target | measured (median) | |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]


def method(run: dict[str, Any]) -> list[str]:
    m, s, v = run["machine"], run["settings"], run.get("versions", {})
    missing = "; ".join(f"{k} not measured: {why}" for k, why in run.get("unavailable", {}).items())
    return [
        "## Method",
        "",
        f"- **Date** {run['started']}; **machine** {m['nproc']} CPUs ({m['cpu']}), {m['memory']}; {m['os']}; "
        f"Python {m['python']}; {m.get('postgresql', '?')}, PostGIS {m.get('postgis', '?')}.",
        f"- **Servers**: planmap {m['planmap']}, tipg {v.get('tipg', '–')}, pygeoapi {v.get('pygeoapi', '–')} "
        f"(PostgreSQL provider, Starlette app); each its own virtualenv, uvicorn with {s['workers']} workers, access "
        f"log off. {missing}",
        "- **One view**: every server reads `projects_public` of one database (sensitive sites at their town seat); "
        "planmap also joins the plan membership (all projects belong to the plan in force, so the rows are the same).",
        f"- **Same settings**: `jit = {s['jit']}` set for the database (`ALTER DATABASE`), checked in a fresh session; "
        "no server warms its pool at start-up (planmap `DB_POOL_WARM=0`), every server gets the same warm-up "
        f"(wrk, {s['connections']} connections, {s['warmup']} s per URL) before round 1; pools up to {s['pool']} "
        "connections per worker for planmap and tipg (pygeoapi: SQLAlchemy's default 5 + 10, not settable).",
        "- **Same bytes**: identity encoding on every row but (bz); in (bz) only answers really sent with gzip count "
        "(levels: planmap 3, tipg 6; pygeoapi's Starlette app does not compress).",
        "- **Same rows**: lists sorted by slug on every server (`sortby=slug` for tipg and pygeoapi); each answer's "
        "ids compared with planmap's, in order (tiles: as a set); a row whose ids differ is left out of the ratios, "
        "except a tile from which the other server left out features planmap sends (planmap did more; marked).",
        f"- **Alternating rounds**: {s['rounds']} rounds; in each, every query on every server, servers in rotated "
        "order (planmap tipg pygeoapi, tipg pygeoapi planmap, …). Cells give the **median (min–max)** of the "
        "rounds; ratios are ratios of medians.",
        f"- **Load**: wrk -t2 -c{s['connections']} -d{s['duration']}s per run; **one connection**: wrk -t1 -c1 "
        f"-d{s['single_duration']}s for every server; the **floor** is the SQL planmap runs for the request, executed "
        f"and fetched through psycopg on one warm connection (prepared), median (min–max) of {s['floor_runs']} runs.",
        "- **Tiles**: (e10n)/(e14n) are uncached on both sides (planmap's microcache bypassed with "
        "`Cache-Control: no-cache`); (e10)/(e14) are planmap's cached tiles, planmap only, not a comparison.",
        f"- **Reads** (last table of each size): in-process (Starlette's TestClient, one connection), "
        f"{s['read_rounds']} alternating rounds after the servers stopped; synthetic data: every synthetic project "
        f"is in the {s['reports_year']} programme with 12 approved monthly reports (`planmap dev synth "
        "--reports-year`, figures random and marked synthetic). A read slower than 10 s is timed once; statements "
        "are cancelled after 30 s (`statement_timeout`).",
        "- **Machine load**: shared with other sessions running their tests; the 1-minute load average before and "
        "after each size is given with it. On 2 cores a load above 2 means the numbers are pessimistic and noisy.",
    ]


def render(run: dict[str, Any], notes: str = "") -> str:
    lines = [
        "# planmap vs tipg vs pygeoapi: benchmark results",
        "",
        "Generated by `make bench` (`bench/run.py`); every number below is from the run it names. Do not edit by "
        "hand: edit `bench/NOTES.md` and re-render with `python bench/report.py`.",
        "",
        *method(run),
        "",
        "## Targets (issue 23, *Must show*)",
        "",
        *targets(run),
        "",
    ]
    for size in run["sizes"]:
        load = size.get("load") or []
        lines += [
            f"## {size['synthetic']:,} synthetic projects ({size['total_projects']:,} in the table; "
            f"{size.get('programme_items', 0):,} programme items, {size.get('progress_reports', 0):,} monthly reports)",
            "",
            f"Synth + VACUUM ANALYZE {size['synth_seconds']:.0f} s. Load average (1 min) before / after: "
            f"{' / '.join(str(x) for x in load) or '?'}.",
            "",
            "### Under load (8 connections): median (min–max) of the rounds",
            "",
            *load_table(size),
            "",
            "### Ratios of medians (above 1: planmap did better)",
            "",
            *ratio_table(size),
            "",
            "### One connection, and the floor",
            "",
            *single_table(size),
            "",
        ]
        if size.get("reads"):
            lines += ["### Reads in-process (server time, one connection)", "", *reads_table(size), ""]
    if notes.strip():
        lines += [notes.strip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    bench = Path(__file__).resolve().parent
    latest = orjson.loads((bench / "results" / "latest.json").read_bytes())
    notes_path = bench / "NOTES.md"
    out = bench / "RESULTS.md" if len(sys.argv) < 2 else Path(sys.argv[1])
    out.write_text(render(latest, notes_path.read_text() if notes_path.is_file() else ""), encoding="utf-8")
    print(f"wrote {out}")
