"""How far off an estimated location may be, as its location note states it, in metres.

The catalog has no separate error column on purpose: the note ("…; error 1-3 km.") is where the
person who placed the project wrote the uncertainty, and a second field could drift from it. The
project page reads the figure from the note each time, so an edited note redraws the circle.

Only what the note says is used (its English version, which the Chinese one is written from):
- a range or a bound ("1-3 km", "up to 10 km", "about 1 km") gives its largest figure;
- an open bound ("10 km or more", "may exceed 10 km") and words without a figure ("a few km",
  "several km": at least two; "tens of km": at least ten) give a *minimum*, marked `at_least`,
  so the page never draws such a circle as if it were the whole error;
- a note that states no error gives none, and the page draws nothing it does not know.
"""

import re
from dataclasses import dataclass

# A clause speaks of the error when it holds one of these words ("error 1-3 km", "edges uncertain by
# 1-2 km", "the real lake may lie 1-2 km away", "the real boundary may differ by 10 km or more").
_ERROR_WORDS = re.compile(r"\b(error|uncertain|uncertainty|away|differ|exceed)\b", re.IGNORECASE)
_NUMBER = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(_NUMBER + r"\s*[-–]\s*" + _NUMBER + r"\s*km\b")
_OPEN = re.compile(
    _NUMBER + r"\s*km or more\b|\bexceed\s+" + _NUMBER + r"\s*km\b|\bmore than\s+" + _NUMBER + r"\s*km\b"
)
_SINGLE = re.compile(r"(?<![\d.~])" + _NUMBER + r"\s*km\b(?!\d)")
# Words the notes use instead of a figure, and the least they can mean.
_WORDS_AT_LEAST: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\btens of km\b", re.IGNORECASE), 10_000),
    (re.compile(r"\b(a few|several) km\b", re.IGNORECASE), 2_000),
)


@dataclass(frozen=True)
class StatedError:
    """The error a location note states: `metres`, the largest figure (or, if `at_least`, the least it means)."""

    metres: int
    at_least: bool
    words: str  # the note's own words, e.g. "error 1-3 km", for the legend


def stated_error(note: str | None) -> StatedError | None:
    """The error `note` states, from the last clause that speaks of one; None when it states none."""
    for clause in reversed(_clauses(note or "")):
        if _ERROR_WORDS.search(clause):
            found = _figure(clause)
            if found is not None:
                return found
    return None


def _clauses(note: str) -> list[str]:
    """The note cut at semicolons, commas and sentence ends (not at a decimal point)."""
    return [c.strip() for c in re.split(r";|,\s|\.(?=\s|$)", note) if c.strip()]


def _figure(clause: str) -> StatedError | None:
    if m := _OPEN.search(clause):
        value = next(g for g in m.groups() if g is not None)
        return StatedError(_metres(value), True, clause)
    if m := _RANGE.search(clause):
        return StatedError(_metres(m.group(2)), False, clause)
    for pattern, metres in _WORDS_AT_LEAST:
        if pattern.search(clause):
            return StatedError(metres, True, clause)
    if m := _SINGLE.search(clause):
        return StatedError(_metres(m.group(1)), False, clause)
    return None


def _metres(km: str) -> int:
    return round(float(km) * 1000)
