"""Project writes: who may, whether the data is valid, and that nobody's update is lost.

Each function runs inside one database transaction (the caller's), so the change, its
history row and any status event commit together or not at all. The row is locked
first; a writer holding a stale version is refused (StaleVersion) with the history of what changed since.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection

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
from app.core.clock import today as lianzhou_today
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, Problem, StaleVersion, VersionRequired
from app.editing import queries
from app.editing.current import CurrentProject, etag, lock_project
from app.editing.tracking import PLANNER_ONLY, TRACKING_FIELDS, merge_tracking
from app.history import audit, timeline
from app.plans.revisions import RevisionReasonRequired, record_planned_changes


def _refuse_problems(report: LoadReport) -> None:
    if report.problems:
        raise Invalid.of(Problem(("body",), m) for p in report.problems for m in p.messages)


def _validate(conn: Connection, feature: dict[str, Any], derive_towns: bool) -> tuple[ValidFeature, list[str]]:
    report = LoadReport()
    items = validate_features(conn, [feature], report, derive_towns=derive_towns)
    _refuse_problems(report)
    return items[0], [w.split(": ", 1)[-1] for w in report.warnings]


def _require_version(conn: Connection, slug: str, current: CurrentProject, expected: int | None) -> None:
    if expected is None:
        raise VersionRequired(
            f"send If-Match with the ETag you read (If-Match: {etag(current.version)}), so that you cannot "
            "overwrite a change you have not seen",
            current_etag=etag(current.version),
        ).with_code("if_match_required")
    if expected != current.version:
        raise StaleVersion(
            f"project '{slug}' changed since you read it (you have version {expected}, "
            f"it is now at {current.version}); reload it and apply your change again",
            current_etag=etag(current.version),
            current_version=current.version,
            changes_since=history(conn, slug, after_version=expected),
        )


def _locked(conn: Connection, slug: str, *, deleted: bool = False) -> CurrentProject:
    current = lock_project(conn, slug)
    if current is None or current.deleted != deleted:
        state = "deleted " if deleted else ""
        raise NotFound(f"no {state}project '{slug}'")
    return current


def _names(towns: Iterable[str]) -> str:
    return ", ".join(sorted(towns))


def _check_official(
    principal: Principal, before: set[str] | None, after: set[str], units: frozenset[str] = frozenset()
) -> None:
    """Officials edit only projects in their towns, may not move one into another town, nor take it
    out of another town (a project on a route through four towns stays each town's project); a
    department's officials edit the projects their department is responsible for, wherever they lie."""
    if principal.edits_everywhere:
        return
    if before is not None and principal.departments & units:
        return
    mine = principal.towns
    if before is not None and not mine & before:
        raise Forbidden(
            f"this project lies in {_names(before)} and is not one of your units' projects; you edit only "
            f"{_names(principal.units) or 'nothing'}"
        ).with_code("not_your_towns", towns=sorted(before), mine=sorted(mine))
    foreign = after - mine - (before or set())
    if not mine & after or foreign or (before is None and after - mine):
        outside = sorted(after - mine) or sorted(after)
        raise Forbidden(
            f"the project would lie in {', '.join(outside)}, outside your towns ({_names(mine)})"
        ).with_code("outside_towns", towns=outside, mine=sorted(mine))
    dropped = (before or set()) - after - mine
    if dropped:
        raise Forbidden(
            f"the change would take the project out of {_names(dropped)}, which only a planner or that town's "
            f"official may do (your towns: {_names(mine)})"
        )


def _towns_follow_geometry(declared: Any, item: ValidFeature) -> None:
    """For an official, a project's towns are where its geometry lies (PostGIS, from the town areas).

    Declaring others was only a warning, and let an official file a project under their own town
    wherever it lay (issue 15 item 3); now it is refused, naming both lists.
    """
    derived = item.feature.properties.towns
    if declared is not None and sorted(set(declared)) != derived:
        raise Invalid(
            ("body", "properties", "towns"),
            f"the geometry lies in {', '.join(derived)}, not {', '.join(sorted(set(declared)))}: an official's "
            "project is in the towns its geometry meets (leave towns out to have them derived)",
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
    if not queries.same_geometry(conn, current.id, item.geojson):
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
    if isinstance(slug, str) and queries.slug_taken(conn, slug):
        raise Conflict(f"a project with slug '{slug}' already exists (perhaps deleted: restore it instead)")
    if props.get("status") in STATUSES_NEEDING_REASON:
        # The database requires the reason (or the merger's target) these statuses carry; a new
        # project has no timeline to hold them yet. (Before this check: a 500 from the constraint.)
        raise Invalid(
            ("body", "properties", "status"),
            "postponed, cancelled and merged need a reason: create the project, then use POST …/status",
        )
    declared = props.get("towns")
    derive = not declared or not principal.edits_everywhere
    if not declared:
        feature = {**feature, "properties": {**props, "towns": _towns_under(conn, feature.get("geometry"))}}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, None, set(item.feature.properties.towns))
    if not principal.edits_everywhere:
        _towns_follow_geometry(declared or None, item)
    _writer_context(conn, principal)
    insert_project(conn, item, seed_owned=False)
    _record(conn, principal, "create", item.slug, 1, creation_changes(item), note)
    return warnings


def _towns_under(conn: Connection, geometry: Any) -> list[str]:
    try:
        with conn.begin_nested():
            return queries.towns_under(conn, geometry)
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
    _check_official(principal, current.towns, current.towns, current.units)
    _require_version(conn, slug, current, expected_version)
    if "slug" in properties and properties["slug"] != slug:
        raise _bad("properties.slug", "a slug cannot change")
    if properties.get("status") in STATUSES_NEEDING_REASON:
        raise _bad("properties.status", "postponed, cancelled and merged need a reason: use POST …/status")
    # Why a baselined planned date or investment changes (征地延误, 资金调整 …): see app.plans.revisions.
    properties = dict(properties)
    revision_reason = properties.pop("revision_reason", None)
    if revision_reason is not None and not isinstance(revision_reason, str):
        raise _bad("properties.revision_reason", "revision_reason must be text")
    tracking_in = {k: v for k, v in properties.items() if k in TRACKING_FIELDS}
    catalog_in = {k: v for k, v in properties.items() if k not in TRACKING_FIELDS}
    if not principal.edits_everywhere and (denied := sorted(PLANNER_ONLY & set(tracking_in))):
        raise Forbidden(f"only planners may set {', '.join(denied)}").with_code("planners_only", fields=list(denied))
    tracking, problems = merge_tracking(current.tracking, tracking_in, lianzhou_today())
    if problems:
        raise Invalid.of(Problem(("body", "properties"), m) for m in problems)
    merged = {**current.properties, **catalog_in}
    moved = geometry is not None
    if moved and "location_precision" not in catalog_in and merged["location_precision"] == Precision.TOWN.value:
        # A project moved off its town seat is no longer "known only to its town"; it never
        # becomes `surveyed` unless someone says so explicitly.
        merged["location_precision"] = Precision.APPROXIMATE.value
    declared = catalog_in.get("towns")
    if principal.edits_everywhere:
        derive = moved and declared is None
    else:  # an official's project is where its geometry is, once the geometry or its towns change
        same_towns = declared is None or (isinstance(declared, list) and set(declared) == current.towns)
        derive = moved or not same_towns
    feature = {"type": "Feature", "properties": merged, "geometry": geometry or current.geometry}
    item, warnings = _validate(conn, feature, derive_towns=derive)
    _check_official(principal, current.towns, set(item.feature.properties.towns), current.units)
    if derive and not principal.edits_everywhere:
        _towns_follow_geometry(declared, item)
    changes = _changes(conn, current, item)
    new_tracking = tracking.model_dump()
    tracking_changes = {
        name: {"old": _jsonable(current.tracking[name]), "new": _jsonable(new_tracking[name])}
        for name in TRACKING_FIELDS
        if current.tracking[name] != new_tracking[name]
    }
    if not changes and not tracking_changes:
        return current.version, warnings
    try:
        record_planned_changes(conn, current.id, tracking_changes, revision_reason, principal.user_id, lianzhou_today())
    except RevisionReasonRequired as refused:
        raise _bad("properties.revision_reason", str(refused)) from None
    _writer_context(conn, principal)
    if tracking_changes:
        # Written first and without a version bump when the catalog fields change too, so the
        # single new version (and its snapshot in project_versions) holds both.
        queries.set_tracking(conn, current.id, new_tracking, tracking_changes, bump=not changes)
    if changes and not update_project(conn, current.id, current.version, item, seed_owned=False):
        raise StaleVersion(f"project '{slug}' changed during your edit; reload it").with_code("changed_during_edit")
    _record(conn, principal, "update", slug, current.version + 1, {**changes, **tracking_changes}, note)
    return current.version + 1, warnings


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def delete_project(conn: Connection, principal: Principal, slug: str, expected: int | None, note: str | None) -> int:
    """Soft delete: hidden from every read, restorable by a planner, history kept."""
    current = _locked(conn, slug)
    _require_version(conn, slug, current, expected)
    queries.set_deleted(conn, current.id, deleted=True)
    version = current.version + 1
    _record(conn, principal, "delete", slug, version, {"deleted": {"old": False, "new": True}}, note)
    return version


def restore_project(conn: Connection, principal: Principal, slug: str, expected: int | None, note: str | None) -> int:
    current = _locked(conn, slug, deleted=True)
    _require_version(conn, slug, current, expected)
    queries.set_deleted(conn, current.id, deleted=False)
    version = current.version + 1
    _record(conn, principal, "restore", slug, version, {"deleted": {"old": True, "new": False}}, note)
    return version


def _bad(field: str, message: str) -> Invalid:
    return Invalid(("body", field), message)


def _writer_context(
    conn: Connection, principal: Principal, effective: date | None = None, note: str | None = None
) -> None:
    """Tell the database trigger who writes and, for a status change, when it took effect."""
    queries.set_writer_context(conn, principal.user_id, effective, note)


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
    _check_official(principal, current.towns, current.towns, current.units)
    _require_version(conn, slug, current, expected)
    if effective > lianzhou_today():
        raise _bad("date", "the date cannot be in the future")
    if status in STATUSES_NEEDING_REASON and not (reason and reason.strip()):
        raise _bad("reason", f"a project that is {status.value} needs a reason")
    target_id = None
    if status is Status.MERGED:
        if not merged_into:
            raise _bad("merged_into", "name the project this one was merged into")
        target_id = queries.other_live_project_id(conn, merged_into, current.id)
        if target_id is None:
            raise _bad("merged_into", f"no other project '{merged_into}'")
    elif merged_into:
        raise _bad("merged_into", "merged_into applies only to status merged")
    _writer_context(conn, principal, effective, note)
    # A person saying work began on a day records the start (so `no_recorded_start` no longer applies).
    started = effective if status is Status.UNDER_CONSTRUCTION and current.tracking["actual_start"] is None else None
    queries.set_status(
        conn,
        current.id,
        status.value,
        reason if status in STATUSES_NEEDING_REASON else None,
        target_id,
        started,
    )
    version = current.version + 1
    changes: dict[str, Any] = {
        "status": {"old": current.properties["status"], "new": status.value},
        "effective_date": str(effective),
    }
    if started is not None:
        changes["actual_start"] = {"old": None, "new": started.isoformat()}
    if reason:
        changes["status_reason"] = reason
    if merged_into:
        changes["merged_into"] = merged_into
    _record(conn, principal, "status", slug, version, changes, note)
    return version


def history(conn: Connection, slug: str, after_version: int = 0) -> list[dict[str, Any]]:
    """What changed since `after_version`, for a stale writer's 412. The writer's rights over this
    project were checked before the version was, so they read it as staff do."""
    return [entry.as_json() for entry in timeline.project_history(conn, slug, timeline.WRITER, after_version)]
