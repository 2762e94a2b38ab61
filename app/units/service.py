"""Units: planners add departments, say which units lead and share a project, and who belongs to a department.

Towns are units already (a trigger keeps them in step with `towns`); an official's towns stay in
`user_towns`, so only departments take members here. Every change is audited.
"""

import re
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.core.errors import Conflict, Invalid, NotFound
from app.history import audit
from app.units import queries as q

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(("body", field), message)


def list_units(conn: Connection, kind: str | None = None) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(q.LIST_UNITS, {"kind": kind})]


def _unit(conn: Connection, slug: str) -> Any:
    row = conn.execute(q.UNIT_BY_SLUG, {"s": slug}).one_or_none()
    if row is None:
        raise NotFound(f"no unit '{slug}'")
    return row


def add_department(
    conn: Connection,
    principal: Principal,
    slug: str,
    name_zh: str,
    name_en: str,
    source: str,
    review_required: bool = False,
) -> None:
    """A department a planner adds; `source` says where it comes from (a document, the bureau's own list)."""
    if not SLUG.match(slug):
        raise _invalid("slug", "a slug is lower-case letters and digits joined by single hyphens, e.g. 'jiaotong-ju'")
    if conn.execute(q.UNIT_BY_SLUG, {"s": slug}).one_or_none() is not None:
        raise Conflict(f"a unit '{slug}' already exists")
    for field, value in (("name_zh", name_zh), ("name_en", name_en), ("source", source)):
        if not value.strip():
            raise _invalid(field, f"{field} cannot be empty")
    conn.execute(
        q.INSERT_DEPARTMENT,
        {"slug": slug, "name_zh": name_zh, "name_en": name_en, "review_required": review_required, "source": source},
    )
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="create", object_type="unit",
                 object_key=slug, changes={"name_zh": name_zh, "name_en": name_en, "source": source,
                                           "review_required": review_required})  # fmt: skip


def update_department(conn: Connection, principal: Principal, slug: str, changes: dict[str, Any]) -> None:
    unit = _unit(conn, slug)
    if unit.kind != "department":
        raise Conflict(f"'{slug}' is a town: change its review setting with `planmap towns review`")
    params = {"slug": slug, "name_zh": None, "name_en": None, "review_required": None, **changes}
    conn.execute(q.UPDATE_DEPARTMENT, params)
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="update", object_type="unit",
                 object_key=slug, changes=changes)  # fmt: skip


def project_units(conn: Connection, project: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(q.PROJECT_UNITS, {"s": project})]


def set_project_units(
    conn: Connection, principal: Principal, project: str, lead: str | None, others: list[str]
) -> list[dict[str, Any]]:
    """Replace a project's units: at most one lead, any number of others (a unit is listed once)."""
    project_id = conn.execute(q.LIVE_PROJECT_ID, {"s": project}).scalar()
    if project_id is None:
        raise NotFound(f"no project '{project}'")
    wanted = ([lead] if lead else []) + others
    if len(set(wanted)) != len(wanted):
        raise _invalid("others", "a unit is listed once (the lead is not repeated among the others)")
    ids = dict(conn.execute(q.UNIT_IDS, {"slugs": wanted}).tuples().all())
    if unknown := [u for u in wanted if u not in ids]:
        raise _invalid("lead" if lead in unknown else "others", f"unknown unit(s): {', '.join(unknown)}")
    before = project_units(conn, project)
    conn.execute(q.CLEAR_PROJECT_UNITS, {"p": project_id})
    for slug in wanted:
        conn.execute(q.ADD_PROJECT_UNIT, {"p": project_id, "u": ids[slug], "lead": slug == lead})
    after = project_units(conn, project)
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="set_units",
                 object_type="project", object_key=project,
                 changes={"units": {"old": before, "new": after}})  # fmt: skip
    return after


def _user_id(conn: Connection, username: str) -> int:
    user_id = conn.execute(q.USER_ID, {"u": username}).scalar()
    if user_id is None:
        raise NotFound(f"no user '{username}'")
    return int(user_id)


def set_member(conn: Connection, actor: str, actor_id: int | None, unit: str, username: str, member: bool) -> None:
    """Add or remove a user from a department (towns: `planmap users assign-town`)."""
    row = _unit(conn, unit)
    if row.kind != "department":
        raise Conflict(f"'{unit}' is a town: assign towns with `planmap users assign-town`")
    user_id = _user_id(conn, username)
    conn.execute(q.ADD_MEMBER if member else q.REMOVE_MEMBER, {"user": user_id, "unit": row.id})
    audit.record(conn, actor=actor, user_id=actor_id, action="add_member" if member else "remove_member",
                 object_type="unit", object_key=unit, changes={"user": username})  # fmt: skip


def members(conn: Connection, unit: str) -> list[dict[str, Any]]:
    row = _unit(conn, unit)
    return [dict(r._mapping) for r in conn.execute(q.MEMBERS, {"unit": row.id})]
