"""Importing projects from files: an export comes back as the same projects, bad rows are named
and refuse the file (nothing written), and every write is audited as the importer's."""

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import Engine, text

from app.catalog.importer import ImportFileError, ImportOptions, ImportResult, import_file
from app.catalog.seed import seed
from app.core import migrate
from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT
from app.queries.geojson import PROJECT_FEATURE
from app.queries.project_filter import ProjectFilter
from tests.conftest import GEODATA, write_collection

VOLATILE = ("created_at", "updated_at", "version")


@pytest.fixture
def empty_db(scratch_database: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database with the county and towns but no projects."""
    migrate.upgrade(scratch_database, "head")
    eng = make_sync_engine(scratch_database)
    assert seed(eng, GEODATA, write_collection(tmp_path / "no-projects.geojson", [])).ok
    yield eng
    eng.dispose()


def _projects(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every project as the API serves it, less what differs between databases by nature."""
    with engine.connect() as conn:
        # Read as the API does: through the plan-scoped source (every read is of one plan, migration 0010).
        source, params = ProjectFilter(staff=True).source()
        rows = conn.execute(
            text(f"SELECT ({PROJECT_FEATURE})::text FROM {source} p ORDER BY p.slug"),
            {**params, "f_ref_date": date.today(), "f_stale_days": 180},
        ).scalars()
        features = [orjson.loads(r) for r in rows]
    for feature in features:
        for key in VOLATILE:
            del feature["properties"][key]
    return {f["id"]: f for f in features}


def _same_features(got: dict[str, dict[str, Any]], want: dict[str, dict[str, Any]], exact_rings: bool) -> None:
    assert sorted(got) == sorted(want)
    for slug, feature in got.items():
        assert feature["properties"] == want[slug]["properties"], slug
        a, b = shape(feature["geometry"]), shape(want[slug]["geometry"])
        assert a.geom_type == b.geom_type, slug
        if exact_rings:
            assert shapely.equals_exact(a, b, tolerance=1e-7), slug
        else:  # a Shapefile stores rings clockwise: same shape, other direction
            assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-7), slug


