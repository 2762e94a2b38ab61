"""Supervision tickets (督办): open, answer, close, reopen; each in the caller's transaction.

Every step is a row of the ticket's thread (who, when, what: shown on the project's ticket page
and API), an audit row (object type `supervision_ticket`, naming the project), and messages in
the outbox (the unit's robot and officials when a ticket is opened, reopened or closed; the
planner who opened it, and the planners, when the unit answers), all in the same transaction.
The audit rows are deliberately not of object type `project`: the project's history is public,
and a ticket's request and answers are the bureau's internal business (nor should a
subscriber's digest count them as changes).

Who sees a ticket is one rule, in SQL (app.auth.scope_queries), carried by every query here that
reads or locks one: a ticket the caller may not see is "no supervision ticket N" (404), whatever the
caller then meant to do with it; one they see but may not act on is 403.
"""

from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.auth.scope_queries import ticket_scope
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.history import audit
from app.notify.outbox import Notice, enqueue, staff_destinations, unit_destinations
from app.photos import service as photos
from app.supervision import queries as sql

MAX_TEXT = 4000


def _ticket(conn: Connection, principal: Principal, ticket_id: int, today: date, remind_days: int) -> dict[str, Any]:
    params = {"id": ticket_id, "today": today, "remind_days": remind_days, **ticket_scope(principal)}
    row = conn.execute(sql.TICKET, params).mappings().first()
    if row is None:  # never issued, or not the caller's to see: the same answer (ids tell nothing)
        raise NotFound(f"no supervision ticket {ticket_id}")
    return _public(dict(row))


def ticket(conn: Connection, principal: Principal, ticket_id: int, today: date, remind_days: int) -> dict[str, Any]:
    """One ticket with its thread, when the caller may see it (app.auth.scope_queries); else 404."""
    return _ticket(conn, principal, ticket_id, today, remind_days)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("report_month", "deadline", "opened_at", "closed_at"):
        if row.get(key) is not None:
            row[key] = row[key].isoformat()
    if row.get("report_month"):
        row["report_month"] = row["report_month"][:7]
    return row


def tickets_of_project(
    conn: Connection, principal: Principal, slug: str, today: date, remind_days: int
) -> list[dict[str, Any]]:
    """The project's tickets the caller may see (a project is public: an official of another unit gets none)."""
    if conn.execute(sql.PROJECT, {"slug": slug}).first() is None:
        raise NotFound(f"no project '{slug}'")
    params = {"slug": slug, "today": today, "remind_days": remind_days, **ticket_scope(principal)}
    return [_public(dict(r)) for r in conn.execute(sql.PROJECT_TICKETS, params).mappings()]


def project_summary(conn: Connection, principal: Principal, slug: str, today: date, remind_days: int) -> dict[str, int]:
    """How many of the project's tickets the caller may see wait on someone, and how many of those are
    overdue or due soon (for the flag on the project page; the same flags as the API's)."""
    rows = tickets_of_project(conn, principal, slug, today, remind_days)
    flags = [row["flag"] for row in rows]
    return {
        "waiting": sum(row["state"] != "closed" for row in rows),
        "overdue": flags.count("overdue"),
        "due_soon": flags.count("due_soon"),
    }


def tickets(
    conn: Connection, principal: Principal, today: date, remind_days: int, include_closed: bool, limit: int
) -> list[dict[str, Any]]:
    """The tickets the caller may see: planners every ticket; officials those addressed to their units and
    those on the projects they act for."""
    params = {"today": today, "remind_days": remind_days, "include_closed": include_closed, "limit": limit,
              **ticket_scope(principal)}  # fmt: skip
    return [_public(dict(r)) for r in conn.execute(sql.TICKETS, params).mappings()]


def _planner_only(principal: Principal, what: str) -> None:
    if not principal.edits_everywhere:
        raise Forbidden(f"only planners may {what} a supervision ticket")


def _link(public_url: str, slug: str) -> str:
    return f"{public_url}/projects/{slug}/tickets"


