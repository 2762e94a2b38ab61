"""Project writes: who may, whether the data is valid, and that nobody's update is lost.

Each function runs inside one database transaction (the caller's), so the change, its
history row and any status event commit together or not at all. The row is locked
first; a writer holding a stale version gets 412 and the history of what changed since.
"""

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, text

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
from app.catalog.vocab import STATUSES_NEEDING_REASON, Precision, Status
from app.editing.current import CurrentProject, lock_project
from app.editing.errors import EditRefused, etag
from app.editing.tracking import PLANNER_ONLY, TRACKING_FIELDS, merge_tracking
from app.history import audit
from app.queries.project_filter import lianzhou_today


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
            code="if_match_required",
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
            403,
            f"this project lies in {', '.join(sorted(before))}; you edit only {', '.join(sorted(mine))}",
            code="not_your_towns",
            params={"towns": sorted(before), "mine": sorted(mine)},
        )
    foreign = after - mine - (before or set())
    if not mine & after or foreign or (before is None and after - mine):
        outside = sorted(after - mine) or sorted(after)
        raise EditRefused(
            403,
            f"the project would lie in {', '.join(outside)}, outside your towns ({', '.join(sorted(mine))})",
            code="outside_towns",
            params={"towns": outside, "mine": sorted(mine)},
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
    # Only a string can name an existing project; anything else is left for validation to name.
    if isinstance(slug, str) and conn.execute(text("SELECT 1 FROM projects WHERE slug = :s"), {"s": slug}).scalar():
        raise EditRefused(409, f"a project with slug '{slug}' already exists (perhaps deleted: restore it instead)")
    derive = not props.get("towns")
    if derive:
        feature = {**feature, "properties": {**props, "towns": _towns_under(conn, feature.get("geometry"))}}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, None, set(item.feature.properties.towns))
    _writer_context(conn, principal)
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
        raise _bad("properties.slug", "a slug cannot change")
    if properties.get("status") in STATUSES_NEEDING_REASON:
        raise _bad("properties.status", "postponed, cancelled and merged need a reason: use POST …/status")
    tracking_in = {k: v for k, v in properties.items() if k in TRACKING_FIELDS}
    catalog_in = {k: v for k, v in properties.items() if k not in TRACKING_FIELDS}
    if not principal.edits_everywhere and (denied := sorted(PLANNER_ONLY & set(tracking_in))):
        raise EditRefused(
            403, f"only planners may set {', '.join(denied)}", code="planners_only", params={"fields": list(denied)}
        )
    tracking, problems = merge_tracking(current.tracking, tracking_in, lianzhou_today())
    if problems:
        raise EditRefused(422, [{"loc": ["body", "properties"], "msg": m, "type": "value_error"} for m in problems])
    merged = {**current.properties, **catalog_in}
    moved = geometry is not None
    if moved and "location_precision" not in catalog_in and merged["location_precision"] == Precision.TOWN.value:
        # A project moved off its town seat is no longer "known only to its town"; it never
        # becomes `surveyed` unless someone says so explicitly.
        merged["location_precision"] = Precision.APPROXIMATE.value
    derive = moved and "towns" not in catalog_in
    feature = {"type": "Feature", "properties": merged, "geometry": geometry or current.geometry}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, current.towns, set(item.feature.properties.towns))
    changes = _changes(conn, current, item)
    new_tracking = tracking.model_dump()
    tracking_changes = {
        name: {"old": _jsonable(current.tracking[name]), "new": _jsonable(new_tracking[name])}
        for name in TRACKING_FIELDS
        if current.tracking[name] != new_tracking[name]
    }
    if not changes and not tracking_changes:
        return current.version, warnings
    _writer_context(conn, principal)
    if tracking_changes:
        # Written first and without a version bump when the catalog fields change too, so the
        # single new version (and its snapshot in project_versions) holds both.
        assignments = ", ".join(f"{name} = :{name}" for name in tracking_changes)
        if changes:
            conn.execute(text(f"UPDATE projects SET {assignments} WHERE id = :id"), {**new_tracking, "id": current.id})
        else:
            _bump(conn, current, assignments, new_tracking)
    if changes and not update_project(conn, current.id, current.version, item, seed_owned=False):
        raise EditRefused(412, f"project '{slug}' changed during your edit; reload it", code="changed_during_edit")
    _record(conn, principal, "update", slug, current.version + 1, {**changes, **tracking_changes}, note)
    return current.version + 1, warnings


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


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