def _export(client: TestClient, tmp_path: Path, fmt: str, **params: Any) -> Path:
    response = client.get("/api/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    name: str = response.headers["content-disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _import_audit(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, object_key FROM audit_log WHERE actor = 'import' ORDER BY object_key, id")
        ).all()
    return [(r.action, r.object_key) for r in rows]


def _run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app", "import", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "csv", "kml"])
def test_an_export_imported_into_an_empty_database_gives_the_same_projects(
    client: TestClient, engine: Engine, empty_db: Engine, tmp_path: Path, fmt: str
) -> None:
    path = _export(client, tmp_path, fmt)
    result = import_file(empty_db, path)
    assert not result.refused, result.lines()
    source = _projects(engine)
    assert sorted(result.report.inserted) == sorted(source)
    _same_features(_projects(empty_db), source, exact_rings=fmt != "shp")
    # One audit row per written project, by the importer.
    assert _import_audit(empty_db) == [("create", slug) for slug in sorted(source)]


def test_the_command_imports_a_csv_and_says_what_it_did(
    client: TestClient, engine: Engine, empty_db: Engine, tmp_path: Path
) -> None:
    path = _export(client, tmp_path, "csv", town="xingzi")
    done = _run_cli(empty_db.url.render_as_string(hide_password=False), str(path))
    assert done.returncode == 0, done.stderr
    expected = {s: f for s, f in _projects(engine).items() if "xingzi" in f["properties"]["towns"]}
    assert f"projects: {len(expected)} inserted, 0 updated" in done.stdout
    # A CSV carries no CRS; the report says what was assumed.
    assert "declares no CRS: coordinates taken as EPSG:4326" in done.stdout
    _same_features(_projects(empty_db), expected, exact_rings=True)


def test_a_file_in_web_mercator_is_reprojected(
    client: TestClient, engine: Engine, empty_db: Engine, tmp_path: Path
) -> None:
    frame = pyogrio.read_dataframe(_export(client, tmp_path, "gpkg"))
    mercator = tmp_path / "projects-3857.gpkg"
    pyogrio.write_dataframe(frame.to_crs(3857), mercator)
    result = import_file(empty_db, mercator)
    assert not result.refused, result.lines()
    assert any("reprojected from EPSG:3857 to EPSG:4326" in note for note in result.source.notes)
    _same_features(_projects(empty_db), _projects(engine), exact_rings=True)


def test_a_csv_with_lon_lat_columns_is_read(catalog: dict[str, Any], empty_db: Engine, tmp_path: Path) -> None:
    points = [f for f in catalog["features"] if f["geometry"]["type"] == "Point"][:3]
    frame = gpd.GeoDataFrame.from_features(points)
    frame["lon"], frame["lat"] = frame.geometry.x, frame.geometry.y
    for name in ("aliases", "towns"):
        frame[name] = [";".join(v) for v in frame[name]]
    frame["figures"] = [orjson.dumps(v).decode() for v in frame["figures"]]
    path = tmp_path / "points.csv"
    frame.drop(columns="geometry").to_csv(path, index=False)
    result = import_file(empty_db, path)
    assert not result.refused, result.lines()
    assert sorted(result.report.inserted) == sorted(f["properties"]["slug"] for f in points)


def _bad_file(catalog: dict[str, Any], tmp_path: Path) -> tuple[Path, list[str]]:
    """Four rows: a good one, an unknown town, a self-intersecting polygon, a status not in the vocabulary."""
    by_kind = {f["geometry"]["type"]: f for f in catalog["features"]}
    good, town, bowtie, status = (copy.deepcopy(by_kind[k]) for k in ("Point", "LineString", "Polygon", "Point"))
    status["properties"]["slug"] = "a-project-with-a-bad-status"
    town["properties"]["towns"] = ["atlantis"]
    x, y = bowtie["geometry"]["coordinates"][0][0]
    d = 0.002
    bowtie["geometry"]["coordinates"] = [[[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]]
    status["properties"]["status"] = "done"
    features = [good, town, bowtie, status]
    return write_collection(tmp_path / "bad.geojson", features), [f["properties"]["slug"] for f in features]


def test_a_file_with_bad_rows_is_refused_by_row_and_nothing_is_written(
    catalog: dict[str, Any], empty_db: Engine, tmp_path: Path
) -> None:
    path, slugs = _bad_file(catalog, tmp_path)
    done = _run_cli(empty_db.url.render_as_string(hide_password=False), str(path))
    assert done.returncode == 1
    assert f"REFUSED row 2 '{slugs[1]}': unknown town slug(s): atlantis" in done.stderr
    assert f"REFUSED row 3 '{slugs[2]}': invalid geometry: Self-intersection" in done.stderr
    assert f"REFUSED row 4 '{slugs[3]}': properties.status: Input should be" in done.stderr
    assert "row 1" not in done.stderr
    assert "import refused: 3 invalid row(s); nothing was written" in done.stderr
    assert _count(empty_db, "SELECT count(*) FROM projects") == 0
    assert _import_audit(empty_db) == []


def test_skip_invalid_writes_only_the_good_rows(catalog: dict[str, Any], empty_db: Engine, tmp_path: Path) -> None:
    path, slugs = _bad_file(catalog, tmp_path)
    result = import_file(empty_db, path, ImportOptions(skip_invalid=True))
    assert not result.refused
    assert result.report.inserted == [slugs[0]]
    assert [p.row.label for p in result.problems] == ["row 2", "row 3", "row 4"]
    assert any(line.startswith("  skipped invalid row 2") for line, _ in result.lines())
    assert list(_projects(empty_db)) == [slugs[0]]
    assert _import_audit(empty_db) == [("create", slugs[0])]


def test_dry_run_reports_what_would_happen_and_writes_nothing(
    client: TestClient, empty_db: Engine, tmp_path: Path
) -> None:
    path = _export(client, tmp_path, "gpkg", town="xingzi")
    result = import_file(empty_db, path, ImportOptions(dry_run=True))
    assert len(result.report.inserted) == len(result.source.rows) > 0
    assert ("dry run: nothing was written", False) in result.lines()
    assert _count(empty_db, "SELECT count(*) FROM projects") == 0
    assert _import_audit(empty_db) == []


def _edit_in_database(engine: Engine, slug: str, name_en: str) -> None:
    """What a person's edit in the app does to the row: new values and a version bump."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE projects SET name_en = :n, version = version + 1 WHERE slug = :s"), {"n": name_en, "s": slug}
        )


def _version(engine: Engine, slug: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT version FROM projects WHERE slug = :s"), {"s": slug}).scalar_one())


def test_existing_projects_are_skipped_unless_update_which_overwrites_even_edited_ones(
    catalog: dict[str, Any], empty_db: Engine, tmp_path: Path
) -> None:
    features = copy.deepcopy(catalog["features"][:2])
    original = write_collection(tmp_path / "two.geojson", features)
    assert import_file(empty_db, original).report.inserted
    edited, untouched = (f["properties"]["slug"] for f in features)
    _edit_in_database(empty_db, edited, "Edited in the app")
    for feature in features:
        feature["properties"]["name_en"] = "From the file"
    changed = write_collection(tmp_path / "changed.geojson", features)

    kept = import_file(empty_db, changed)
    assert not kept.refused
    assert sorted(kept.skipped_existing) == sorted([edited, untouched])
    assert kept.report.inserted == kept.report.updated == []
    assert _projects(empty_db)[edited]["properties"]["name_en"] == "Edited in the app"

    version_before = _version(empty_db, edited)
    overwritten = import_file(empty_db, changed, ImportOptions(update=True))
    assert sorted(overwritten.report.updated) == sorted([edited, untouched])
    names = {slug: f["properties"]["name_en"] for slug, f in _projects(empty_db).items()}
    assert names == {edited: "From the file", untouched: "From the file"}
    assert _version(empty_db, edited) == version_before + 1
    assert ("update", edited) in _import_audit(empty_db)

    # The seed never takes back what an import wrote.
    reseed = seed(empty_db, GEODATA, write_collection(tmp_path / "catalog.geojson", catalog["features"][:2]))
    assert sorted(reseed.projects.skipped_edited) == sorted([edited, untouched])
    assert _projects(empty_db)[edited]["properties"]["name_en"] == "From the file"


def test_importing_ones_own_shapefile_export_with_update_changes_nothing(
    client: TestClient, empty_db: Engine, tmp_path: Path
) -> None:
    """A Shapefile reverses polygon rings; that is not a change of the project."""
    assert not import_file(empty_db, _export(client, tmp_path, "geojson")).refused
    audit_before = _import_audit(empty_db)
    result: ImportResult = import_file(empty_db, _export(client, tmp_path, "shp"), ImportOptions(update=True))
    assert not result.refused, result.lines()
    assert result.report.updated == []
    assert len(result.report.unchanged) == len(result.source.rows)
    assert _import_audit(empty_db) == audit_before


def test_a_slug_twice_in_one_file_is_refused(catalog: dict[str, Any], empty_db: Engine, tmp_path: Path) -> None:
    feature = catalog["features"][0]
    path = write_collection(tmp_path / "twice.geojson", [feature, feature])
    result = import_file(empty_db, path)
    assert result.refused
    assert [str(p) for p in result.problems] == [f"row 2 '{feature['properties']['slug']}': slug repeats row 1"]


def test_a_csv_without_geometry_columns_is_refused_as_a_whole(empty_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "no-geometry.csv"
    path.write_text("slug,name_zh\nsome-project,某项目\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="needs a `wkt` column or `lon` and `lat` columns"):
        import_file(empty_db, path)
    done = _run_cli(empty_db.url.render_as_string(hide_password=False), str(path))
    assert done.returncode == 2
    assert "import refused" in done.stderr


def test_a_missing_column_is_named_and_refuses_every_row(client: TestClient, empty_db: Engine, tmp_path: Path) -> None:
    frame = pyogrio.read_dataframe(_export(client, tmp_path, "gpkg", town="xingzi"))
    path = tmp_path / "no-notes.gpkg"
    pyogrio.write_dataframe(frame.drop(columns="location_note"), path)
    result = import_file(empty_db, path)
    assert result.refused
    assert any("no column for location_note" in note for note in result.source.notes)
    assert len(result.problems) == len(frame)
    assert all("properties.location_note: Field required" in str(p) for p in result.problems)
