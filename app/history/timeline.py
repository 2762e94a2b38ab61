"""A project's history for one viewer: typed entries with the visibility rule applied once, here.

Three surfaces show history (the JSON API, the project page, the Atom feeds). Each used to read
the audit log itself and hide something different for a sensitive site; now each only renders
what this module returns, so a field is either visible to a viewer everywhere or nowhere.

The rule (fields from app.catalog.fields):
- staff with rights over the project (planners, admins, the officials of its towns and of its
  responsible units) see every change;
- everyone else never sees the changes of `staff_only` fields, and for a sensitive site (shown to
  the public only at its town seat) not the changes of fields that `reveal_location` either: not
  where it moved, not how precisely it is known, not the note describing its place. The rule
  reads the project's sensitivity today, so once a site is marked sensitive its earlier places
  disappear from public histories too.
An edit that touched only hidden fields, with no note, is left out for that viewer: an entry
that says nothing would only puzzle, and its mere existence would tell that something hidden moved.

The steps of a project's supervision tickets (督办: opened, answered, closed, reopened) are the
bureau's internal business: a project's history carries them only for a signed-in reader who may
read the ticket — a planner or admin, an official who may act for the project (its towns, its
responsible departments), or an official of the unit the ticket is addressed to — the one rule of
app.auth.scope_queries, applied by the query (app.history.queries). The public page shows no ticket,
so the public's history shows none either; nor do the feeds, nor a stale writer's list of changes
(those are about versions).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from app.auth.principal import Principal
from app.auth.scope_queries import ticket_scope
from app.catalog.fields import REVEALS_LOCATION, STAFF_ONLY, reading_order
from app.history import queries
from app.history.queries import ScopeKind

# Actions that are public changes of a project. Anything else the audit log may learn later (a held
# proposal, say) stays out of the feeds until someone decides it is public.
PUBLIC_ACTIONS = ("create", "update", "status", "delete", "restore")
# The audited steps of a supervision ticket (app.supervision.service), shown in staff histories.
TICKET_ACTIONS = ("ticket_open", "ticket_answer", "ticket_close", "ticket_reopen")
# Actions whose entry is about its changed fields; the others (create, delete, restore) say what happened.
_FIELD_ACTIONS = ("update", "status")


@dataclass(frozen=True)
class Viewer:
    """Who reads a history. `writer` is a writer already allowed to change the project (a 412's reader)."""

    principal: Principal | None = None
    writer: bool = False

    def sees_everything(self, towns: Iterable[str], units: Iterable[str] = ()) -> bool:
        """Staff with rights over a project in `towns` with responsible `units`: the rule that lets them edit
        and report on it (`Principal.may_act_for`), so an official of its lead or other department sees
        what its town's officials see; an official of another town or department reads as the public does."""
        return self.writer or (self.principal is not None and self.principal.may_act_for(set(towns), set(units)))

    @property
    def ticket_scope(self) -> dict[str, Any] | None:
        """What a history read for this viewer fetches of ticket steps: those of the tickets a signed-in
        person may read (app.auth.scope_queries), none for anyone else."""
        return None if self.principal is None else ticket_scope(self.principal)


PUBLIC = Viewer()
WRITER = Viewer(writer=True)


def hidden_fields(*, sees_everything: bool, sensitive: bool) -> frozenset[str]:
    """THE visibility rule: the fields whose changes this viewer may not see."""
    if sees_everything:
        return frozenset()
    return STAFF_ONLY | (REVEALS_LOCATION if sensitive else frozenset())


def is_transition(value: Any) -> bool:
    """A change recorded as old → new (others are facts of the entry, such as a status's effective date)."""
    return isinstance(value, dict) and ("old" in value or "new" in value)


@dataclass(frozen=True)
class TicketRef:
    """The supervision ticket an entry is a step of, and the unit it is addressed to."""

    id: int
    unit: str
    unit_zh: str
    unit_en: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit, "unit_zh": self.unit_zh, "unit_en": self.unit_en}


