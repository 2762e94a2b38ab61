"""Project writes: who may, whether the data is valid, and that nobody's update is lost.

Each function runs inside one database transaction (the caller's), so the change, its
history row and any status event commit together or not at all. The row is locked
first; a writer holding a stale version gets 412 and the history of what changed since.
"""

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, text

from app import audit
from app.auth.principal import Principal
from app.catalog.projects import (
    SCALAR_FIELDS,
    ValidFeature,
    creation_changes,
    insert_project,
    update_project,
    validate_features,
)
from app.catalog.report import LoadReport
from app.editing.current import CurrentProject, lock_project
from app.editing.errors import EditRefused, etag
from app.vocab import Precision, Status


def _refuse_problems(report: LoadReport) -> None:
    if report.problems:
        detail = [{"loc": ["body"], "msg": m, "type": "value_error"} for p in report.problems for m in p.messages]
        raise EditRefused(422, detail)


def _validate(conn: Connection, feature: dict[str, Any], derive_towns: bool) -> tuple[ValidFeature, list[str]]:
    report = LoadReport()
    items = validate_features(conn, [feature], report, derive_towns=derive_towns)
    _refuse_problems(report)
    return items[0], [w.split(": ", 1)[-1] for w in report.warnings]


def _require_version(conn: Connection, slug: str, current: CurrentProject, expected: int | None) -> None:
    if expected is None:
        raise EditRefused(
            428,
            f"send If-Match with the ETag you read (If-Match: {etag(current.version)}), so that you cannot "
            "overwrite a change you have not seen",
        )
    if expected != current.version:
        raise EditRefused(
            412,
            {
                "message": f"project '{slug}' changed since you read it (you have version {expected}, "
                f"it is now at {current.version}); reload it and apply your change again",
                "current_version": current.version,
                "changes_since": history(conn, slug, after_version=expected),
            },
            headers={"ETag": etag(current.version)},
        )


def _locked(conn: Connection, slug: str, *, deleted: bool = False) -> CurrentProject:
    current = lock_project(conn, slug)
    if current is None or current.deleted != deleted:
        state = "deleted " if deleted else ""
        raise EditRefused(404, f"no {state}project '{slug}'")
    return current


def _check_official(principal: Principal, before: set[str] | None, after: set[str]) -> None:
    """Officials edit only projects in their towns, and may not move one into another town."""
    if principal.edits_everywhere:
        return
    mine = principal.towns
    if before is not None and not mine & before:
        raise EditRefused(
            403, f"this project lies in {', '.join(sorted(before))}; you edit only {', '.join(sorted(mine))}"
        )
    foreign = after - mine - (before or set())
    if not mine & after or foreign or (before is None and after - mine):
        outside = sorted(after - mine) or sorted(after)
        raise EditRefused(
            403, f"the project would lie in {', '.join(outside)}, outside your towns ({', '.join(sorted(mine))})"
        )


def _changes(conn: Connection, current: CurrentProject, item: ValidFeature) -> dict[str, dict[str, Any]]:
    new = item.values()
    changes = {
        name: {"old": current.properties[name], "new": new[name]}
        for name in SCALAR_FIELDS
        if current.properties[name] != new[name]
    }
    if sorted(current.towns) != item.feature.properties.towns:
        changes["towns"] = {"old": sorted(current.towns), "new": item.feature.properties.towns}
    same = conn.execute(
        text("SELECT ST_OrderingEquals(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) FROM projects WHERE id = :i"),
        {"g": item.geojson, "i": current.id},
    ).scalar_one()
    if not same:
        changes["geometry"] = {"old": current.geometry, "new": orjson.loads(item.geojson)}
    return changes


def _record(
    conn: Connection,
    principal: Principal,
    action: str,
    slug: str,
    version: int,
    changes: dict[str, Any],
    note: str | None,
) -> None:
    audit.record(
        conn,
        actor=principal.username,
        user_id=principal.user_id,
        action=action,
        object_type="project",
        object_key=slug,
        changes=changes,
        object_version=version,
        note=note,
    )


def create_project(conn: Connection, principal: Principal, feature: dict[str, Any], note: str | None) -> list[str]:
    """Add a project; returns warnings. Towns are derived from the geometry when not given."""
    props = feature.get("properties") or {}
    slug = props.get("slug")
    if conn.execute(text("SELECT 1 FROM projects WHERE slug = :s"), {"s": slug}).scalar():
        raise EditRefused(409, f"a project with slug '{slug}' already exists (perhaps deleted: restore it instead)")
    derive = not props.get("towns")
    if derive:
        feature = {**feature, "properties": {**props, "towns": _towns_under(conn, feature.get("geometry"))}}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, None, set(item.feature.properties.towns))
    insert_project(conn, item, seed_owned=False)
    _record(conn, principal, "create", item.slug, 1, creation_changes(item), note)
    return warnings


