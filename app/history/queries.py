"""The SQL that reads project history out of the audit log: one project's, or a feed scope's.

Rows come back raw (stored field names and values); what a viewer may see of them is decided
once, in app.history.timeline. Each row carries the facts that decision needs (whether the
project is a sensitive site, its towns and responsible units), so no reader has to look them up again.

Only live projects have a public history: a soft-deleted project and its whole history are
hidden, as on every other read (scopes filter them out; a single project's caller checks first).
Town and category scopes follow a project while it was in that town or category, as the history
recorded it: a project that moved from Xingzi to Lianzhou has its life up to and including the
move in Xingzi's feed, and from the move on in Lianzhou's.

A project's own history may also carry the steps of its supervision tickets (audited as object
type `supervision_ticket`, found through the ticket's project, so a later rename of the slug does
not lose them), each with the addressed unit, and only those of the tickets the reader may see: the
one rule of app.auth.scope_queries, applied here in the query like on every other read of tickets
(so a page's "newest 50" are 50 the reader may see). Feeds never read them.
"""

from typing import Any, Literal

from sqlalchemy import Connection, Row, text

from app.auth.scope_queries import ticket_visible
from app.core import clock
from app.queries.plan_scope import CHOSEN_PLAN_ID, reference_params

ScopeKind = Literal["plan", "project", "town", "category"]

_PROJECT_TOWNS = """ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                          WHERE pt.project_id = p.id ORDER BY t.slug)"""
_PROJECT_UNITS = """ARRAY(SELECT n.slug FROM project_units pu JOIN units n ON n.id = pu.unit_id
                          WHERE pu.project_id = p.id ORDER BY n.slug)"""

# What every history row carries: the audit row, who wrote it by name, and the project's facts.
_COLUMNS = f"""a.id, a.occurred_at, a.actor, a.action, a.object_version, a.changes, a.note,
               (SELECT u.display_name FROM users u WHERE u.id = a.user_id) AS actor_name,
               p.slug, p.name_zh, p.name_en, p.category, p.sensitive, {_PROJECT_TOWNS} AS towns,
               {_PROJECT_UNITS} AS units"""
# A feed is always read as the public reads it: no reader's rights to check against the towns or units, and no
# display names (a feed names the account). Leaving both out saves two subqueries per entry.
_PUBLIC_COLUMNS = """a.id, a.occurred_at, a.actor, a.action, a.object_version, a.changes, a.note,
                     NULL AS actor_name, p.slug, p.name_zh, p.name_en, p.category, p.sensitive,
                     NULL AS towns, NULL AS units"""

_NO_TICKET = "NULL::int AS ticket_id, NULL AS ticket_unit, NULL AS ticket_unit_zh, NULL AS ticket_unit_en"
_PROJECT_ROWS = f"""SELECT {_COLUMNS}, {_NO_TICKET}
        FROM audit_log a JOIN projects p ON p.slug = a.object_key
        WHERE a.object_type = 'project' AND a.object_key = :slug"""
# The steps of the project's supervision tickets (opened, answered, closed, reopened), with the unit addressed.
_TICKET_ROWS = f"""SELECT {_COLUMNS}, t.id AS ticket_id, un.slug AS ticket_unit, un.name_zh AS ticket_unit_zh,
               un.name_en AS ticket_unit_en
        FROM projects p
        JOIN supervision_tickets t ON t.project_id = p.id
        JOIN units un ON un.id = t.unit_id
        JOIN audit_log a ON a.object_type = 'supervision_ticket' AND a.object_key = CAST(t.id AS text)
        WHERE p.slug = :slug AND {ticket_visible("p", "un")}"""

_PROJECT = text(_PROJECT_ROWS + " AND coalesce(a.object_version, 1) > :after ORDER BY a.id")
_PROJECT_AND_TICKETS = text(f"({_PROJECT_ROWS}) UNION ALL ({_TICKET_ROWS}) ORDER BY id")

_PROJECT_NEWEST = text(_PROJECT_ROWS + " ORDER BY a.occurred_at DESC, a.id DESC LIMIT :limit")
_PROJECT_AND_TICKETS_NEWEST = text(
    f"({_PROJECT_ROWS}) UNION ALL ({_TICKET_ROWS}) ORDER BY occurred_at DESC, id DESC LIMIT :limit"
)

