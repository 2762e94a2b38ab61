"""What GDAL writes from planmap's own OGC API comes back through `planmap import` (issue 19).

The copies are made as ogr2ogr makes them: GDAL's OAPIF driver reads the served collection and
GDAL's own writer (an Arrow stream, pyogrio.write_arrow) writes it, with GDAL's own field types,
list encodings and Shapefile field names. Imported into an empty database they are the same
projects; imported again with --update they change nothing (except texts a Shapefile cut, which
the import names as possibly cut); and the list form GDAL 3.6 wrote, `(1:xingzi)`, is read too.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from sqlalchemy import Engine

from app.catalog.importer import ImportOptions, import_file
from app.catalog.seed import seed
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from tests.catalog.test_import import _projects, _run_cli
from tests.conftest import GEODATA, throwaway_url, write_collection

# (collection, GDAL driver, file suffix, a server-side filter GDAL sends as CQL2, when the format needs one type)
COPIES = [
    ("projects", "GPKG", "gpkg", None),  # mixed geometries; lists as GeoPackage JSON fields
    ("projects-points", "GPKG", "gpkg", None),  # flat: lists as planmap's ';' text
    ("projects-points", "ESRI Shapefile", "shp", None),  # GDAL's 10-character field names, cut texts
    ("projects-lines", "ESRI Shapefile", "shp", None),
    ("projects-areas", "ESRI Shapefile", "shp", None),
    ("projects", "ESRI Shapefile", "shp", "category = 'commerce'"),  # lists as JSON text: [ "lianzhou" ]
    ("projects", "FlatGeobuf", "fgb", None),  # lists as JSON text
]
COMPARED = ("name_zh", "name_en", "aliases", "category", "status", "towns", "figures", "start_year", "end_year")


def ogr2ogr(live_url: str, collection: str, driver: str, path: Path, where: str | None = None) -> Path:
    """`ogr2ogr path OAPIF:…/ogc collection [-where …]`, done by the GDAL inside pyogrio."""
    with pyogrio.open_arrow(f"OAPIF:{live_url}/ogc", layer=collection, where=where, use_pyarrow=False) as (
        meta,
        reader,
    ):
        pyogrio.write_arrow(
            reader, path, layer=collection, driver=driver, crs=meta["crs"],
            geometry_name=meta["geometry_name"] or "geometry", geometry_type=meta["geometry_type"] or "Unknown",
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def gdal_copies(live_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ogr2ogr")
    copies = {}
    with pytest.warns(RuntimeWarning):  # GDAL says what it shortened for the Shapefiles
        for collection, driver, suffix, where in COPIES:
            name = f"{collection}{'-commerce' if where else ''}.{suffix}"
            copies[name] = ogr2ogr(live_url, collection, driver, folder / name, where)
    return copies


@pytest.fixture(scope="module")
def module_empty_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database with the county and towns and no projects, for this module's imports."""
    url = throwaway_url("planmap_import_ogc")
    dbadmin.create_database(url)
    migrate.upgrade(url, "head")
    eng = make_sync_engine(url)
    assert seed(eng, GEODATA, write_collection(tmp_path_factory.mktemp("empty") / "none.geojson", [])).ok
    yield eng
    eng.dispose()
    dbadmin.drop_database(url)


def _served(live_url: str, collection: str, where: str | None) -> set[str]:
    frame = pyogrio.read_dataframe(f"OAPIF:{live_url}/ogc", layer=collection, where=where, read_geometry=False)
    return set(frame["slug"])


