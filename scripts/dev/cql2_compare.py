"""Which CQL2 library parses the final spec (OGC 21-065r2)? Run: .venv/bin/python scripts/dev/cql2_compare.py

Needs `pip install cql2 pygeofilter` (only cql2 is a planmap dependency). Prints one line per case
and library: `ok` with what the parser understood, or the error; the README's library section
records the result.
"""

import json
from typing import Any

TEXT_CASES = {
    "comparison": "start_year >= 2023 AND status <> 'cancelled'",
    "between": "start_year BETWEEN 2021 AND 2023",
    "in": "status IN ('planned', 'under_construction')",
    "like": "name_zh LIKE '%公路%'",
    "s_intersects": "S_INTERSECTS(geometry, BBOX(112.3, 24.7, 112.5, 24.9))",
    "t_before": "T_BEFORE(updated_at, TIMESTAMP('2026-01-01T00:00:00Z'))",
    "t_intersects": "T_INTERSECTS(planned_end, INTERVAL('2025-01-01', '2025-12-31'))",
    "is_null": "planned_start IS NULL",
}
JSON_CASES: dict[str, dict[str, Any]] = {
    "between": {"op": "between", "args": [{"property": "start_year"}, 2021, 2023]},
    "in": {"op": "in", "args": [{"property": "status"}, ["planned", "under_construction"]]},
    "like": {"op": "like", "args": [{"property": "name_zh"}, "%公路%"]},
    "s_intersects": {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [112.3, 24.7, 112.5, 24.9]}]},
    "t_before": {"op": "t_before", "args": [{"property": "updated_at"}, {"timestamp": "2026-01-01T00:00:00Z"}]},
    "t_intersects": {
        "op": "t_intersects",
        "args": [{"property": "planned_end"}, {"interval": ["2025-01-01", "2025-12-31"]}],
    },
}


def try_cql2(kind: str, case: Any) -> str:
    import cql2

    try:
        expr = cql2.parse_text(case) if kind == "text" else cql2.parse_json(json.dumps(case))
        expr.validate()
        return "ok " + json.dumps(expr.to_json(), ensure_ascii=False)[:110]
    except Exception as exc:
        return f"FAIL {type(exc).__name__}: {str(exc)[:110]}"


def try_pygeofilter(kind: str, case: Any) -> str:
    try:
        if kind == "text":
            from pygeofilter.parsers.cql2_text import parse as parse_text

            node = parse_text(case)
        else:
            from pygeofilter.parsers.cql2_json import parse as parse_json

            node = parse_json(case)
        return "ok " + repr(node)[:110]
    except Exception as exc:
        return f"FAIL {type(exc).__name__}: {str(exc)[:110]}"


def main() -> None:
    for kind, cases in (("text", TEXT_CASES), ("json", JSON_CASES)):
        for name, case in cases.items():
            print(f"{kind:4} {name:13} cql2        {try_cql2(kind, case)}")
            print(f"{kind:4} {name:13} pygeofilter {try_pygeofilter(kind, case)}")


if __name__ == "__main__":
    main()
