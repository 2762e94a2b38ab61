"""Submitting and moderating feedback; each function runs inside the caller's transaction.

Submissions are rate-limited per client (salted address hash) within that transaction, by
the shared limiter in PostgreSQL, so two simultaneous messages, even to two server processes,
cannot both slip under the limit. Moderation is audited in the same transaction as the change it records.
"""

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from app.auth import ratelimit
from app.auth.principal import Principal
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from app.feedback import queries
from app.history import audit
from app.notify import events

WINDOW_SECONDS = 3600.0


@dataclass(frozen=True)
class NewFeedback:
    """A validated submission (lengths and coordinate ranges already checked by the API model)."""

    slug: str
    body: str
    point: tuple[float, float] | None
    contact: str | None


def _enforce_rate_limit(conn: Connection, client: str, per_hour: int) -> None:
    # The shared limiter (app.auth.ratelimit): a slot of this hour's window, taken in this transaction,
    # so a submission refused later (or rolled back) gives its slot back.
    wait = ratelimit.take_from_window(conn, f"feedback:{client}", per_hour, WINDOW_SECONDS)
    if wait > 0:
        limited = ratelimit.Limited(f"at most {per_hour} messages per hour from one client", wait)
        raise RateLimited(limited.message, limited.retry_after)


def submit(conn: Connection, item: NewFeedback, client: str, per_hour: int) -> dict[str, Any]:
    """Store a submission as pending; refuses an unknown project, a point outside the county, a flood."""
    project_id = queries.live_project_id(conn, item.slug)
    if project_id is None:
        raise NotFound(f"no project '{item.slug}'")
    point = None
    if item.point is not None:
        point = orjson.dumps({"type": "Point", "coordinates": list(item.point)}).decode()
        if not queries.point_in_county(conn, point):
            raise Invalid(("body", "point"), "the point lies outside Lianzhou")
    _enforce_rate_limit(conn, client, per_hour)
    row = queries.insert_feedback(conn, project_id, item.body, point, item.contact, client)
    audit.record(
        conn,
        actor="public",
        action="submit",
        object_type="feedback",
        object_key=str(row.id),
        changes={"project": item.slug, "point": item.point is not None, "contact_given": item.contact is not None},
    )
    events.feedback_awaiting(conn, row.id, item.slug)
    return {"id": row.id, "status": "pending", "created_at": row.created_at.isoformat()}


def moderate(conn: Connection, principal: Principal, feedback_id: int, approve: bool, words: str | None) -> str:
    """Approve (with an optional public reply) or reject (with a required reason) a pending message.

    Planners and admins moderate everywhere; an official only feedback on projects in their
    towns. Returns the new state.
    """
    row = queries.lock_for_moderation(conn, feedback_id)
    if row is None:
        raise NotFound(f"no feedback {feedback_id}")
    if not principal.may_edit_towns(set(row.towns)):
        raise Forbidden(f"feedback {feedback_id} is about a project outside your towns")
    if row.state != "pending":
        raise Conflict(f"feedback {feedback_id} was already {row.state}")
    state = "approved" if approve else "rejected"
    queries.set_moderation(
        conn, feedback_id, state, principal.user_id, words if approve else None, None if approve else words
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
