"""The benchmark's pure parts: round order, medians and spread, ratios, wrk's output, id comparison.

Kept apart from the harness (servers, wrk, the database) so that tests/bench can check them in
milliseconds, and so that the report states exactly what these functions compute.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def rotations(names: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of the servers in each round: A B C, B C A, C A B, A B C, …

    Alternating who goes first spreads a machine that gets busier or quieter during the run over
    every server alike, instead of always handing the same server the warmer (or the noisier) slot.
    """
    if rounds < 1:
        raise ValueError("at least one round")
    n = len(names)
    return [[names[(r + i) % n] for i in range(n)] for r in range(rounds)] if n else [[] for _ in range(rounds)]


@dataclass(frozen=True)
class Spread:
    """Median of a handful of measurements, with their minimum, maximum and quartiles."""

    median: float
    low: float
    high: float
    q1: float
    q3: float
    n: int


def spread(values: Sequence[float]) -> Spread | None:
    """Median, min–max and interquartile range of the rounds' values; None when nothing was measured."""
    data = sorted(float(v) for v in values)
    if not data:
        return None
    if len(data) == 1:
        q1 = q3 = data[0]
    else:
        q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Spread(statistics.median(data), data[0], data[-1], q1, q3, len(data))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def ratio_of_medians(a: Sequence[float], b: Sequence[float]) -> float | None:
    """median(a) / median(b): the figure the tables give, so one wild round moves it little."""
    sa, sb = spread(a), spread(b)
    return ratio(sa.median if sa else None, sb.median if sb else None)


# --- wrk --------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Load:
    """One wrk run: requests per second, latency percentiles, and failures (non-2xx, socket errors)."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def wrk_ms(value: str) -> float:
    """wrk's "812.00us", "3.21ms", "1.02s" in milliseconds."""
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
    return Load(float(rps.group(1)), wrk_ms(p50.group(1)), wrk_ms(p99.group(1)), int(total.group(1)), errors)


# --- what the servers answered ------------------------------------------------------------------


def compare_ids(reference: Sequence[int], other: Sequence[int], ordered: bool = True) -> str:
    """How `other`'s feature ids differ from `reference`'s, in words for the table ("same ids, same order").

    A faster answer that returns other rows is no win, so every comparison names the difference:
    ids missing or extra (with counts and a few examples), or the same ids in another order.
    `ordered=False` is for vector tiles, whose feature order means nothing.
    """
    if list(reference) == list(other):
        return "same ids, same order" if ordered else "same ids"
    ref_set, other_set = set(reference), set(other)
    if len(ref_set) != len(reference) or len(other_set) != len(other):
        dup = "duplicate ids in the reference" if len(ref_set) != len(reference) else "duplicate ids"
        return f"{dup} ({len(reference)} vs {len(other)} features)"
    if ref_set == other_set:
        return "same ids, other order" if ordered else "same ids"
    missing = sorted(ref_set - other_set)
    extra = sorted(other_set - ref_set)
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {', '.join(map(str, missing[:3]))})")
    if extra:
        parts.append(f"{len(extra)} extra (e.g. {', '.join(map(str, extra[:3]))})")
    return "; ".join(parts)


def ids_agree(description: str) -> bool:
    """Whether a `compare_ids` description means the same rows (order included where it counts)."""
    return description in ("same ids, same order", "same ids")


def only_missing(description: str) -> int | None:
    """How many of planmap's ids the other server left out, when that is the only difference; else None.

    A tile whose server omits a few features planmap sends (features only in planmap's tile buffer) is
    still a fair comparison in planmap's disfavour: planmap did the larger job. Extras or reordering are not.
    """
    match = re.fullmatch(r"(\d+) missing \(e\.g\. [\d, ]+\)", description)
    return int(match.group(1)) if match else None
