"""The investment workbook's time split (fetch vs building vs writing), and two writers on identical rows.

    DATABASE_URL=postgresql+psycopg://…/cycle_100k .venv/bin/python bench/workbook_writers.py \\
        [--month 2025-06] [--writers openpyxl xlsxwriter] [--profile] [--compare]

The rows are fetched once from the server-side cursor exactly as the route fetches them (timed: that is
the SQL and the fetch), then held in a list, so each writer gets the same rows and is timed alone (the
Python that builds the cells and the library that writes the XML and zips it). `openpyxl` is the writer
as it stood before the switch (app/reports/investment.py at commit 11d0598, openpyxl write-only), read
from git; `xlsxwriter` is the module in the work tree. `--profile` adds cProfile's internal time summed
by where the code lives. `--compare` opens both files with openpyxl and checks every cell's value, number
format, fill and weight are the same (slow: use it on a small database). The load average is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BEFORE = "11d0598"  # the last commit with the openpyxl writer


def old_module() -> Any:
    """app/reports/investment.py as it was at BEFORE, imported under another name."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:app/reports/investment.py"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "investment_openpyxl.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("investment_openpyxl", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def where(filename: str) -> str:
    if "app/reports" in filename or "investment_openpyxl" in filename:  # before "openpyxl": the old module's name
        return "app (cells, sums)"
    for part in ("openpyxl", "xlsxwriter", "zipfile", "zlib", "sqlalchemy", "psycopg", "decimal", "et_xmlfile"):
        if part in filename:
            return part
    return "other" if filename not in ("~",) else "builtins"


def profiled(fn: Callable[[], bytes]) -> tuple[bytes, dict[str, float]]:
    profile = cProfile.Profile()
    out = profile.runcall(fn)
    by: dict[str, float] = defaultdict(float)
    stats = cast(Any, pstats.Stats(profile)).stats  # typeshed does not declare the table
    for (filename, _, _), (_, _, tottime, _, _) in stats.items():
        by[where(filename)] += tottime
    return out, dict(sorted(by.items(), key=lambda kv: -kv[1]))


def compare(a: bytes, b: bytes) -> str:
    from openpyxl import load_workbook

    wa, wb = load_workbook(io.BytesIO(a)), load_workbook(io.BytesIO(b))
    assert wa.sheetnames == wb.sheetnames, (wa.sheetnames, wb.sheetnames)
    cells = 0
    for sa, sb in zip(wa.worksheets, wb.worksheets, strict=True):
        assert sa.max_row == sb.max_row and sa.freeze_panes == sb.freeze_panes, sa.title
        assert sa.print_title_rows == sb.print_title_rows, (sa.print_title_rows, sb.print_title_rows)
        for ra, rb in zip(sa.iter_rows(min_row=3), sb.iter_rows(min_row=3), strict=True):
            for ca, cb in zip(ra, rb, strict=True):
                cells += 1
                assert ca.value == cb.value or float(cast(Any, ca.value)) == float(cast(Any, cb.value)), (
                    ca.coordinate,
                    ca.value,
                    cb.value,
                )
                assert ca.number_format == cb.number_format, (ca.coordinate, ca.number_format, cb.number_format)
                assert ca.fill.fgColor.rgb[-6:] == cb.fill.fgColor.rgb[-6:], (ca.coordinate, ca.fill, cb.fill)
                assert bool(ca.font.b) == bool(cb.font.b), ca.coordinate
                assert (ca.border.left.style is None) == (cb.border.left.style is None), ca.coordinate
    return f"identical values, formats, fills, weights, borders in {cells:,} cells"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--month", default="2025-06")
    parser.add_argument("--writers", nargs="*", default=["openpyxl", "xlsxwriter"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()

    from app.core.db import make_sync_engine
    from app.reports import investment

    year, month_no = (int(p) for p in args.month.split("-"))
    month = date(year, month_no, 1)
    engine = make_sync_engine(os.environ["DATABASE_URL"])
    print(f"load {os.getloadavg()}")
    with engine.connect() as conn:
        start = time.perf_counter()
        rows = list(investment.rows(conn, month))
        print(f"fetch (SQL + rows through the server-side cursor): {len(rows):,} rows, "
              f"{time.perf_counter() - start:.2f} s, load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    engine.dispose()
    writers = {"openpyxl": old_module().investment_workbook, "xlsxwriter": investment.investment_workbook}
    files: dict[str, bytes] = {}
    for name in args.writers:
        write = writers[name]
        start = time.perf_counter()
        if args.profile:
            files[name], split = profiled(partial(write, iter(rows), month))
        else:
            files[name], split = write(iter(rows), month), {}
        elapsed = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name}: {elapsed:.2f} s{' (under cProfile)' if args.profile else ''}, {len(files[name]):,} bytes, "
              f"process peak RSS so far {rss:.0f} MB, load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
        if split:
            print("   internal time by where: " + ", ".join(f"{k} {v:.2f} s" for k, v in split.items()))
    if args.compare and len(files) == 2:
        print(compare(*files.values()))


if __name__ == "__main__":
    main()