def _bad(field: str, message: str) -> EditRefused:
    return EditRefused(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def _writer_context(
    conn: Connection, principal: Principal, effective: date | None = None, note: str | None = None
) -> None:
    """Tell the database trigger who writes and, for a status change, when it took effect."""
    conn.execute(
        text(
            """SELECT set_config('planmap.user_id', :u, true),
                      set_config('planmap.status_effective_date', :d, true),
                      set_config('planmap.status_note', :n, true)"""
        ),
        {"u": str(principal.user_id), "d": effective.isoformat() if effective else "", "n": note or ""},
    )


def change_status(
    conn: Connection,
    principal: Principal,
    slug: str,
    expected: int | None,
    status: Status,
    effective: date,
    note: str | None,
    reason: str | None = None,
    merged_into: str | None = None,
) -> int:
    """A dated status event: the timeline keeps every step, the project shows the latest.

    Postponing, cancelling and merging are honest outcomes that must say why; a merger
    also names the project it went into. The event row itself is written by the trigger
    on projects (migration 0004), dated by `effective`.
    """
    current = _locked(conn, slug)
    _check_official(principal, current.towns, current.towns)
    _require_version(conn, slug, current, expected)
    if effective > lianzhou_today():
        raise _bad("date", "the date cannot be in the future")
    if status in STATUSES_NEEDING_REASON and not (reason and reason.strip()):
        raise _bad("reason", f"a project that is {status.value} needs a reason")
    target_id = None
    if status is Status.MERGED:
        if not merged_into:
            raise _bad("merged_into", "name the project this one was merged into")
        target_id = conn.execute(
            text("SELECT id FROM projects WHERE slug = :s AND deleted_at IS NULL AND id <> :me"),
            {"s": merged_into, "me": current.id},
        ).scalar()
        if target_id is None:
            raise _bad("merged_into", f"no other project '{merged_into}'")
    elif merged_into:
        raise _bad("merged_into", "merged_into applies only to status merged")
    _writer_context(conn, principal, effective, note)
    version = _bump(
        conn,
        current,
        "status = :status, status_reason = :reason, merged_into_id = :target",
        {"status": status.value, "reason": reason if status in STATUSES_NEEDING_REASON else None, "target": target_id},
    )
    changes: dict[str, Any] = {
        "status": {"old": current.properties["status"], "new": status.value},
        "effective_date": str(effective),
    }
    if reason:
        changes["status_reason"] = reason
    if merged_into:
        changes["merged_into"] = merged_into
    _record(conn, principal, "status", slug, version, changes, note)
    return version


def history(conn: Connection, slug: str, after_version: int = 0) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT occurred_at, actor, action, object_version, changes, note,
                      (SELECT u.display_name FROM users u WHERE u.id = audit_log.user_id) AS actor_name
               FROM audit_log
               WHERE object_type = 'project' AND object_key = :s AND coalesce(object_version, 1) > :v
               ORDER BY id"""
        ),
        {"s": slug, "v": after_version},
    ).all()
    return [
        {
            "at": r.occurred_at.isoformat(),
            "actor": r.actor,
            "actor_name": r.actor_name,  # the person, for a page to name (the account is `actor`)
            "action": r.action,
            "version": r.object_version,
            "changes": r.changes,
            "note": r.note,
        }
        for r in rows
    ]
