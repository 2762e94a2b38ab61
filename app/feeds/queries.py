"""Which audit rows a feed shows: the scope (plan, project, town, category) and its labels.

Only live projects appear: a soft-deleted project and its whole history are hidden, as on
every other public read. Town and category feeds follow a project while it was in that town
or category, as the history recorded it: a project that moved from Xingzi to Lianzhou has its
life up to and including the move in Xingzi's feed, and from the move on in Lianzhou's.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.feeds.describe import PUBLIC_ACTIONS, Change, Labels
from app.web.i18n import Lang

ScopeKind = Literal["plan", "project", "town", "category"]


@dataclass(frozen=True)
class Scope:
    """What a feed follows; `name_zh`/`name_en` name it in titles (empty for the whole plan)."""

    kind: ScopeKind
    key: str = ""
    name_zh: str = ""
    name_en: str = ""

    def name(self, lang: Lang) -> str:
        return self.name_en if lang == "en" else self.name_zh


def _as_recorded(field: str) -> str:
    """The value `field` had right after audit row `a`: the newest value written for it up to that row."""
    return f"""(SELECT b.changes -> '{field}' -> 'new' FROM audit_log b
                WHERE b.object_type = 'project' AND b.object_key = a.object_key AND b.id <= a.id
                  AND b.changes -> '{field}' ? 'new'
                ORDER BY b.id DESC LIMIT 1)"""


_CURRENT_TOWNS = """(SELECT jsonb_agg(t.slug) FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id)"""

# A change belongs to a town's (a category's) feed when the project was in that town (category) just before
# or just after it, as the history itself recorded; rows older than any such record fall back to today's.
_SCOPE_SQL: dict[ScopeKind, str] = {
    "plan": "TRUE",
    "project": "p.slug = :key",
    "town": f"""(coalesce({_as_recorded("towns")}, {_CURRENT_TOWNS}) ? :key
                 OR a.changes -> 'towns' -> 'old' ? :key)""",
    "category": f"""(coalesce({_as_recorded("category")}, to_jsonb(p.category)) = to_jsonb(CAST(:key AS text))
                     OR a.changes -> 'category' ->> 'old' = :key)""",
}

_LOOKUP_SQL: dict[ScopeKind, str] = {
    "project": "SELECT name_zh, name_en FROM projects WHERE slug = :key AND deleted_at IS NULL",
    "town": "SELECT name_zh, name_en FROM towns WHERE slug = :key",
    "category": "SELECT label_zh, label_en FROM project_categories WHERE code = :key",
}


async def find_scope(conn: AsyncConnection, kind: ScopeKind, key: str = "") -> Scope | None:
    """The scope with its names, or None when the project, town or category does not exist (or is deleted)."""
    if kind == "plan":
        return Scope("plan")
    row = (await conn.execute(text(_LOOKUP_SQL[kind]), {"key": key})).one_or_none()
    return None if row is None else Scope(kind, key, str(row[0]), str(row[1]))


async def load_changes(conn: AsyncConnection, scope: Scope, limit: int) -> list[Change]:
    """The newest `limit` public changes in the scope, newest first."""
    rows = await conn.execute(
        text(
            f"""SELECT a.id, a.occurred_at, a.actor, a.action, a.changes, a.note,
                       p.slug, p.name_zh, p.name_en, p.category, p.sensitive
                FROM audit_log a JOIN projects p ON p.slug = a.object_key
                WHERE a.object_type = 'project' AND a.action = ANY(:actions) AND p.deleted_at IS NULL
                  AND {_SCOPE_SQL[scope.kind]}
                ORDER BY a.occurred_at DESC, a.id DESC
                LIMIT :limit"""
        ),
        {"actions": list(PUBLIC_ACTIONS), "key": scope.key, "limit": limit},
    )
    return [change for change in (_change(r._mapping) for r in rows) if change.is_public()]


def _change(row: Any) -> Change:
    changes = row["changes"] if isinstance(row["changes"], dict) else {}
    occurred: datetime = row["occurred_at"]
    return Change(
        id=int(row["id"]),
        occurred_at=occurred,
        actor=str(row["actor"]),
        action=str(row["action"]),
        changes=changes,
        note=row["note"],
        slug=str(row["slug"]),
        name_zh=str(row["name_zh"]),
        name_en=str(row["name_en"]),
        category=str(row["category"]),
        sensitive=bool(row["sensitive"]),
    )


async def load_labels(conn: AsyncConnection, lang: Lang) -> Labels:
    """Status, category and town names in `lang`, from the tables that are their one source."""
    label, name = ("label_en", "name_en") if lang == "en" else ("label_zh", "name_zh")
    statuses = await conn.execute(text(f"SELECT code, {label} FROM project_statuses"))
    categories = await conn.execute(text(f"SELECT code, {label} FROM project_categories"))
    towns = await conn.execute(text(f"SELECT slug, {name} FROM towns"))
    return Labels(
        lang=lang,
        statuses={str(r[0]): str(r[1]) for r in statuses},
        categories={str(r[0]): str(r[1]) for r in categories},
        towns={str(r[0]): str(r[1]) for r in towns},
    )
