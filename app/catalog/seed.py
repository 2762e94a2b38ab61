"""`planmap seed`: load geodata/ into the database, idempotently, in one transaction."""

from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Engine

from app.catalog import queries
from app.catalog.boundaries import load_county, load_towns
from app.catalog.projects import load_projects
from app.catalog.report import LoadReport

PROJECTS_FILE = "projects.geojson"
# The plan the catalog in geodata/ states (its projects join it; see migration 0010's triggers).
CATALOG_PLAN = "lianzhou-14th"


@dataclass
class SeedResult:
    county: LoadReport
    towns: LoadReport
    projects: LoadReport

    @property
    def ok(self) -> bool:
        return self.projects.ok

    def lines(self) -> list[str]:
        out = [self.county.summary("county"), self.towns.summary("towns"), self.projects.summary("projects")]
        out += [f"  skipped (edited in the database): {slug}" for slug in self.projects.skipped_edited]
        out += [f"  warning: {w}" for w in self.projects.warnings]
        out += [f"  REFUSED {p}" for p in self.projects.problems]
        if not self.ok:
            out.append(f"seed refused: {len(self.projects.problems)} invalid feature(s); nothing was written")
        return out


class SeedRefused(Exception):
    """Raised inside the transaction so that nothing of a refused seed is kept."""

    def __init__(self, result: SeedResult) -> None:
        super().__init__("seed refused")
        self.result = result


def seed(engine: Engine, geodata: Path, projects_file: Path | None = None) -> SeedResult:
    projects_path = projects_file or geodata / PROJECTS_FILE
    features = orjson.loads(projects_path.read_bytes())["features"]
    try:
        with engine.begin() as conn:
            # Dates the catalog's versions and statuses to the plan (see migration 0004's trigger).
            conn.execute(queries.MARK_CATALOG_LOAD)
            # New projects join the catalog's plan, their information dated to its revision.
            conn.execute(queries.SET_LOAD_PLAN, {"p": CATALOG_PLAN})
            county, towns = LoadReport(), LoadReport()
            load_county(conn, geodata, county)
            load_towns(conn, geodata, towns)
            projects = load_projects(conn, features, actor="seed")
            result = SeedResult(county, towns, projects)
            if not result.ok:
                raise SeedRefused(result)
    except SeedRefused as refused:
        return refused.result
    return result
