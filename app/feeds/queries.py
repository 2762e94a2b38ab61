"""What a feed follows (plan, project, town, category) and the words for its codes.

The changes themselves, and what the public may see of them, come from app.history.timeline
(whose queries decide which audit rows belong to a town's or a category's feed).
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Lang
from app.feeds.describe import Labels
from app.history import timeline
from app.history.queries import ScopeKind
from app.history.timeline import Entry

__all__ = ["Scope", "ScopeKind", "find_scope", "load_changes", "load_labels"]


@dataclass(frozen=True)
class Scope:
    """What a feed follows; `name_zh`/`name_en` name it in titles (empty for the whole plan)."""

    kind: ScopeKind
    key: str = ""
    name_zh: str = ""
    name_en: str = ""

    def name(self, lang: Lang) -> str:
        return self.name_en if lang == "en" else self.name_zh


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


async def load_changes(conn: AsyncConnection, scope: Scope, limit: int, plan: str | None = None) -> list[Entry]:
    """The newest `limit` public changes in the scope, newest first, of `plan`'s projects (None: the plan in force)."""
    return await conn.run_sync(timeline.scope_history, scope.kind, scope.key, limit, plan)


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
