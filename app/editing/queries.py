"""The SQL of editing: locking a project, writing it, its history, proposals and town review.

Kept apart from the rules (app/editing/service.py, proposals.py) so that what the database is
asked is in one place, and the rules read as rules. Every function runs in the caller's
transaction; none commits.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, Row, text

from app.catalog.projects import SCALAR_FIELDS
from app.editing.tracking import TRACKING_FIELDS

LOCK_PROJECT = text(
    f"""SELECT p.id, p.slug, p.version, p.deleted_at, {", ".join("p." + f for f in SCALAR_FIELDS)},
               ST_AsGeoJSON(p.geom)::json AS geometry, {", ".join("p." + f for f in sorted(TRACKING_FIELDS))},
               ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id ORDER BY t.slug) AS towns,
               ARRAY(SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                     WHERE pu.project_id = p.id ORDER BY n.slug) AS units
        FROM projects p WHERE p.slug = :slug FOR UPDATE"""
)


def lock_project_row(conn: Connection, slug: str) -> Row[Any] | None:
    """The project's row (any state), locked until the transaction ends."""
    return conn.execute(LOCK_PROJECT, {"slug": slug}).one_or_none()


def slug_taken(conn: Connection, slug: str) -> bool:
    """Whether any project, deleted ones included, has this slug."""
    return bool(conn.execute(text("SELECT 1 FROM projects WHERE slug = :s"), {"s": slug}).scalar())


def towns_under(conn: Connection, geometry: Any) -> list[str]:
    """The towns whose areas the GeoJSON geometry meets (PostGIS); raises on unreadable geometry."""
    return list(
        conn.execute(
            text(
                """SELECT slug FROM towns WHERE ST_Intersects(area,
                       ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) ORDER BY slug"""
            ),
            {"g": orjson.dumps(geometry).decode()},
        ).scalars()
    )


def same_geometry(conn: Connection, project_id: int, geojson: str) -> bool:
    """Whether the stored geometry is exactly this one (same vertices in the same order)."""
    return bool(
        conn.execute(
            text(
                "SELECT ST_OrderingEquals(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) FROM projects WHERE id = :i"
            ),
            {"g": geojson, "i": project_id},
        ).scalar_one()
    )


def set_writer_context(conn: Connection, user_id: int, effective: date | None, note: str | None) -> None:
    """Tell the database trigger who writes and, for a status change, when it took effect."""
    conn.execute(
        text(
            """SELECT set_config('planmap.user_id', :u, true),
                      set_config('planmap.status_effective_date', :d, true),
                      set_config('planmap.status_note', :n, true)"""
        ),
        {"u": str(user_id), "d": effective.isoformat() if effective else "", "n": note or ""},
    )


def _update(conn: Connection, project_id: int, assignments: str, params: dict[str, Any], bump: bool) -> None:
    version = ", version = version + 1, updated_at = now()" if bump else ""
    conn.execute(text(f"UPDATE projects SET {assignments}{version} WHERE id = :id"), {**params, "id": project_id})


def set_tracking(conn: Connection, project_id: int, values: dict[str, Any], names: Iterable[str], bump: bool) -> None:
    """Write the named tracking fields (planned/actual dates and money, sensitivity)."""
    chosen = [name for name in names if name in TRACKING_FIELDS]  # only our own column names reach the SQL
    _update(conn, project_id, ", ".join(f"{name} = :{name}" for name in chosen), values, bump)


def set_deleted(conn: Connection, project_id: int, deleted: bool) -> None:
    """Soft delete or restore, as a new version."""
    _update(conn, project_id, "deleted_at = now()" if deleted else "deleted_at = NULL", {}, bump=True)


def set_status(
    conn: Connection,
    project_id: int,
    status: str,
    reason: str | None,
    target_id: int | None,
    started: date | None = None,
) -> None:
    """A new status (the trigger of migration 0004 records the dated event), as a new version; `started`
    records the actual start where none is recorded yet (a person saying work began on that day)."""
    _update(
        conn,
        project_id,
        "status = :status, status_reason = :reason, merged_into_id = :target, "
        "actual_start = coalesce(actual_start, :started)",
        {"status": status, "reason": reason, "target": target_id, "started": started},
        bump=True,
    )


def other_live_project_id(conn: Connection, slug: str, not_id: int) -> int | None:
    """The id of another, not deleted project with this slug (a merger's target)."""
    found = conn.execute(
        text("SELECT id FROM projects WHERE slug = :s AND deleted_at IS NULL AND id <> :me"),
        {"s": slug, "me": not_id},
    ).scalar()
    return None if found is None else int(found)


def live_project_sensitivity(conn: Connection, slug: str) -> bool | None:
    """Whether a live project is a sensitive site; None when there is no such live project."""
    found = conn.execute(
        text("SELECT sensitive FROM projects WHERE slug = :s AND deleted_at IS NULL"), {"s": slug}
    ).scalar()
    return None if found is None else bool(found)


