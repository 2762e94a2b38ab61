"""The benchmark's arithmetic and comparisons (bench/stats.py, bench/report.py): fast, no servers.

These are what the results table claims: who went first in which round, what a median and its
spread are, which way a ratio points, and whether two servers returned the same rows.
"""

import pytest

from bench.report import ratios, targets
from bench.stats import (
    compare_ids,
    ids_agree,
    only_missing,
    parse_wrk,
    ratio,
    ratio_of_medians,
    rotations,
    spread,
    wrk_ms,
)

WRK_OUTPUT = """Running 4s test @ http://127.0.0.1:8000/api/projects
  2 threads and 8 connections
  Latency Distribution
     50%    3.21ms
     75%    5.00ms
     90%    8.10ms
     99%    1.02s
  2400 requests in 4.00s, 1.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:    600.25
"""


def test_each_server_goes_first_in_turn() -> None:
    assert rotations(["planmap", "tipg", "pygeoapi"], 4) == [
        ["planmap", "tipg", "pygeoapi"],
        ["tipg", "pygeoapi", "planmap"],
        ["pygeoapi", "planmap", "tipg"],
        ["planmap", "tipg", "pygeoapi"],
    ]
    assert rotations(["planmap"], 3) == [["planmap"]] * 3
    with pytest.raises(ValueError):
        rotations(["planmap"], 0)


def test_median_and_spread_of_the_rounds() -> None:
    s = spread([30.0, 10.0, 20.0])
    assert s is not None
    assert (s.median, s.low, s.high, s.n) == (20.0, 10.0, 30.0, 3)
    assert s.q1 == 15.0 and s.q3 == 25.0
    even = spread([4.0, 1.0, 3.0, 2.0])
    assert even is not None and even.median == 2.5
    one = spread([7.0])
    assert one is not None and (one.median, one.q1, one.q3) == (7.0, 7.0, 7.0)
    assert spread([]) is None


def test_a_ratio_of_medians_ignores_one_wild_round() -> None:
    # planmap 100, 110, 900 req/s (one round alone on the machine) against 50, 55, 60: 2×, not 5.9×
    assert ratio_of_medians([100.0, 110.0, 900.0], [50.0, 55.0, 60.0]) == pytest.approx(2.0)
    assert ratio(1.0, 0.0) is None and ratio(None, 2.0) is None and ratio(3.0, 2.0) == 1.5
    assert ratio_of_medians([], [1.0]) is None


def test_wrk_output_is_read_with_its_units_and_errors() -> None:
    load = parse_wrk(WRK_OUTPUT)
    assert load.rps == 600.25 and load.requests == 2400
    assert load.p50_ms == pytest.approx(3.21) and load.p99_ms == pytest.approx(1020.0)
    assert load.errors == 3 + 1 + 2
    assert wrk_ms("812.00us") == pytest.approx(0.812)
    with pytest.raises(ValueError):
        parse_wrk("nothing measured")


def test_ids_compared_in_order_or_the_difference_named() -> None:
    assert compare_ids([3, 1, 2], [3, 1, 2]) == "same ids, same order"
    assert compare_ids([3, 1, 2], [1, 2, 3]) == "same ids, other order"
    assert compare_ids([3, 1, 2], [1, 2, 3], ordered=False) == "same ids"
    assert compare_ids([1, 2, 3, 4], [1, 2, 9]) == "2 missing (e.g. 3, 4); 1 extra (e.g. 9)"
    assert compare_ids([1, 2], [1, 1]).startswith("duplicate ids")
    assert ids_agree("same ids, same order") and ids_agree("same ids")
    assert not ids_agree("same ids, other order") and not ids_agree("1 missing (e.g. 3)")


def _side(rps: list[float], p50: list[float], ids: str | None = None, encoding: str = "identity") -> dict:
    loaded = [
        {"rps": r, "p50_ms": p, "p99_ms": p * 2, "requests": 10, "errors": 0} for r, p in zip(rps, p50, strict=True)
    ]
    return {"error": None, "ids": ids, "encoding": encoding, "loaded": loaded, "single": []}


def test_ratios_point_towards_planmap_and_skip_other_rows() -> None:
    row = {
        "key": "c",
        "servers": {
            "planmap": _side([300, 310, 320], [10, 11, 12]),
            "tipg": _side([100, 200, 150], [20, 22, 24], "same ids, same order"),
            "pygeoapi": _side([10, 10, 10], [50, 50, 50], "3 missing (e.g. 1, 2, 3)"),
        },
    }
    rps, p50 = ratios(row, "tipg")
    assert rps == pytest.approx(310 / 150) and p50 == pytest.approx(22 / 11)
    assert ratios(row, "pygeoapi") == (None, None)  # other rows: no ratio, whatever the speed
    gzip_row = {
        "key": "bz",
        "servers": {"planmap": _side([5], [1], encoding="gzip"), "tipg": _side([1], [5], "same ids")},
    }
    assert ratios(gzip_row, "tipg") == (None, None)  # tipg sent it uncompressed: not the same work


def test_targets_say_met_missed_or_not_measured() -> None:
    def size(n: int, tipg_rps: float) -> dict:
        row = {
            "key": "c",
            "servers": {"planmap": _side([300], [5]), "tipg": _side([tipg_rps], [9], "same ids, same order")},
        }
        return {"synthetic": n, "rows": [row], "reads": {}}

    lines = targets({"sizes": [size(1000, 100.0), size(100_000, 250.0)]})
    text = "\n".join(lines)
    assert "| (c) planmap req/s ≥ 1.5× tipg's at 1,000 | 3.00× | met |" in text
    assert "| (c) planmap req/s ≥ 1.5× tipg's at 100,000 | 1.20× | **missed** |" in text
    assert "(e10n) planmap req/s ≥ 1.2× tipg's at 1,000 | not measured" in text
    assert "1 M not run in this session" in text


def test_a_tile_missing_some_of_planmaps_features_is_compared_and_marked() -> None:
    assert only_missing("16 missing (e.g. 3641, 10745, 24057)") == 16
    assert only_missing("2 missing (e.g. 3, 4); 1 extra (e.g. 9)") is None
    assert only_missing("same ids") is None
    fewer = "16 missing (e.g. 1, 2, 3)"
    tile = {"key": "e10n", "servers": {"planmap": _side([40], [10]), "tipg": _side([60], [5], fewer)}}
    assert ratios(tile, "tipg")[0] == pytest.approx(40 / 60)
    page = {"key": "a", "servers": {"planmap": _side([40], [10]), "tipg": _side([60], [5], fewer)}}
    assert ratios(page, "tipg") == (None, None)  # a list missing rows is another answer, not a subset job