_LIVE_PROJECT = text(
    f"SELECT p.sensitive, {_PROJECT_TOWNS} AS towns FROM projects p WHERE p.slug = :slug AND p.deleted_at IS NULL"
)


def _as_recorded(field: str) -> str:
    """The value `field` had right after audit row `a`: the newest value written for it up to that row."""
    return f"""(SELECT b.changes -> '{field}' -> 'new' FROM audit_log b
                WHERE b.object_type = 'project' AND b.object_key = a.object_key AND b.id <= a.id
                  AND b.changes -> '{field}' ? 'new'
                ORDER BY b.id DESC LIMIT 1)"""


_CURRENT_TOWNS = """(SELECT jsonb_agg(t.slug) FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id)"""

# A change belongs to a town's (a category's) scope when the project was in that town (category) just
# before or just after it, as the history itself recorded; rows older than any such record fall back to today's.
_SCOPE_SQL: dict[ScopeKind, str] = {
    "plan": "TRUE",
    "project": "p.slug = :key",
    "town": f"""(coalesce({_as_recorded("towns")}, {_CURRENT_TOWNS}) ? :key
                 OR a.changes -> 'towns' -> 'old' ? :key)""",
    "category": f"""(coalesce({_as_recorded("category")}, to_jsonb(p.category)) = to_jsonb(CAST(:key AS text))
                     OR a.changes -> 'category' ->> 'old' = :key)""",
}


def live_project(conn: Connection, slug: str) -> Row[Any] | None:
    """(sensitive, towns) of a live project, or None: a history is only asked of a project that exists."""
    return conn.execute(_LIVE_PROJECT, {"slug": slug}).one_or_none()


def project_rows(
    conn: Connection, slug: str, after_version: int = 0, tickets: dict[str, Any] | None = None
) -> list[Row[Any]]:
    """A project's audit rows, oldest first, from the version after `after_version` on; with `tickets`
    (the whole history only: a reader's `ticket_scope`), the steps of the supervision tickets they may see too.

    Deleted or not: restoring a deleted project shows a stale writer what changed meanwhile.
    Public readers check `live_project` first."""
    if tickets is not None and after_version == 0:
        return list(conn.execute(_PROJECT_AND_TICKETS, {"slug": slug, **tickets}))
    return list(conn.execute(_PROJECT, {"slug": slug, "after": after_version}))


def newest_project_rows(
    conn: Connection, slug: str, limit: int, tickets: dict[str, Any] | None = None
) -> list[Row[Any]]:
    """A project's newest `limit` audit rows, newest first: what its page has room for (the page knows it is live);
    with `tickets` (a reader's `ticket_scope`), the steps of the supervision tickets they may see among them."""
    if tickets is None:
        return list(conn.execute(_PROJECT_NEWEST, {"slug": slug, "limit": limit}))
    return list(conn.execute(_PROJECT_AND_TICKETS_NEWEST, {"slug": slug, "limit": limit, **tickets}))


# A plan's, town's or category's feed follows the projects of one plan (app.queries.plan_scope): the one
# named, else the plan in force today. A project's own feed is its one history, whatever plans it is in.
_IN_PLAN = f"""EXISTS (SELECT 1 FROM plan_projects pp WHERE pp.project_id = p.id AND pp.plan_id = {CHOSEN_PLAN_ID})"""


def scope_rows(
    conn: Connection, kind: ScopeKind, key: str, actions: tuple[str, ...], limit: int, plan: str | None = None
) -> list[Row[Any]]:
    """The newest `limit` audit rows of live projects in the scope with one of `actions`, newest first,
    with what the public's view needs (see `_PUBLIC_COLUMNS`)."""
    in_plan = "TRUE" if kind == "project" else _IN_PLAN
    sql = f"""SELECT {_PUBLIC_COLUMNS}
              FROM audit_log a JOIN projects p ON p.slug = a.object_key
              WHERE a.object_type = 'project' AND a.action = ANY(:actions) AND p.deleted_at IS NULL
                AND {_SCOPE_SQL[kind]} AND {in_plan}
              ORDER BY a.occurred_at DESC, a.id DESC
              LIMIT :limit"""
    params = {"actions": list(actions), "key": key, "limit": limit, **reference_params(plan, clock.today())}
    return list(conn.execute(text(sql), params))
