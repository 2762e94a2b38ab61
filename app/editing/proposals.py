"""Review before publishing: in towns that require it, an official's edit waits for a planner.

That holds for every write an official may make there: a change, a status change, and a new
project (which lies in a reviewed town when its geometry does). A proposed new project
has no row in `projects` until approved, so it is in no read, map, export or feed.

A proposal is checked exactly as a direct edit would be (permissions, validation, the
version it was based on) by running the edit inside a savepoint and rolling it back, so
a planner only ever reviews edits that could be applied. Until approved nothing changes
in `projects`, so the public keeps seeing the last approved version.
"""

from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.catalog.vocab import Status
from app.core.errors import Conflict, NotFound
from app.editing import queries, service
from app.history import audit
from app.notify import events


def review_required(conn: Connection, principal: Principal, slug: str) -> bool:
    if principal.edits_everywhere:
        return False
    return queries.project_in_reviewed_town(conn, slug)


def _apply(conn: Connection, principal: Principal, slug: str, expected: int | None, change: dict[str, Any]) -> int:
    if change["kind"] == "create":
        service.create_project(conn, principal, change["feature"], change.get("note"))
        return 1
    if change["kind"] == "status":
        return service.change_status(
            conn, principal, slug, expected, Status(change["status"]), date.fromisoformat(change["date"]),
            change.get("note"), change.get("reason"), change.get("merged_into"),
        )  # fmt: skip
    version, _ = service.patch_project(
        conn, principal, slug, expected, change.get("properties") or {}, change.get("geometry"), change.get("note")
    )
    return version


def propose(conn: Connection, principal: Principal, slug: str, expected: int | None, change: dict[str, Any]) -> int:
    """Check the change as if applying it, keep it as a pending proposal; returns its id."""
    trial = conn.begin_nested()
    try:
        _apply(conn, principal, slug, expected, change)
    finally:
        trial.rollback()
    proposal_id = queries.insert_proposal(conn, slug, expected, change, principal.user_id)
    audit.record(
        conn, actor=principal.username, user_id=principal.user_id, action="propose", object_type="proposal",
        object_key=str(proposal_id), changes={"project": slug, **change},
    )  # fmt: skip
    events.proposal_awaiting(conn, proposal_id, slug, principal.display_name)
    return proposal_id


def _pending(conn: Connection, proposal_id: int) -> Any:
    row = queries.lock_proposal(conn, proposal_id)
    if row is None:
        raise NotFound(f"no proposal {proposal_id}")
    if row.state != "pending":
        raise Conflict(f"proposal {proposal_id} is already {row.state}")
    return row


def approve(conn: Connection, reviewer: Principal, proposal_id: int) -> tuple[str, int]:
    """Apply the proposal as its author's edit, noting who approved it; returns (slug, new version)."""
    row = _pending(conn, proposal_id)
    if row.user_id is None or not row.is_active:
        raise Conflict("the proposing account no longer exists or is disabled; reject the proposal")
    author = Principal(
        row.user_id, row.username, row.display_name, row.role, frozenset(row.towns), frozenset(row.departments)
    )
    change = dict(row.patch)
    change["note"] = f"{change.get('note') or ''} (approved by {reviewer.username})".strip()
    version = _apply(conn, author, row.slug, row.base_version, change)
    if change["kind"] == "create":
        queries.link_proposal(conn, proposal_id, row.slug)
    _close(conn, reviewer, proposal_id, "approved", None)
    return row.slug, version


def reject(conn: Connection, reviewer: Principal, proposal_id: int, reason: str) -> None:
    _pending(conn, proposal_id)
    _close(conn, reviewer, proposal_id, "rejected", reason)


def _close(conn: Connection, reviewer: Principal, proposal_id: int, state: str, reason: str | None) -> None:
    queries.close_proposal(conn, proposal_id, state, reviewer.user_id, reason)
    audit.record(
        conn, actor=reviewer.username, user_id=reviewer.user_id, action=state, object_type="proposal",
        object_key=str(proposal_id), note=reason,
    )  # fmt: skip


def list_proposals(conn: Connection, state: str) -> list[dict[str, Any]]:
    rows = queries.proposals_in_state(conn, state)
    return [
        {**dict(r._mapping), "proposed_at": r.proposed_at.isoformat(),
         "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None}
        for r in rows
    ]  # fmt: skip


def create_or_propose(
    conn: Connection, principal: Principal, feature: dict[str, Any], note: str | None
) -> tuple[int | None, list[str]]:
    """Add the project, or hold it for review when it would lie in a reviewed town.

    Returns (proposal id or None, warnings). The creation is tried in a savepoint, exactly as
    it would be made: refused as it would be (permissions, validation, a taken slug), and it
    tells which towns the project lies in; where one requires review it is rolled back and kept
    as a proposal instead.
    """
    if principal.edits_everywhere:
        return None, service.create_project(conn, principal, feature, note)
    trial = conn.begin_nested()
    try:
        warnings = service.create_project(conn, principal, feature, note)
        slug = str(feature["properties"]["slug"])
        held = review_required(conn, principal, slug)
    except BaseException:
        trial.rollback()
        raise
    if not held:
        trial.commit()
        return None, warnings
    trial.rollback()
    if queries.pending_creation_exists(conn, slug):
        raise Conflict(f"a new project '{slug}' is already waiting for review")
    change = {"kind": "create", "feature": feature, "note": note}
    proposal_id = queries.insert_creation_proposal(conn, change, principal.user_id)
    audit.record(
        conn, actor=principal.username, user_id=principal.user_id, action="propose", object_type="proposal",
        object_key=str(proposal_id), changes={"project": slug, **change},
    )  # fmt: skip
    events.proposal_awaiting(conn, proposal_id, slug, principal.display_name)
    return proposal_id, []


def patch_or_propose(
    conn: Connection,
    principal: Principal,
    slug: str,
    expected: int | None,
    properties: dict[str, Any],
    geometry: dict[str, Any] | None,
    note: str | None,
) -> tuple[int | None, list[str]]:
    """Apply the patch, or hold it for review; returns (proposal id or None, warnings)."""
    if review_required(conn, principal, slug):
        change = {"kind": "patch", "properties": properties, "geometry": geometry, "note": note}
        return propose(conn, principal, slug, expected, change), []
    _, warnings = service.patch_project(conn, principal, slug, expected, properties, geometry, note)
    return None, warnings


def status_or_propose(
    conn: Connection, principal: Principal, slug: str, expected: int | None, change: dict[str, Any]
) -> int | None:
    """Record the status change, or hold it for review; returns the proposal id or None."""
    change = {"kind": "status", **change}
    if review_required(conn, principal, slug):
        return propose(conn, principal, slug, expected, change)
    _apply(conn, principal, slug, expected, change)
    return None


def set_town_review(conn: Connection, town: str, required: bool, actor: str) -> None:
    if not queries.set_town_review(conn, town, required):
        raise NotFound(f"no town '{town}'")
    audit.record(conn, actor=actor, action="set_review", object_type="town", object_key=town,
                 changes={"review_required": required})  # fmt: skip