def _compared(features: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {slug: {k: f["properties"][k] for k in COMPARED} for slug, f in features.items()}


def test_gdal_copies_of_every_collection_import_as_the_same_projects(
    live_url: str, engine: Engine, module_empty_db: Engine, gdal_copies: dict[str, Path]
) -> None:
    mixed = import_file(module_empty_db, gdal_copies["projects.gpkg"])
    assert not mixed.refused and not mixed.problems, mixed.lines()
    source = _projects(engine)
    assert sorted(mixed.report.inserted) == sorted(source)
    assert _compared(_projects(module_empty_db)) == _compared(source)
    # Every other copy, read back with --update, is the same projects: nothing to change.
    for (collection, _, _, where), (name, path) in zip(COPIES, gdal_copies.items(), strict=True):
        again = import_file(module_empty_db, path, ImportOptions(dry_run=True, update=True))
        assert not again.problems, (name, again.lines())
        rep = again.report
        assert set(rep.unchanged) | set(rep.updated) == _served(live_url, collection, where), name
        # A text a Shapefile cut is the only change, and the import said which it may have cut.
        maybe_cut = {line.split("'")[1] for line in again.warnings if "may have been cut short" in line}
        assert set(rep.updated) <= maybe_cut, name
        if path.suffix != ".shp":
            assert rep.updated == [] and maybe_cut == set(), name


def test_the_command_accepts_a_gdal_shapefile_and_names_what_may_be_cut(
    module_empty_db: Engine, gdal_copies: dict[str, Path]
) -> None:
    done = _run_cli(
        module_empty_db.url.render_as_string(hide_password=False), "--dry-run", str(gdal_copies["projects-points.shp"])
    )
    assert done.returncode == 0, done.stderr
    assert "0 invalid" in done.stdout and "REFUSED" not in done.stdout + done.stderr
    # lianzhou-airport's English location note is longer than a dBASE field: GDAL cut it.
    assert "'lianzhou-airport': location_note fills the 254 bytes a Shapefile field holds" in done.stdout


def _gdal36(gdal_copies: dict[str, Path], folder: Path, towns: dict[str, str]) -> Path:
    """The flat points copy with its lists as GDAL 3.6 wrote a string list into a GeoPackage text
    field, `(count:item,item)`; `towns` overrides some rows' towns with bad values."""
    frame = pyogrio.read_dataframe(gdal_copies["projects-points.gpkg"])
    for name in ("towns", "aliases"):
        lists = [value.split(";") if value else [] for value in frame[name]]
        frame[name] = [f"({len(items)}:{','.join(items)})" for items in lists]
    frame["towns"] = [towns.get(slug, value) for slug, value in zip(frame["slug"], frame["towns"], strict=True)]
    path = folder / "gdal36.gpkg"
    pyogrio.write_dataframe(frame, path, layer="projects-points")
    return path


def test_gdal36_string_lists_are_read(
    live_url: str, module_empty_db: Engine, gdal_copies: dict[str, Path], tmp_path: Path
) -> None:
    result = import_file(module_empty_db, _gdal36(gdal_copies, tmp_path, {}), ImportOptions(dry_run=True, update=True))
    assert not result.problems, result.lines()
    assert set(result.report.unchanged) == _served(live_url, "projects-points", None)


def test_a_refusal_names_the_row_the_field_and_the_value(
    module_empty_db: Engine, gdal_copies: dict[str, Path], tmp_path: Path
) -> None:
    frame = pyogrio.read_dataframe(gdal_copies["projects-points.gpkg"], read_geometry=False)
    first, second, third = list(frame["slug"][:3])
    bad = {first: "(2:xingzi)", second: '["xingzi", 3]', third: "(1:atlantis)"}
    path = _gdal36(gdal_copies, tmp_path, bad)
    frame = pyogrio.read_dataframe(path)
    frame.loc[3, "status"] = "done"
    pyogrio.write_dataframe(frame, path, layer="projects-points")
    result = import_file(module_empty_db, path)
    assert result.refused
    assert [str(p) for p in result.problems[:3]] == [
        f"row 1 '{first}': towns: GDAL's list form says 2 item(s) but 1 were found "
        "(an item containing a comma cannot be told apart), got '(2:xingzi)'",
        f"row 2 '{second}': towns: a JSON list must hold texts such as [\"xingzi\"], got '[\"xingzi\", 3]'",
        f"row 3 '{third}': unknown town slug(s): atlantis",
    ]
    assert str(result.problems[3]).startswith(f"row 4 '{frame['slug'][3]}': properties.status: Input should be ")
    assert str(result.problems[3]).endswith(" (the file has 'done')")
    assert len(result.problems) == 4 and result.report.inserted == []