def open_ticket(
    conn: Connection,
    principal: Principal,
    *,
    slug: str,
    unit: str,
    request: str,
    deadline: date,
    report_month: date | None,
    today: date,
    remind_days: int,
    public_url: str,
) -> dict[str, Any]:
    _planner_only(principal, "open")
    project = conn.execute(sql.PROJECT, {"slug": slug}).mappings().first()
    if project is None:
        raise NotFound(f"no project '{slug}'")
    target = conn.execute(sql.UNIT, {"slug": unit}).mappings().first()
    if target is None:
        raise NotFound(f"no unit '{unit}'")
    if deadline < today:
        raise Invalid(("body", "deadline"), f"the deadline {deadline} is already past (today is {today})")
    ticket_id = conn.execute(
        sql.INSERT_TICKET,
        {"project_id": project["id"], "unit_id": target["id"], "report_month": report_month, "request": request,
         "deadline": deadline, "user_id": principal.user_id},
    ).scalar_one()  # fmt: skip
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="ticket_open",
                 object_type="supervision_ticket", object_key=str(ticket_id),
                 changes={"project": slug, "unit": unit, "deadline": deadline, "request": request,
                          "report_month": report_month})  # fmt: skip
    notice = Notice(
        subject_zh=f"督办:{project['name_zh']}(请于 {deadline} 前答复)",
        body_zh=f"{target['name_zh']}:\n{request}\n\n答复期限:{deadline}",
        subject_en=f"Supervision: {project['name_en']} (answer by {deadline})",
        body_en=f"{target['name_en']}:\n{request}\n\nAnswer by: {deadline}",
        link=_link(public_url, slug),
    )
    enqueue(conn, event="ticket.opened", key=f"ticket:{ticket_id}:opened", notice=notice,
            destinations=unit_destinations(conn, int(target["id"])))  # fmt: skip
    return _ticket(conn, principal, ticket_id, today, remind_days)


def _locked(conn: Connection, principal: Principal, ticket_id: int) -> dict[str, Any]:
    """The ticket, locked; 404 when it does not exist or the caller may not see it (the same answer)."""
    row = conn.execute(sql.LOCK_TICKET, {"id": ticket_id, **ticket_scope(principal)}).mappings().first()
    if row is None:
        raise NotFound(f"no supervision ticket {ticket_id}")
    return dict(row)


def _entry(conn: Connection, ticket_id: int, kind: str, body: str, principal: Principal) -> int:
    return int(
        conn.execute(
            sql.INSERT_ENTRY, {"ticket_id": ticket_id, "kind": kind, "body": body, "user_id": principal.user_id}
        ).scalar_one()
    )


def _answerable(conn: Connection, principal: Principal, ticket_id: int) -> dict[str, Any]:
    """The ticket, locked, once it is clear that `principal` may answer it now (its unit's official, not closed).

    A ticket the caller may not even see is 404; one they see but is not addressed to them (a planner, an
    official of the project's town when a department is asked) is 403."""
    ticket = _locked(conn, principal, ticket_id)
    if ticket["unit"] not in principal.units:
        raise Forbidden(f"ticket {ticket_id} is addressed to {ticket['unit']}, which you do not act for")
    if ticket["state"] == "closed":
        raise Conflict(f"ticket {ticket_id} is closed; a planner may reopen it")
    return ticket


def answer_photo(conn: Connection, principal: Principal, ticket_id: int, photo: photos.PhotoIn) -> dict[str, Any]:
    """A photo for an answer, uploaded before the answer that shows it (a phone sends one at a time).

    Whoever may answer the ticket may add it, even when their unit is not the project's own; it goes
    through the one photo pipeline (re-encoded, no EXIF) and stays staff-only, like any photo no
    approved report shows."""
    ticket = _answerable(conn, principal, ticket_id)
    return photos.store(conn, principal, int(ticket["project_id"]), str(ticket["project"]), photo)


def answer(
    conn: Connection,
    principal: Principal,
    ticket_id: int,
    body: str,
    photo_ids: list[int],
    *,
    today: date,
    remind_days: int,
    public_url: str,
) -> dict[str, Any]:
    """The unit's answer, by one of its officials; the planners are told."""
    ticket = _answerable(conn, principal, ticket_id)
    found = set(conn.execute(sql.PROJECT_PHOTOS, {"ids": photo_ids, "slug": ticket["project"]}).scalars())
    if missing := sorted(set(photo_ids) - found):
        raise Invalid(("body", "photo_ids"), f"no photo {missing} of project {ticket['project']}")
    entry_id = _entry(conn, ticket_id, "answer", body, principal)
    if photo_ids:
        conn.execute(sql.LINK_PHOTOS, {"entry_id": entry_id, "ids": sorted(found)})
    conn.execute(sql.SET_STATE, {"id": ticket_id, "state": "answered", "deadline": None})
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="ticket_answer",
                 object_type="supervision_ticket", object_key=str(ticket_id),
                 changes={"project": ticket["project"], "answer": body, "photos": sorted(found)})  # fmt: skip
    notice = Notice(
        subject_zh=f"督办已答复:{ticket['project_zh']}",
        body_zh=f"{principal.display_name} 答复:\n{body}",
        subject_en=f"Supervision answered: {ticket['project_en']}",
        body_en=f"{principal.display_name} answered:\n{body}",
        link=_link(public_url, ticket["project"]),
    )
    destinations = staff_destinations(conn, ["planner"])
    if ticket["opened_by"] is not None:
        destinations += list(conn.execute(sql.USER_DESTINATIONS, {"user_id": ticket["opened_by"]}).scalars())
    enqueue(conn, event="ticket.answered", key=f"ticket:{ticket_id}:answered:{entry_id}", notice=notice,
            destinations=sorted(set(destinations)))  # fmt: skip
    return _ticket(conn, principal, ticket_id, today, remind_days)


