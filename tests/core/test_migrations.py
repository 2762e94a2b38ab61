"""Schema: Alembic owns it, round-trips cleanly, and the spatial index is really there."""

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from app.core import migrate
from app.core.models import Base

PLANMAP = [sys.executable, "-m", "app"]


def _planmap(url: str, *args: str) -> str:
    done = subprocess.run(
        [*PLANMAP, *args], env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=True
    )
    return done.stdout


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    with eng.connect() as conn:
        names = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    eng.dispose()
    return names - {"spatial_ref_sys"}


def test_cli_downgrade_base_then_upgrade_head_round_trips(scratch_database: str) -> None:
    head = migrate.head_revision()
    assert f"-> {head}" in _planmap(scratch_database, "db", "upgrade")
    migrated = _tables(scratch_database)
    assert {"projects", "towns", "county_boundary", "project_towns", "audit_log"} <= migrated

    assert "-> base" in _planmap(scratch_database, "db", "downgrade", "base")
    assert _tables(scratch_database) == {"alembic_version"}

    assert f"base -> {head}" in _planmap(scratch_database, "db", "upgrade", "head")
    assert _tables(scratch_database) == migrated
    out = _planmap(scratch_database, "seed")
    assert "projects:" in out and "inserted" in out


def _ours(name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
    """PostGIS's own spatial_ref_sys is not part of our schema."""
    return not (type_ == "table" and name == "spatial_ref_sys")


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_project_geometry_has_a_gist_index_the_planner_uses(engine: Engine) -> None:
    with engine.begin() as conn:
        indexdef = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'projects' AND indexname = 'projects_geom_gist'")
        ).scalar_one()
        assert "USING gist (geom)" in indexdef
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text("EXPLAIN SELECT id FROM projects WHERE geom && ST_MakeEnvelope(112.3, 24.7, 112.4, 24.8, 4326)")
            ).scalars()
        )
    assert "projects_geom_gist" in plan


def test_distance_filter_uses_the_geography_index(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM projects WHERE ST_DWithin(geom::geography, "
                    "ST_SetSRID(ST_MakePoint(112.37, 24.78), 4326)::geography, 5000)"
                )
            ).scalars()
        )
    assert "projects_geog_gist" in plan