@dataclass(frozen=True)
class Entry:
    """One audit row of a project as a viewer may see it; `changes` holds only the visible fields,
    in their stored form (renderers turn them into words)."""

    id: int
    at: datetime
    actor: str  # the username, as the audit log recorded it
    actor_name: str | None  # the user's display name today, when the writer was a user
    action: str
    version: int | None
    note: str | None
    changes: dict[str, Any]
    slug: str
    name_zh: str
    name_en: str
    category: str
    ticket: TicketRef | None = None  # set on the steps of a supervision ticket (staff only)

    def changed_fields(self) -> list[str]:
        """The fields that went from one value to another, in reading order."""
        return reading_order([n for n, v in self.changes.items() if is_transition(v)])

    def facts(self) -> list[tuple[str, Any]]:
        """The entry's other recorded values (effective date, reason, merged into), by name."""
        return sorted((n, v) for n, v in self.changes.items() if not is_transition(v))

    def as_json(self) -> dict[str, Any]:
        """The API's form of an entry (`GET /api/projects/{slug}/history`, a 412's `changes_since`)."""
        entry = {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "actor_name": self.actor_name,  # the person, for a page to name (the account is `actor`)
            "action": self.action,
            "version": self.version,
            "changes": self.changes,
            "note": self.note,
        }
        if self.ticket is not None:  # a supervision ticket's step; the other entries keep their old shape
            entry["ticket"] = self.ticket.as_json()
        return entry


def _entry(row: Row[Any], viewer: Viewer) -> Entry | None:
    """The row as `viewer` may see it, or None when nothing of it is left to say."""
    ticket = _ticket_of(row)  # only the tickets the viewer may read were fetched (app.history.queries)
    stored: dict[str, Any] = row.changes if isinstance(row.changes, dict) else {}
    staff = viewer.sees_everything(row.towns, row.units or ())
    hidden = hidden_fields(sees_everything=staff, sensitive=bool(row.sensitive))
    changes = {name: value for name, value in stored.items() if name not in hidden}
    if row.action in _FIELD_ACTIONS and stored and not changes and not row.note:
        return None
    return Entry(
        id=int(row.id),
        at=row.occurred_at,
        actor=str(row.actor),
        actor_name=row.actor_name,
        action=str(row.action),
        version=row.object_version,
        note=row.note,
        changes=changes,
        slug=str(row.slug),
        name_zh=str(row.name_zh),
        name_en=str(row.name_en),
        category=str(row.category),
        ticket=ticket,
    )


def _ticket_of(row: Row[Any]) -> TicketRef | None:
    """The ticket a row is a step of (rows read with tickets carry `ticket_id`; the others have none)."""
    ticket_id = getattr(row, "ticket_id", None)
    if ticket_id is None:
        return None
    return TicketRef(int(ticket_id), str(row.ticket_unit), str(row.ticket_unit_zh), str(row.ticket_unit_en))


def _entries(rows: list[Row[Any]], viewer: Viewer) -> list[Entry]:
    return [entry for entry in (_entry(row, viewer) for row in rows) if entry is not None]


def project_history(conn: Connection, slug: str, viewer: Viewer, after_version: int = 0) -> list[Entry]:
    """A project's history, oldest first, from the version after `after_version` on."""
    return _entries(queries.project_rows(conn, slug, after_version, tickets=viewer.ticket_scope), viewer)


def recent_project_history(conn: Connection, slug: str, viewer: Viewer, limit: int = 50) -> list[Entry]:
    """A project's newest entries, newest first: the page shows the latest `limit`."""
    return _entries(queries.newest_project_rows(conn, slug, limit, tickets=viewer.ticket_scope), viewer)


def scope_history(conn: Connection, kind: ScopeKind, key: str, limit: int, plan: str | None = None) -> list[Entry]:
    """The newest public changes of live projects in a scope (for the feeds), newest first; a scope other
    than one project's follows the projects of `plan` (None: the plan in force today).

    Always the public's view: a feed is public, cached by proxies, and has no reader to ask."""
    return _entries(queries.scope_rows(conn, kind, key, PUBLIC_ACTIONS, limit, plan), PUBLIC)


def is_live(conn: Connection, slug: str) -> bool:
    """Whether the project exists and is not deleted (only then does it have a public history)."""
    return queries.live_project(conn, slug) is not None
