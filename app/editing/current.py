"""The stored state of a project, locked for the length of the editing transaction."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from app.catalog.projects import SCALAR_FIELDS
from app.editing.tracking import TRACKING_FIELDS

_LOCK = text(
    f"""SELECT p.id, p.slug, p.version, p.deleted_at, {", ".join("p." + f for f in SCALAR_FIELDS)},
               ST_AsGeoJSON(p.geom)::json AS geometry, {", ".join("p." + f for f in sorted(TRACKING_FIELDS))},
               ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id ORDER BY t.slug) AS towns,
               ARRAY(SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                     WHERE pu.project_id = p.id ORDER BY n.slug) AS units
        FROM projects p WHERE p.slug = :slug FOR UPDATE"""
)


@dataclass
class CurrentProject:
    id: int
    version: int
    deleted: bool
    properties: dict[str, Any]
    geometry: dict[str, Any]
    tracking: dict[str, Any]
    units: frozenset[str] = frozenset()  # the responsible units (lead and others), not an editable property

    @property
    def towns(self) -> set[str]:
        return set(self.properties["towns"])

    def feature(self) -> dict[str, Any]:
        return {"type": "Feature", "properties": dict(self.properties), "geometry": self.geometry}


def lock_project(conn: Connection, slug: str) -> CurrentProject | None:
    """Read and row-lock the project, so concurrent editors queue and then see the new version."""
    row = conn.execute(_LOCK, {"slug": slug}).one_or_none()
    if row is None:
        return None
    props = {name: getattr(row, name) for name in SCALAR_FIELDS}
    props["figures"] = {k: float(v) for k, v in (props["figures"] or {}).items()}
    props["aliases"] = list(props["aliases"] or [])
    props["towns"] = list(row.towns)
    props["slug"] = row.slug
    tracking = {name: getattr(row, name) for name in TRACKING_FIELDS}
    tracking = {k: float(v) if isinstance(v, Decimal) else v for k, v in tracking.items()}
    return CurrentProject(
        row.id, row.version, row.deleted_at is not None, props, row.geometry, tracking, frozenset(row.units)
    )