def project_history(conn: Connection, slug: str, after_version: int = 0) -> list[dict[str, Any]]:
    """The audited changes of a project after a version, oldest first."""
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


# Proposals (review before publishing) ---------------------------------------------------------


def project_in_reviewed_town(conn: Connection, slug: str) -> bool:
    """Whether the project lies in a town, or belongs to a department, whose officials' edits wait for review."""
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


def insert_proposal(conn: Connection, slug: str, base_version: int | None, change: dict[str, Any], user_id: int) -> int:
    """Keep a change to an existing project as pending; returns the proposal's id."""
    return int(
        conn.execute(
            text(
                """INSERT INTO project_proposals (project_id, base_version, patch, note, proposed_by)
                   SELECT id, :v, CAST(:patch AS jsonb), :note, :u FROM projects WHERE slug = :s RETURNING id"""
            ),
            {"v": base_version, "patch": orjson.dumps(change).decode(), "note": change.get("note"), "u": user_id,
             "s": slug},
        ).scalar_one()
    )  # fmt: skip


def insert_creation_proposal(conn: Connection, change: dict[str, Any], user_id: int) -> int:
    """Keep a proposed new project as pending (no project row exists until it is approved)."""
    return int(
        conn.execute(
            text(
                """INSERT INTO project_proposals (project_id, base_version, patch, note, proposed_by)
                   VALUES (NULL, 0, CAST(:patch AS jsonb), :note, :u) RETURNING id"""
            ),
            {"patch": orjson.dumps(change).decode(), "note": change.get("note"), "u": user_id},
        ).scalar_one()
    )


# The slug a proposal is about: its project's, or for a proposed new project the one it would have.
_PROPOSAL_SLUG = "coalesce(p.slug, pr.patch->'feature'->'properties'->>'slug')"


def pending_creation_exists(conn: Connection, slug: str) -> bool:
    """Whether a new project with this slug already waits for review."""
    return bool(
        conn.execute(
            text(
                """SELECT EXISTS (SELECT 1 FROM project_proposals pr
                                  WHERE pr.project_id IS NULL AND pr.state = 'pending'
                                    AND pr.patch->'feature'->'properties'->>'slug' = :s)"""
            ),
            {"s": slug},
        ).scalar()
    )


def link_proposal(conn: Connection, proposal_id: int, slug: str) -> None:
    """Tie an approved proposal for a new project to the project it created."""
    conn.execute(
        text("UPDATE project_proposals SET project_id = (SELECT id FROM projects WHERE slug = :s) WHERE id = :i"),
        {"s": slug, "i": proposal_id},
    )


PENDING_PROPOSAL = text(
    f"""SELECT pr.id, pr.base_version, pr.patch, pr.state, {_PROPOSAL_SLUG} AS slug,
              u.id AS user_id, u.username, u.display_name, u.role, u.is_active,
              ARRAY(SELECT t.slug FROM user_towns ut JOIN towns t ON t.id = ut.town_id
                    WHERE ut.user_id = u.id) AS towns,
              ARRAY(SELECT n.slug FROM user_units uu JOIN units n ON n.id = uu.unit_id
                    WHERE uu.user_id = u.id AND n.kind = 'department') AS departments
       FROM project_proposals pr LEFT JOIN projects p ON p.id = pr.project_id
       LEFT JOIN users u ON u.id = pr.proposed_by
       WHERE pr.id = :i FOR UPDATE OF pr"""
)


def lock_proposal(conn: Connection, proposal_id: int) -> Row[Any] | None:
    """The proposal with its author (and the author's towns), locked until the transaction ends."""
    return conn.execute(PENDING_PROPOSAL, {"i": proposal_id}).one_or_none()


def close_proposal(conn: Connection, proposal_id: int, state: str, reviewer_id: int, reason: str | None) -> None:
    conn.execute(
        text(
            """UPDATE project_proposals SET state = :st, reviewed_by = :u, reviewed_at = now(), review_reason = :r
               WHERE id = :i"""
        ),
        {"st": state, "u": reviewer_id, "r": reason, "i": proposal_id},
    )


def proposals_in_state(conn: Connection, state: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            text(
                f"""SELECT pr.id, {_PROPOSAL_SLUG} AS slug, pr.base_version, pr.patch, pr.note, pr.proposed_at,
                          pr.state, u.username AS proposed_by, r.username AS reviewed_by, pr.reviewed_at,
                          pr.review_reason
                   FROM project_proposals pr LEFT JOIN projects p ON p.id = pr.project_id
                   LEFT JOIN users u ON u.id = pr.proposed_by LEFT JOIN users r ON r.id = pr.reviewed_by
                   WHERE pr.state = :st ORDER BY pr.id"""
            ),
            {"st": state},
        ).all()
    )


def set_town_review(conn: Connection, town: str, required: bool) -> bool:
    """Turn review on or off for a town; False when there is no such town."""
    done = conn.execute(
        text("UPDATE towns SET review_required = :r WHERE slug = :s"), {"r": required, "s": town}
    ).rowcount
    return bool(done)
