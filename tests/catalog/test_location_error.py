"""The error a location note states, read from its own words (app/catalog/location_error.py): the page draws
only what the note says, and says when a figure is only a minimum."""

import json

import pytest

from app.catalog.location_error import StatedError, stated_error
from tests.conftest import GEODATA


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Approximate: placed ~1.5 km south of the seat; error 1-3 km.", StatedError(3000, False, "error 1-3 km")),
        ("Approximate: inside Xingzi; error up to 10 km.", StatedError(10000, False, "error up to 10 km")),
        (
            "Approximate: on the school campus; error up to about 1 km.",
            StatedError(1000, False, "error up to about 1 km"),
        ),
        ("Approximate: clipped to the county; error 10 km or more.", StatedError(10000, True, "error 10 km or more")),
        ("Approximate: no alignment yet; error tens of km.", StatedError(10000, True, "error tens of km")),
        ("Approximate: a short link; error a few km.", StatedError(2000, True, "error a few km")),
        (
            "Approximate: a polygon; the real lake may lie 1-2 km away.",
            StatedError(2000, False, "the real lake may lie 1-2 km away"),
        ),
        ("Approximate: a ~0.4 km2 polygon in the west, no official boundary.", None),
        ("Test project placed at the Xingzi town seat.", None),
        (None, None),
    ],
)
def test_the_figure_is_the_notes_own(note: str | None, expected: StatedError | None) -> None:
    assert stated_error(note) == expected


def test_a_distance_that_is_not_the_error_is_not_taken_for_it() -> None:
    # "~1.5 km south" places the point; only the clause that speaks of the error gives the figure
    assert stated_error("Approximate: placed ~1.5 km south of the seat, error about 1 km.") == StatedError(
        1000, False, "error about 1 km"
    )


def test_every_seeded_estimate_that_names_an_error_gets_a_figure() -> None:
    features = json.loads((GEODATA / "projects.geojson").read_text(encoding="utf-8"))["features"]
    estimates = [f["properties"] for f in features if f["properties"]["location_precision"] == "approximate"]
    speaks = [p for p in estimates if any(w in p["location_note"] for w in ("error", "uncertain", "away", "differ"))]
    assert len(speaks) >= 50
    assert all(stated_error(p["location_note"]) is not None for p in speaks)
