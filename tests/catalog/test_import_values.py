"""One cell of an imported file back into a catalog value: every list form a real tool writes is
read, and a value that does not add up is refused with the field and the value itself."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import Point

from app.catalog.fields import PROPERTY_NAMES
from app.catalog.import_values import GDAL_SHP_NAMES, gdal_shp_names, parse_list


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("xingzi;dongbei", ["xingzi", "dongbei"]),  # planmap's own CSV, GPKG and SHP exports
        ("xingzi, dongbei", ["xingzi", "dongbei"]),  # typed by a person
        ("xingzi", ["xingzi"]),
        ("(1:xingzi)", ["xingzi"]),  # GDAL's string list as text (ogr2ogr to SHP, or GPKG before GDAL 3.7)
        ("(2:xingzi,dongbei)", ["xingzi", "dongbei"]),
        ("(0:)", []),
        ('[ "xingzi", "dongbei" ]', ["xingzi", "dongbei"]),  # GDAL 3.7+ in SHP and FlatGeobuf: JSON text
        ('["上兰靛水库"]', ["上兰靛水库"]),
        ("[ ]", []),
        ("", []),
        (None, []),
        (float("nan"), []),
        (["xingzi", "dongbei"], ["xingzi", "dongbei"]),  # a GeoPackage JSON field GDAL has parsed
        (np.array(["xingzi"]), ["xingzi"]),  # GeoJSON's string list
        ("上兰靛水库;连州水库", ["上兰靛水库", "连州水库"]),
    ],
)
def test_every_list_form_is_read(cell: object, expected: list[str]) -> None:
    problems: list[str] = []
    assert parse_list("towns", cell, problems) == expected
    assert problems == []


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("(2:xingzi)", "towns: GDAL's list form says 2 item(s) but 1 were found"),
        ("(1:a,b)", "towns: GDAL's list form says 1 item(s) but 2 were found"),
        ('["xingzi", 3]', 'towns: a JSON list must hold texts such as ["xingzi"]'),
        ('["xingzi"', "towns: not a JSON list"),
        (42, "towns: expected a list of texts such as xingzi;dongbei"),
    ],
)
def test_a_list_that_does_not_add_up_is_refused_naming_field_and_value(cell: object, message: str) -> None:
    problems: list[str] = []
    assert parse_list("towns", cell, problems) == []
    assert len(problems) == 1
    assert problems[0].startswith(message)
    assert problems[0].endswith(f"got {str(cell)!r}")


def test_a_long_refused_value_is_shortened_but_still_shown() -> None:
    problems: list[str] = []
    parse_list("aliases", "(9:" + "x" * 200 + ")", problems)
    assert "got '(9:xxxx" in problems[0] and problems[0].endswith("…'") and len(problems[0]) < 250


def _gdal_writes(names: tuple[str, ...], path: Path) -> list[str]:
    frame = gpd.GeoDataFrame({name: ["x"] for name in names}, geometry=[Point(112.4, 24.8)], crs=4326)
    with pytest.warns(RuntimeWarning, match="Normalized/laundered field name"):
        pyogrio.write_dataframe(frame, path)
    return list(pyogrio.read_info(path)["fields"])


def test_gdal_shp_names_are_the_names_gdal_gives(tmp_path: Path) -> None:
    """The importer's prediction checked against GDAL itself: a Shapefile written with every
    property planmap's OGC collections serve, in their order."""
    names = ("id", *PROPERTY_NAMES)
    assert _gdal_writes(names, tmp_path / "names.shp") == [GDAL_SHP_NAMES[n] for n in names]
    # The Chinese location note is the second 'location_n…': GDAL numbers it.
    assert GDAL_SHP_NAMES["location_note"] == "location_n" and GDAL_SHP_NAMES["location_note_zh"] == "location_1"


def test_gdal_numbers_names_past_nine(tmp_path: Path) -> None:
    names = tuple(f"long_prefix_{i}" for i in range(12))
    predicted = list(gdal_shp_names(names).values())
    assert predicted[-1] == "long_pre11"
    assert _gdal_writes(names, tmp_path / "many.shp") == predicted
