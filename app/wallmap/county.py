"""The whole county on one map, for reports: every project of a plan as recorded on a day.

Why here: the wall-map renderer (outlines, hatching, markers that avoid each other, scale bar, north
arrow) already draws a town; a county map is the same drawing with the county as its focus. Like the
wall maps it reads the *public* source, so a sensitive site is at its town seat in every report.
"""

from datetime import date

from sqlalchemy import Connection

from app.queries.sources import project_source
from app.wallmap import queries
from app.wallmap.data import TownShape, WallmapData, _geometry, _plan, _towns, numbered, status_keys

COUNTY_SEAT_TOWN = "lianzhou"  # 连州镇, where the county government sits


def load_county_map(conn: Connection, plan: str, as_of: date | None, made_on: date) -> WallmapData:
    """The county as the map's "town", every project of `plan` on `as_of` (None: now), numbered in order."""
    towns = _towns(conn)
    county = _geometry(conn.execute(queries.COUNTY_OUTLINE).scalar_one())
    seat = next((t.seat for t in towns if t.slug == COUNTY_SEAT_TOWN), county.representative_point())
    focus = TownShape("", "连州市", county, seat)  # slug "" : every town is drawn and named as a neighbour
    statuses = {r.code: (r.sort_order, r.label_zh) for r in conn.execute(queries.STATUSES)}
    source, params = project_source(staff=False, as_of=as_of, plan=plan)
    rows = conn.execute(queries.county_projects(source), params).all()
    rows = sorted(rows, key=lambda r: (r.location_precision == "town", statuses[r.status][0], r.name_zh))
    projects = numbered(rows, statuses)
    keys = status_keys(statuses, projects)
    title = _plan(conn, plan, as_of or made_on)
    if title is None:
        raise ValueError(f"no plan '{plan}'")
    return WallmapData(focus, towns, county, projects, keys, made_on, title)
