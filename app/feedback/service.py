"""Submitting and moderating feedback; each function runs inside the caller's transaction.

Submissions are rate-limited per client (salted address hash) within that transaction,
under a per-client advisory lock, so two simultaneous messages cannot both slip under the
limit. Moderation is audited in the same transaction as the change it records.
"""

import math
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, text

from app.auth.principal import Principal
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from app.history import audit

WINDOW = "1 hour"
# The first key of PostgreSQL's two-key advisory locks: keeps ours apart from anyone else's.
_LOCK_CLASS = 7_020_701


@dataclass(frozen=True)
class NewFeedback:
    """A validated submission (lengths and coordinate ranges already checked by the API model)."""

    slug: str
    body: str
    point: tuple[float, float] | None
    contact: str | None


def _enforce_rate_limit(conn: Connection, client: str, per_hour: int) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:c, hashtext(:h))"), {"c": _LOCK_CLASS, "h": client})
    # The per_hour-th most recent message of the window: once it is older than an hour, a slot is free.
    oldest_counted = conn.execute(
        text(
            f"""SELECT EXTRACT(EPOCH FROM created_at + interval '{WINDOW}' - now()) FROM feedback
                WHERE client_hash = :h AND created_at > now() - interval '{WINDOW}'
                ORDER BY created_at DESC OFFSET :n LIMIT 1"""
        ),
        {"h": client, "n": per_hour - 1},
    ).scalar()
    if oldest_counted is not None:
        wait = max(1, math.ceil(float(oldest_counted)))
        raise RateLimited(f"at most {per_hour} messages per hour from one client; try again in {wait} seconds", wait)


def submit(conn: Connection, item: NewFeedback, client: str, per_hour: int) -> dict[str, Any]:
    """Store a submission as pending; refuses an unknown project, a point outside the county, a flood."""
    project_id = conn.execute(
        text("SELECT id FROM projects WHERE slug = :s AND deleted_at IS NULL"), {"s": item.slug}
    ).scalar()
    if project_id is None:
        raise NotFound(f"no project '{item.slug}'")
    point = None
    if item.point is not None:
        point = orjson.dumps({"type": "Point", "coordinates": list(item.point)}).decode()
        inside = conn.execute(
            text(
                """SELECT EXISTS (SELECT 1 FROM county_boundary
                                  WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)))"""
            ),
            {"g": point},
        ).scalar_one()
        if not inside:
            raise Invalid(("body", "point"), "the point lies outside Lianzhou")
    _enforce_rate_limit(conn, client, per_hour)
    row = conn.execute(
        text(
            """INSERT INTO feedback (project_id, body, geom, contact, client_hash)
               VALUES (:p, :b, ST_SetSRID(ST_GeomFromGeoJSON(CAST(:g AS text)), 4326), :c, :h)
               RETURNING id, created_at"""
        ),
        {"p": project_id, "b": item.body, "g": point, "c": item.contact, "h": client},
    ).one()
    audit.record(
        conn,
        actor="public",
        action="submit",
        object_type="feedback",
        object_key=str(row.id),
        changes={"project": item.slug, "point": item.point is not None, "contact_given": item.contact is not None},
    )
    return {"id": row.id, "status": "pending", "created_at": row.created_at.isoformat()}


_FOR_MODERATION = text(
    """SELECT f.id, f.state, p.slug,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id) AS towns
       FROM feedback f JOIN projects p ON p.id = f.project_id
       WHERE f.id = :id FOR UPDATE OF f"""
)


def moderate(conn: Connection, principal: Principal, feedback_id: int, approve: bool, words: str | None) -> str:
    """Approve (with an optional public reply) or reject (with a required reason) a pending message.

    Planners and admins moderate everywhere; an official only feedback on projects in their
    towns. Returns the new state.
    """
    row = conn.execute(_FOR_MODERATION, {"id": feedback_id}).one_or_none()
    if row is None:
        raise NotFound(f"no feedback {feedback_id}")
    if not principal.may_edit_towns(set(row.towns)):
        raise Forbidden(f"feedback {feedback_id} is about a project outside your towns")
    if row.state != "pending":
        raise Conflict(f"feedback {feedback_id} was already {row.state}")
    state = "approved" if approve else "rejected"
    conn.execute(
        text(
            """UPDATE feedback SET state = :s, moderated_at = now(), moderated_by = :u,
                                   reply = :reply, reject_reason = :reason
               WHERE id = :id"""
        ),
        {
            "s": state,
            "u": principal.user_id,
            "reply": words if approve else None,
            "reason": None if approve else words,
            "id": feedback_id,
        },
    )
    changes: dict[str, Any] = {"status": {"old": "pending", "new": state}, "project": row.slug}
    changes["reply" if approve else "reason"] = words
    audit.record(
        conn,
        actor=principal.username,
        user_id=principal.user_id,
        action="approve" if approve else "reject",
        object_type="feedback",
        object_key=str(feedback_id),
        changes=changes,
    )
    return state