def close(
    conn: Connection, principal: Principal, ticket_id: int, note: str, *, today: date, remind_days: int, public_url: str
) -> dict[str, Any]:
    ticket = _locked(conn, principal, ticket_id)
    _planner_only(principal, "close")
    if ticket["state"] == "closed":
        raise Conflict(f"ticket {ticket_id} is already closed")
    entry_id = _entry(conn, ticket_id, "close", note, principal)
    conn.execute(sql.SET_STATE, {"id": ticket_id, "state": "closed", "deadline": None})
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="ticket_close",
                 object_type="supervision_ticket", object_key=str(ticket_id),
                 changes={"project": ticket["project"], "note": note})  # fmt: skip
    notice = Notice(
        subject_zh=f"督办已办结:{ticket['project_zh']}",
        body_zh=note or "已办结。",
        subject_en=f"Supervision closed: {ticket['project_en']}",
        body_en=note or "Closed.",
        link=_link(public_url, ticket["project"]),
    )
    enqueue(conn, event="ticket.closed", key=f"ticket:{ticket_id}:closed:{entry_id}", notice=notice,
            destinations=unit_destinations(conn, int(ticket["unit_id"])))  # fmt: skip
    return _ticket(conn, principal, ticket_id, today, remind_days)


def reopen(
    conn: Connection,
    principal: Principal,
    ticket_id: int,
    reason: str,
    deadline: date | None,
    *,
    today: date,
    remind_days: int,
    public_url: str,
) -> dict[str, Any]:
    """Back to the unit (an answer that does not settle it, or a closed matter that came back)."""
    ticket = _locked(conn, principal, ticket_id)
    _planner_only(principal, "reopen")
    if ticket["state"] == "open":
        raise Conflict(f"ticket {ticket_id} is already open")
    if deadline is not None and deadline < today:
        raise Invalid(("body", "deadline"), f"the deadline {deadline} is already past (today is {today})")
    entry_id = _entry(conn, ticket_id, "reopen", reason, principal)
    conn.execute(sql.SET_STATE, {"id": ticket_id, "state": "open", "deadline": deadline})
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="ticket_reopen",
                 object_type="supervision_ticket", object_key=str(ticket_id),
                 changes={"project": ticket["project"], "reason": reason, "deadline": deadline})  # fmt: skip
    new_deadline = deadline or ticket["deadline"]
    notice = Notice(
        subject_zh=f"督办重新打开:{ticket['project_zh']}(请于 {new_deadline} 前答复)",
        body_zh=reason,
        subject_en=f"Supervision reopened: {ticket['project_en']} (answer by {new_deadline})",
        body_en=reason,
        link=_link(public_url, ticket["project"]),
    )
    enqueue(conn, event="ticket.reopened", key=f"ticket:{ticket_id}:reopened:{entry_id}", notice=notice,
            destinations=unit_destinations(conn, int(ticket["unit_id"])))  # fmt: skip
    return _ticket(conn, principal, ticket_id, today, remind_days)


def units_for_project(conn: Connection, slug: str) -> list[dict[str, Any]]:
    """The units a ticket on `slug` may be addressed to, its lead unit first (for the page's form)."""
    return [dict(r) for r in conn.execute(sql.UNITS_FOR_PROJECT, {"slug": slug}).mappings()]


def project_names(conn: Connection, slug: str) -> dict[str, Any] | None:
    row = conn.execute(sql.PROJECT, {"slug": slug}).mappings().first()
    return dict(row) if row else None
