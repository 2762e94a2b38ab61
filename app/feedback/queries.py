"""Reading feedback: the public list of a project (approved, never the contact) and the staff queue.

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
            f"""SELECT f.id, f.body, ST_AsGeoJSON(f.geom)::json AS point, f.contact, f.state, f.created_at,
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
