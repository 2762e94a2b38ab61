"""`planmap dev synth`: synthetic projects that look like the plan's, are marked, and can be wiped."""

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.catalog.plan_text import is_verbatim
from app.catalog.seed import seed
from app.catalog.synth import GUANGDONG_BBOX, SynthError, synthesize, synthesize_progress
from app.catalog.vocab import Category, Status
from app.core import migrate
from app.core.db import make_sync_engine
from tests.conftest import GEODATA

CATALOG_SIZE = 180


@pytest.fixture
def seeded(scratch_database: str) -> Iterator[Engine]:
    migrate.upgrade(scratch_database, "head")
    engine = make_sync_engine(scratch_database)
    assert seed(engine, GEODATA).ok
    yield engine
    engine.dispose()


def _synthetic(engine: Engine) -> list[dict]:  # type: ignore[type-arg]
    sql = """
        SELECT p.slug, p.category, p.status, p.source_quote, p.location_precision, p.location_note,
               ST_GeometryType(p.geom) AS kind, ST_XMin(p.geom) AS x0, ST_YMin(p.geom) AS y0,
               ST_XMax(p.geom) AS x1, ST_YMax(p.geom) AS y1, ST_IsValid(p.geom) AS valid,
               (SELECT count(*) FROM project_towns pt WHERE pt.project_id = p.id) AS towns
        FROM projects p WHERE p.slug LIKE 'synth-%' ORDER BY p.id
    """
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def test_synth_writes_realistic_marked_features_over_guangdong(seeded: Engine) -> None:
    result = synthesize(seeded, GEODATA, 600, seed=7, batch_size=250)
    assert (result.inserted, result.first_index) == (600, 1)
    rows = _synthetic(seeded)
    assert len(rows) == 600
    assert {r["kind"] for r in rows} == {"ST_Point", "ST_LineString", "ST_Polygon"}
    minx, miny, maxx, maxy = GUANGDONG_BBOX
    for row in rows:
        assert row["slug"].startswith("synth-")
        assert row["valid"]
        assert minx <= row["x0"] and row["x1"] <= maxx + 0.1 and miny <= row["y0"] and row["y1"] <= maxy + 0.1
        assert row["category"] in set(Category) and row["status"] in set(Status)
        assert row["location_precision"] == "approximate"
        assert "synthetic" in row["location_note"].lower()
        assert row["towns"] == 1
    # quotes are copied, not invented: each stands verbatim in the plan
    assert all(is_verbatim(q) for q in {r["source_quote"] for r in rows})
    # spread, not piled up: the features cover most of the province's box
    assert max(r["x0"] for r in rows) - min(r["x0"] for r in rows) > 6
    with seeded.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE object_key LIKE 'synth-%'")).scalar() == 0


def test_synth_adds_on_repeats_by_seed_and_wipe_removes_only_synthetic_rows(seeded: Engine) -> None:
    synthesize(seeded, GEODATA, 50, seed=3)
    first = _synthetic(seeded)
    again = synthesize(seeded, GEODATA, 30, seed=3)
    assert again.first_index == 51
    assert len(_synthetic(seeded)) == 80

    wiped = synthesize(seeded, GEODATA, 50, seed=3, wipe_first=True)
    assert wiped.wiped == 80 and wiped.first_index == 1
    # the same seed on the same state gives the same features
    assert [(r["slug"], r["category"], r["x0"], r["y0"]) for r in _synthetic(seeded)] == [
        (r["slug"], r["category"], r["x0"], r["y0"]) for r in first
    ]
    synthesize(seeded, GEODATA, 0, wipe_first=True)
    with seeded.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM projects")).scalar() == CATALOG_SIZE
        orphans = (
            "SELECT count(*) FROM project_towns pt LEFT JOIN projects p ON p.id = pt.project_id WHERE p.id IS NULL"
        )
        assert conn.execute(text(orphans)).scalar() == 0


def test_the_cli_reports_what_it_wrote_and_refuses_an_unseeded_database(seeded: Engine, scratch_database: str) -> None:
    planmap = [sys.executable, "-m", "app", "dev", "synth"]
    env = {**os.environ, "DATABASE_URL": scratch_database}
    done = subprocess.run([*planmap, "--count", "120"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "inserted 120 synthetic projects (synth-1 … synth-120)" in done.stdout
    done = subprocess.run([*planmap, "--count", "0", "--wipe"], env=env, capture_output=True, text=True)
    assert "wiped 120 synthetic projects" in done.stdout

    with seeded.begin() as conn:
        conn.execute(text("DELETE FROM project_towns"))
        conn.execute(text("DELETE FROM user_towns"))
        conn.execute(text("DELETE FROM towns"))
    done = subprocess.run([*planmap, "--count", "5"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "planmap seed" in done.stderr


def test_synth_reports_year_files_a_marked_year_of_reports_and_wipe_removes_them(seeded: Engine) -> None:
    synthesize(seeded, GEODATA, 40, seed=3)
    first = synthesize_progress(seeded, 2025, seed=3)
    assert (first.items, first.reports) == (40, 40 * 12)
    again = synthesize_progress(seeded, 2025, seed=3)  # a second run adds only what is missing
    assert (again.items, again.reports) == (0, 0)
    sql = """
        SELECT count(DISTINCT r.project_id) AS projects, count(*) AS reports, min(r.month) AS first,
               max(r.month) AS last, bool_and(r.state = 'approved') AS approved,
               bool_and(r.work_done ILIKE '%synthetic%') AS marked,
               bool_and(i.target ILIKE '%synthetic%') AS targets_marked,
               bool_and(p.slug LIKE 'synth-%') AS only_synthetic
        FROM progress_reports r JOIN programme_items i USING (programme_id, project_id)
        JOIN annual_programmes g ON g.id = r.programme_id JOIN projects p ON p.id = r.project_id
        WHERE g.year = 2025
    """
    with seeded.connect() as conn:
        row = conn.execute(text(sql)).one()._mapping
    assert (row["projects"], row["reports"]) == (40, 480)
    assert (str(row["first"]), str(row["last"])) == ("2025-01-01", "2025-12-01")
    assert row["approved"] and row["marked"] and row["targets_marked"] and row["only_synthetic"]
    with pytest.raises(SynthError, match="2040"):  # no plan covers it: a programme belongs to a plan
        synthesize_progress(seeded, 2040)
    synthesize(seeded, GEODATA, 0, wipe_first=True)
    with seeded.connect() as conn:
        left = conn.execute(
            text("SELECT (SELECT count(*) FROM progress_reports) + (SELECT count(*) FROM programme_items)")
        )
        assert left.scalar() == 0
