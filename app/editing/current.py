"""The stored state of a project, locked for the length of the editing transaction."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.catalog.projects import SCALAR_FIELDS
from app.editing.queries import lock_project_row
from app.editing.tracking import TRACKING_FIELDS


def etag(version: int) -> str:
    """The ETag of a project version; any change bumps the version, so it changes the ETag."""
    return f'"v{version}"'


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
    row = lock_project_row(conn, slug)
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
