"""What a wall map shows, read from PostGIS: the town, its neighbours, the county and the town's projects.

Project geometry is read in exactly one place, `project_geometry_sql`, from the public source
of `app.queries.sources` (where a sensitive site stands at its town seat): a wall map is for
the public, so it must show no more than the public API does, whoever prints it.

A wall map is of one plan's projects (the one named, else the plan in force on the day it is made),
and says which: after the 14th plan's period a village meeting may need either plan's map.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from app.catalog.vocab import DEFAULT_COLOR, STATUS_COLORS
from app.core.clock import LIANZHOU_TZ
from app.queries.plan_scope import CHOSEN_PLAN_ID, reference_params
from app.queries.sources import project_source
from app.web.i18n import MESSAGES

TOWN_ONLY = "town"  # location_precision of a project known only to its town: drawn at the seat


@dataclass(frozen=True)
class TownShape:
    slug: str
    name_zh: str
    area: BaseGeometry
    seat: Point


@dataclass(frozen=True)
class MapProject:
    number: int
    slug: str
    name_zh: str
    status: str
    status_label: str
    color: str
    category_label: str
    precision: str
    precision_label: str
    geometry: BaseGeometry

    @property
    def town_only(self) -> bool:
        return self.precision == TOWN_ONLY


@dataclass(frozen=True)
class StatusKey:
    code: str
    label: str
    color: str
    count: int


@dataclass(frozen=True)
class PlanTitle:
    """The plan a wall map shows, as its title and sources name it."""

    slug: str
    name_zh: str
    period_start: int
    period_end: int
    revised_on: date | None

    @property
    def short_zh(self) -> str:
        """The plan's usual short name, read off its own name ("第十四个五年规划" → “十四五”), else its name."""
        found = re.search(r"第([一二三四五六七八九十]+)个五年规划", self.name_zh)
        return f"“{found.group(1)}五”" if found else f"《{self.name_zh}》"


@dataclass(frozen=True)
class WallmapData:
    town: TownShape
    towns: list[TownShape]
    county: BaseGeometry
    projects: list[MapProject]
    statuses: list[StatusKey]
    made_on: date
    plan: PlanTitle


def project_geometry_sql(alias: str = "p") -> str:
    """The one expression that turns a project's geometry into coordinates for a wall map (GeoJSON, ~10 cm)."""
    return f"ST_AsGeoJSON({alias}.geom, 6)"


def _geometry(value: str) -> BaseGeometry:
    return shape(orjson.loads(value))


def town_slugs(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT slug FROM towns ORDER BY slug")).scalars())


def _towns(conn: Connection) -> list[TownShape]:
    rows = conn.execute(
        text(
            """SELECT slug, name_zh, ST_AsGeoJSON(coalesce(area, ST_Buffer(seat, 0.001)), 6) AS area,
                      ST_AsGeoJSON(seat, 6) AS seat FROM towns ORDER BY slug"""
        )
    )
    towns = []
    for r in rows:
        seat = _geometry(r.seat)
        assert isinstance(seat, Point)
        towns.append(TownShape(r.slug, r.name_zh, _geometry(r.area), seat))
    return towns


def _plan(conn: Connection, plan: str | None, day: date) -> PlanTitle | None:
    row = conn.execute(
        text(f"""SELECT slug, name_zh, period_start, period_end, revised_on FROM plans WHERE id = {CHOSEN_PLAN_ID}"""),
        reference_params(plan, day),
    ).one_or_none()
    return None if row is None else PlanTitle(row.slug, row.name_zh, row.period_start, row.period_end, row.revised_on)


def _projects(conn: Connection, town: str, statuses: dict[str, Any], plan: str) -> list[MapProject]:
    source, params = project_source(staff=False, as_of=None, plan=plan)
    found = conn.execute(
        text(
            f"""SELECT p.slug, p.name_zh, p.status, c.label_zh AS category_label, p.location_precision,
                       {project_geometry_sql("p")} AS geometry
                FROM {source} p JOIN project_categories c ON c.code = p.category
                WHERE p.deleted_at IS NULL AND EXISTS (
                    SELECT 1 FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id AND t.slug = :town)"""
        ),
        {**params, "town": town},
    ).all()
    # Numbers follow the table: located projects first (their numbers are on the map), then those known only
    # to the town, whose numbers are consecutive so the map can list them as one range at the seat.
    rows = sorted(
        found,
        key=lambda r: (
            r.location_precision == TOWN_ONLY,
            statuses.get(r.status, (99, r.status))[0],
            r.category_label,
            r.name_zh,
        ),
    )
    return numbered(rows, statuses)


def numbered(rows: Sequence[Any], statuses: dict[str, Any]) -> list[MapProject]:
    """The map's projects from their rows, numbered 1, 2, … in the rows' order (a town's map, the county's)."""
    precision_labels = MESSAGES["zh"]
    return [
        MapProject(
            number=i,
            slug=r.slug,
            name_zh=r.name_zh,
            status=r.status,
            status_label=statuses.get(r.status, (99, r.status))[1],
            color=STATUS_COLORS.get(r.status, DEFAULT_COLOR),
            category_label=r.category_label,
            precision=r.location_precision,
            precision_label=precision_labels.get(f"precision_{r.location_precision}", r.location_precision),
            geometry=_geometry(r.geometry),
        )
        for i, r in enumerate(rows, start=1)
    ]


def status_keys(statuses: dict[str, Any], projects: list[MapProject]) -> list[StatusKey]:
    """The legend: every status in its order, with its colour and how many of the map's projects have it."""
    return [
        StatusKey(code, label, STATUS_COLORS.get(code, DEFAULT_COLOR), sum(p.status == code for p in projects))
        for code, (_, label) in statuses.items()
    ]


def load_wallmap(
    conn: Connection, slug: str, now: datetime | None = None, plan: str | None = None
) -> WallmapData | None:
    """Everything one town's wall map needs, of `plan`'s projects (None: the plan in force that day), or None
    when there is no such town (or no such plan)."""
    made_on = (now or datetime.now(LIANZHOU_TZ)).astimezone(LIANZHOU_TZ).date()
    towns = _towns(conn)
    town = next((t for t in towns if t.slug == slug), None)
    shown = _plan(conn, plan, made_on)
    if town is None or shown is None:
        return None
    county = _geometry(conn.execute(text("SELECT ST_AsGeoJSON(ST_Union(geom), 6) FROM county_boundary")).scalar_one())
    status_rows = conn.execute(text("SELECT code, label_zh, sort_order FROM project_statuses ORDER BY sort_order"))
    statuses = {r.code: (r.sort_order, r.label_zh) for r in status_rows}
    projects = _projects(conn, slug, statuses, shown.slug)
    return WallmapData(town, towns, county, projects, status_keys(statuses, projects), made_on, shown)
