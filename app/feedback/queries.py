"""Feedback's SQL: the public list of a project (approved, never the contact), the staff queue, and writes.

Two separate queries with separate column lists, on purpose: the public one does not
select `contact` at all, so no later change to a template or serializer can leak it.
"""

from typing import Any, Literal

from sqlalchemy import Connection, text

from app.auth.principal import Principal

StaffFilter = Literal["pending", "approved", "rejected", "all"]

# Which feedback a staff member may see and moderate: all of it for planners and admins, only
# that on projects of their towns for officials (the same rule as editing the project itself).
_STAFF_SCOPE = """p.deleted_at IS NULL
    AND (:everywhere OR EXISTS (SELECT 1 FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                WHERE pt.project_id = p.id AND t.slug = ANY(:towns)))"""


def _scope_params(principal: Principal) -> dict[str, Any]:
    return {"everywhere": principal.edits_everywhere, "towns": sorted(principal.towns)}


_PUBLIC = text(
    """SELECT f.id, f.body, ST_AsGeoJSON(f.geom)::json AS point, f.created_at,
              f.reply, f.moderated_at AS replied_at, u.display_name AS reply_by
       FROM feedback f JOIN projects p ON p.id = f.project_id
       LEFT JOIN users u ON u.id = f.moderated_by
       WHERE p.slug = :slug AND f.state = 'approved'
         AND f.rating IS NULL  -- ratings (public evaluation, 0014) are published on /disclosure, as ratings
       ORDER BY f.created_at DESC, f.id DESC"""
)


def public_feedback(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """Approved feedback on one project, newest first, with the official reply: no contact, no sender hash."""
    rows = conn.execute(_PUBLIC, {"slug": slug}).all()
    return [
        {
            "id": r.id,
            "text": r.body,
            "point": r.point,
            "created_at": r.created_at.isoformat(),
            "reply": r.reply if r.reply else None,
            "replied_at": r.replied_at.isoformat() if r.reply and r.replied_at else None,
            "reply_by": r.reply_by if r.reply else None,
        }
        for r in rows
    ]


def staff_feedback(
    conn: Connection, principal: Principal, state: StaffFilter = "pending", limit: int = 100
) -> list[dict[str, Any]]:
    """The moderation queue a staff member may act on: everything for planners, their towns for officials.

    Pending messages come oldest first (first in, first answered); the others newest first.
    """
    order = "f.created_at, f.id" if state == "pending" else "f.created_at DESC, f.id DESC"
    rows = conn.execute(
        text(
            f"""SELECT f.id, f.body, f.rating, ST_AsGeoJSON(f.geom)::json AS point, f.contact, f.state, f.created_at,
                       f.moderated_at, u.display_name AS moderated_by, f.reply, f.reject_reason,
                       p.slug, p.name_zh, p.name_en,
                       ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                             WHERE pt.project_id = p.id ORDER BY t.slug) AS towns
                FROM feedback f JOIN projects p ON p.id = f.project_id
                LEFT JOIN users u ON u.id = f.moderated_by
                WHERE (:state = 'all' OR f.state = :state) AND {_STAFF_SCOPE}
                ORDER BY {order} LIMIT :limit"""
        ),
        {"state": state, "limit": limit, **_scope_params(principal)},
    ).all()
    return [
        {
            "id": r.id,
            "project": {"slug": r.slug, "name_zh": r.name_zh, "name_en": r.name_en, "towns": list(r.towns)},
            "text": r.body,
            "rating": r.rating,  # a public evaluation's 1-5 (its text may then be empty)
            "point": r.point,
            "contact": r.contact,
            "status": r.state,
            "created_at": r.created_at.isoformat(),
            "moderated_at": r.moderated_at.isoformat() if r.moderated_at else None,
            "moderated_by": r.moderated_by,
            "reply": r.reply,
            "reject_reason": r.reject_reason,
        }
        for r in rows
    ]


def pending_count(conn: Connection, principal: Principal) -> int:
    """How many messages wait for this staff member (the number beside the moderation link)."""
    count = conn.execute(
        text(
            f"""SELECT count(*) FROM feedback f JOIN projects p ON p.id = f.project_id
                WHERE f.state = 'pending' AND {_STAFF_SCOPE}"""
        ),
        _scope_params(principal),
    ).scalar_one()
    return int(count)


# Writing: submissions and moderation (the rules are in app/feedback/service.py) ----------------

# The first key of PostgreSQL's two-key advisory locks: keeps ours apart from anyone else's.
_LOCK_CLASS = 7_020_701
WINDOW = "1 hour"


def live_project_id(conn: Connection, slug: str) -> int | None:
    """The id of the project with this slug, unless there is none or it is deleted."""
    found = conn.execute(text("SELECT id FROM projects WHERE slug = :s AND deleted_at IS NULL"), {"s": slug}).scalar()
    return None if found is None else int(found)


def point_in_county(conn: Connection, point_geojson: str) -> bool:
    return bool(
        conn.execute(
            text(
                """SELECT EXISTS (SELECT 1 FROM county_boundary
                                  WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)))"""
            ),
            {"g": point_geojson},
        ).scalar_one()
    )


def lock_client(conn: Connection, client: str) -> None:
    """Serialise one client's submissions until the transaction ends (two at once cannot both pass)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:c, hashtext(:h))"), {"c": _LOCK_CLASS, "h": client})


def seconds_until_free_slot(conn: Connection, client: str, per_hour: int) -> float | None:
    """None while the client has sent fewer than `per_hour` messages in the window; else the wait."""
    # The per_hour-th most recent message of the window: once it is older than an hour, a slot is free.
    wait = conn.execute(
        text(
            f"""SELECT EXTRACT(EPOCH FROM created_at + interval '{WINDOW}' - now()) FROM feedback
                WHERE client_hash = :h AND created_at > now() - interval '{WINDOW}'
                ORDER BY created_at DESC OFFSET :n LIMIT 1"""
        ),
        {"h": client, "n": per_hour - 1},
    ).scalar()
    return None if wait is None else float(wait)


def insert_feedback(
    conn: Connection, project_id: int, body: str, point_geojson: str | None, contact: str | None, client: str
) -> Any:
    """Store a pending message; returns its (id, created_at)."""
    return conn.execute(
        text(
            """INSERT INTO feedback (project_id, body, geom, contact, client_hash)
               VALUES (:p, :b, ST_SetSRID(ST_GeomFromGeoJSON(CAST(:g AS text)), 4326), :c, :h)
               RETURNING id, created_at"""
        ),
        {"p": project_id, "b": body, "g": point_geojson, "c": contact, "h": client},
    ).one()


_FOR_MODERATION = text(
    """SELECT f.id, f.state, p.slug,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id) AS towns
       FROM feedback f JOIN projects p ON p.id = f.project_id
       WHERE f.id = :id FOR UPDATE OF f"""
)


def lock_for_moderation(conn: Connection, feedback_id: int) -> Any:
    """The message's state, project and the project's towns, locked; None when there is no such message."""
    return conn.execute(_FOR_MODERATION, {"id": feedback_id}).one_or_none()


def set_moderation(
    conn: Connection, feedback_id: int, state: str, user_id: int, reply: str | None, reason: str | None
) -> None:
    conn.execute(
        text(
            """UPDATE feedback SET state = :s, moderated_at = now(), moderated_by = :u,
                                   reply = :reply, reject_reason = :reason
               WHERE id = :id"""
        ),
        {"s": state, "u": user_id, "reply": reply, "reason": reason, "id": feedback_id},
    )
