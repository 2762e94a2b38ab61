"""Review before publishing: in towns that require it, an official's edit waits for a planner.

A proposal is checked exactly as a direct edit would be (permissions, validation, the
version it was based on) by running the edit inside a savepoint and rolling it back, so
a planner only ever reviews edits that could be applied. Until approved nothing changes
in `projects`, so the public keeps seeing the last approved version.
"""

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, text

from app.auth.principal import Principal
from app.catalog.vocab import Status
from app.editing import service
from app.editing.errors import EditRefused
from app.history import audit


def review_required(conn: Connection, principal: Principal, slug: str) -> bool:
    if principal.edits_everywhere:
        return False
    return bool(
        conn.execute(
            text(
                """SELECT EXISTS (SELECT 1 FROM projects p JOIN project_towns pt ON pt.project_id = p.id
                                  JOIN towns t ON t.id = pt.town_id
                                  WHERE p.slug = :s AND t.review_required)
                       OR EXISTS (SELECT 1 FROM projects p JOIN project_units pu ON pu.project_id = p.id
                                  JOIN units n ON n.id = pu.unit_id
                                  WHERE p.slug = :s AND n.review_required)"""
            ),
            {"s": slug},
        ).scalar()
    )


def _apply(conn: Connection, principal: Principal, slug: str, expected: int | None, change: dict[str, Any]) -> int:
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
    proposal_id = int(
        conn.execute(
            text(
                """INSERT INTO project_proposals (project_id, base_version, patch, note, proposed_by)
                   SELECT id, :v, CAST(:patch AS jsonb), :note, :u FROM projects WHERE slug = :s RETURNING id"""
            ),
            {"v": expected, "patch": orjson.dumps(change).decode(), "note": change.get("note"), "u": principal.user_id,
             "s": slug},
        ).scalar_one()
    )  # fmt: skip
    audit.record(
        conn, actor=principal.username, user_id=principal.user_id, action="propose", object_type="proposal",
        object_key=str(proposal_id), changes={"project": slug, **change},
    )  # fmt: skip
    return proposal_id


def _pending(conn: Connection, proposal_id: int) -> Any:
    row = conn.execute(
        text(
            """SELECT pr.id, pr.base_version, pr.patch, pr.state, p.slug,
                      u.id AS user_id, u.username, u.display_name, u.role, u.is_active,
                      ARRAY(SELECT t.slug FROM user_towns ut JOIN towns t ON t.id = ut.town_id
                            WHERE ut.user_id = u.id) AS towns,
                      ARRAY(SELECT n.slug FROM user_units uu JOIN units n ON n.id = uu.unit_id
                            WHERE uu.user_id = u.id AND n.kind = 'department') AS departments
               FROM project_proposals pr JOIN projects p ON p.id = pr.project_id
               LEFT JOIN users u ON u.id = pr.proposed_by
               WHERE pr.id = :i FOR UPDATE OF pr"""
        ),
        {"i": proposal_id},
    ).one_or_none()
    if row is None:
        raise EditRefused(404, f"no proposal {proposal_id}")
    if row.state != "pending":
        raise EditRefused(409, f"proposal {proposal_id} is already {row.state}")
    return row


def approve(conn: Connection, reviewer: Principal, proposal_id: int) -> tuple[str, int]:
    """Apply the proposal as its author's edit, noting who approved it; returns (slug, new version)."""
    row = _pending(conn, proposal_id)
    if row.user_id is None or not row.is_active:
        raise EditRefused(409, "the proposing account no longer exists or is disabled; reject the proposal")
    author = Principal(
        row.user_id, row.username, row.display_name, row.role, frozenset(row.towns), frozenset(row.departments)
    )
    change = dict(row.patch)
    change["note"] = f"{change.get('note') or ''} (approved by {reviewer.username})".strip()
    version = _apply(conn, author, row.slug, row.base_version, change)
    _close(conn, reviewer, proposal_id, "approved", None)
    return row.slug, version


def reject(conn: Connection, reviewer: Principal, proposal_id: int, reason: str) -> None:
    _pending(conn, proposal_id)
    _close(conn, reviewer, proposal_id, "rejected", reason)


def _close(conn: Connection, reviewer: Principal, proposal_id: int, state: str, reason: str | None) -> None:
    conn.execute(
        text(
            """UPDATE project_proposals SET state = :st, reviewed_by = :u, reviewed_at = now(), review_reason = :r
               WHERE id = :i"""
        ),
        {"st": state, "u": reviewer.user_id, "r": reason, "i": proposal_id},
    )
    audit.record(
        conn, actor=reviewer.username, user_id=reviewer.user_id, action=state, object_type="proposal",
        object_key=str(proposal_id), note=reason,
    )  # fmt: skip


def list_proposals(conn: Connection, state: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT pr.id, p.slug, pr.base_version, pr.patch, pr.note, pr.proposed_at, pr.state,
                      u.username AS proposed_by, r.username AS reviewed_by, pr.reviewed_at, pr.review_reason
               FROM project_proposals pr JOIN projects p ON p.id = pr.project_id
               LEFT JOIN users u ON u.id = pr.proposed_by LEFT JOIN users r ON r.id = pr.reviewed_by
               WHERE pr.state = :st ORDER BY pr.id"""
        ),
        {"st": state},
    ).all()
    return [
        {**dict(r._mapping), "proposed_at": r.proposed_at.isoformat(),
         "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None}
        for r in rows
    ]  # fmt: skip


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
    done = conn.execute(
        text("UPDATE towns SET review_required = :r WHERE slug = :s"), {"r": required, "s": town}
    ).rowcount
    if not done:
        raise EditRefused(404, f"no town '{town}'")
    audit.record(conn, actor=actor, action="set_review", object_type="town", object_key=town,
                 changes={"review_required": required})  # fmt: skip