def _towns_under(conn: Connection, geometry: Any) -> list[str]:
    try:
        with conn.begin_nested():
            return list(
                conn.execute(
                    text(
                        """SELECT slug FROM towns WHERE ST_Intersects(area,
                               ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) ORDER BY slug"""
                    ),
                    {"g": orjson.dumps(geometry).decode()},
                ).scalars()
            )
    except Exception:  # unreadable geometry: validation names the problem next
        return []


def patch_project(
    conn: Connection,
    principal: Principal,
    slug: str,
    expected_version: int | None,
    properties: dict[str, Any],
    geometry: dict[str, Any] | None,
    note: str | None,
) -> tuple[int, list[str]]:
    """Apply a partial change; returns the new version (unchanged when nothing differs) and warnings."""
    current = _locked(conn, slug)
    _check_official(principal, current.towns, current.towns)
    _require_version(conn, slug, current, expected_version)
    if "slug" in properties and properties["slug"] != slug:
        raise EditRefused(
            422, [{"loc": ["body", "properties", "slug"], "msg": "a slug cannot change", "type": "value_error"}]
        )
    merged = {**current.properties, **properties}
    moved = geometry is not None
    if moved and "location_precision" not in properties and merged["location_precision"] == Precision.TOWN.value:
        # A project moved off its town seat is no longer "known only to its town"; it never
        # becomes `surveyed` unless someone says so explicitly.
        merged["location_precision"] = Precision.APPROXIMATE.value
    derive = moved and "towns" not in properties
    feature = {"type": "Feature", "properties": merged, "geometry": geometry or current.geometry}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, current.towns, set(item.feature.properties.towns))
    changes = _changes(conn, current, item)
    if not changes:
        return current.version, warnings
    if not update_project(conn, current.id, current.version, item, seed_owned=False):
        raise EditRefused(412, f"project '{slug}' changed during your edit; reload it")
    _record(conn, principal, "update", slug, current.version + 1, changes, note)
    return current.version + 1, warnings


def _bump(conn: Connection, current: CurrentProject, assignments: str, params: dict[str, Any]) -> int:
    conn.execute(
        text(f"UPDATE projects SET {assignments}, version = version + 1, updated_at = now() WHERE id = :id"),
        {**params, "id": current.id},
    )
    return current.version + 1


def delete_project(conn: Connection, principal: Principal, slug: str, expected: int | None, note: str | None) -> int:
    """Soft delete: hidden from every read, restorable by a planner, history kept."""
    current = _locked(conn, slug)
    _require_version(conn, slug, current, expected)
    version = _bump(conn, current, "deleted_at = now()", {})
    _record(conn, principal, "delete", slug, version, {"deleted": {"old": False, "new": True}}, note)
    return version


def restore_project(conn: Connection, principal: Principal, slug: str, expected: int | None, note: str | None) -> int:
    current = _locked(conn, slug, deleted=True)
    _require_version(conn, slug, current, expected)
    version = _bump(conn, current, "deleted_at = NULL", {})
    _record(conn, principal, "restore", slug, version, {"deleted": {"old": True, "new": False}}, note)
    return version


def change_status(
    conn: Connection,
    principal: Principal,
    slug: str,
    expected: int | None,
    status: Status,
    effective: date,
    note: str | None,
) -> int:
    """A dated status event: the timeline keeps every step, the project shows the latest."""
    current = _locked(conn, slug)
    _check_official(principal, current.towns, current.towns)
    _require_version(conn, slug, current, expected)
    if effective > date.today():
        raise EditRefused(
            422, [{"loc": ["body", "date"], "msg": "the date cannot be in the future", "type": "value_error"}]
        )
    conn.execute(
        text(
            """INSERT INTO status_events (project_id, status, effective_date, note, user_id)
               VALUES (:p, :s, :d, :n, :u)"""
        ),
        {"p": current.id, "s": status.value, "d": effective, "n": note, "u": principal.user_id},
    )
    version = _bump(conn, current, "status = :status", {"status": status.value})
    changes = {"status": {"old": current.properties["status"], "new": status.value}, "effective_date": str(effective)}
    _record(conn, principal, "status", slug, version, changes, note)
    return version


def history(conn: Connection, slug: str, after_version: int = 0) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT occurred_at, actor, action, object_version, changes, note FROM audit_log
               WHERE object_type = 'project' AND object_key = :s AND coalesce(object_version, 1) > :v
               ORDER BY id"""
        ),
        {"s": slug, "v": after_version},
    ).all()
    return [
        {
            "at": r.occurred_at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "version": r.object_version,
            "changes": r.changes,
            "note": r.note,
        }
        for r in rows
    ]
