"""Seeding: loads the catalog, is a no-op when repeated, never loses a person's edits,
and refuses bad features by name without writing anything."""

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult, seed
from app.core import migrate
from app.core.db import make_sync_engine
from tests.conftest import GEODATA, write_collection


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def seeded_scratch(scratch_database: str) -> Iterator[Engine]:
    migrate.upgrade(scratch_database, "head")
    eng = make_sync_engine(scratch_database)
    assert seed(eng, GEODATA).ok
    yield eng
    eng.dispose()


def test_first_seed_loads_county_towns_and_every_catalog_feature(first_seed: SeedResult, catalog: dict) -> None:
    assert first_seed.ok, first_seed.lines()
    assert first_seed.county.inserted == ["441882"]
    assert len(first_seed.towns.inserted) == 12
    assert sorted(first_seed.projects.inserted) == sorted(f["properties"]["slug"] for f in catalog["features"])


def test_town_areas_are_derived_and_marked_approximate(engine: Engine, first_seed: SeedResult) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT slug, area_precision, ST_Contains(area, seat) AS holds_seat,
                          ST_Area(area::geography) / 1e6 AS km2 FROM towns"""
            )
        ).all()
        county_km2 = conn.execute(text("SELECT ST_Area(geom::geography) / 1e6 FROM county_boundary")).scalar_one()
    assert len(rows) == 12
    assert all(r.area_precision == "approximate" and r.holds_seat for r in rows)
    # The cells partition the county: their areas add up to the county's.
    assert sum(r.km2 for r in rows) == pytest.approx(county_km2, rel=1e-3)


def test_seeding_again_changes_nothing(engine: Engine, first_seed: SeedResult) -> None:
    audit_before = _count(engine, "audit_log")
    again = seed(engine, GEODATA)
    assert again.ok
    assert again.projects.inserted == again.projects.updated == again.projects.skipped_edited == []
    assert len(again.projects.unchanged) == len(first_seed.projects.inserted)
    assert again.towns.inserted == again.towns.updated == []
    assert again.county.unchanged == ["441882"]
    assert _count(engine, "audit_log") == audit_before


def test_seed_never_overwrites_a_project_edited_in_the_database(seeded_scratch: Engine, catalog: dict) -> None:
    slug = catalog["features"][0]["properties"]["slug"]
    with seeded_scratch.begin() as conn:
        conn.execute(
            text("UPDATE projects SET name_en = 'Corrected by an official', version = version + 1 WHERE slug = :s"),
            {"s": slug},
        )
    result = seed(seeded_scratch, GEODATA)
    assert result.ok
    assert result.projects.skipped_edited == [slug]
    assert any(slug in line for line in result.lines() if "skipped" in line)
    with seeded_scratch.connect() as conn:
        name = conn.execute(text("SELECT name_en FROM projects WHERE slug = :s"), {"s": slug}).scalar_one()
    assert name == "Corrected by an official"


def test_seed_updates_a_project_it_still_owns_and_audits_the_change(
    seeded_scratch: Engine, catalog: dict, tmp_path: Path
) -> None:
    features = copy.deepcopy(catalog["features"])
    target = features[1]["properties"]
    old_status = target["status"]
    target["status"] = "suspended" if old_status != "suspended" else "planned"
    result = seed(seeded_scratch, GEODATA, write_collection(tmp_path / "p.geojson", features))
    assert result.ok
    assert result.projects.updated == [target["slug"]]
    with seeded_scratch.connect() as conn:
        row = conn.execute(
            text("SELECT status, version, seeded_version FROM projects WHERE slug = :s"),
            {"s": target["slug"]},
        ).one()
        change = conn.execute(
            text(
                """SELECT changes FROM audit_log WHERE object_key = :s AND action = 'update'
                   ORDER BY id DESC LIMIT 1"""
            ),
            {"s": target["slug"]},
        ).scalar_one()
    assert row.status == target["status"]
    assert row.version == row.seeded_version == 2
    assert change == {"status": {"old": old_status, "new": target["status"]}}


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[112.37, 24.77], [112.40, 24.80], [112.40, 24.77], [112.37, 24.80], [112.37, 24.77]]],
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"geometry": BOWTIE, "category": "park"}, "Self-intersection"),
        ({"geometry": {"type": "Point", "coordinates": [212.37, 24.78]}}, "out of range"),
        ({"geometry": {"type": "Point", "coordinates": [24.78, 112.37]}}, "longitude, latitude"),
        ({"geometry": {"type": "Point", "coordinates": [113.5, 23.1]}}, "outside Lianzhou"),
        ({"category": "spaceport"}, "category"),
        ({"towns": ["atlantis"]}, "unknown town slug(s): atlantis"),
        ({"status": "done"}, "status"),
        ({"source_quote": "在月球建设连州基地"}, "not a verbatim passage"),
    ],
)
def test_invalid_feature_is_refused_by_name_and_nothing_is_written(
    seeded_scratch: Engine, catalog: dict, tmp_path: Path, change: dict, expected: str
) -> None:
    features = copy.deepcopy(catalog["features"])
    bad = features[2]
    bad["properties"]["slug"] = "a-brand-new-bad-project"
    if "geometry" in change:
        bad["geometry"] = change.pop("geometry")
        if bad["geometry"]["type"] == "Point" and bad["properties"]["category"] not in (
            "education",
            "health",
        ):
            bad["properties"]["category"] = "health"
    bad["properties"].update(change)
    counts = {t: _count(seeded_scratch, t) for t in ("projects", "audit_log", "project_towns")}

    result = seed(seeded_scratch, GEODATA, write_collection(tmp_path / "bad.geojson", features))

    assert not result.ok
    [problem] = result.projects.problems
    assert problem.slug == "a-brand-new-bad-project" and problem.index == 2
    assert expected in str(problem)
    assert any("a-brand-new-bad-project" in line and "REFUSED" in line for line in result.lines())
    assert {t: _count(seeded_scratch, t) for t in counts} == counts
