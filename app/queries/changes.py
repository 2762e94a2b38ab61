"""The catalog's change marker: what a conditional GET compares, read without building any body.

Every write is audited in its own transaction (app/history/audit.py), so the audit log changes
exactly when anything a reader may see changes. The marker is its highest id and how many rows lie
in the last AUDIT_WINDOW ids: the highest id alone would miss a transaction that took its id early
and committed after a later one (ids are handed out before commit), while that late commit still
adds one row to the window. Both are index-only reads of at most AUDIT_WINDOW entries, however
long the log. (A transaction missed would need more than AUDIT_WINDOW audit rows committed by
others while it ran, none of its own among them.)
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

AUDIT_WINDOW = 10_000

_MARK = text(
    """WITH last AS (SELECT coalesce(max(id), 0) AS id FROM audit_log)
       SELECT last.id AS last_id, count(a.id) AS recent, max(a.occurred_at) AS changed_at
       FROM last LEFT JOIN audit_log a ON a.id > last.id - :window
       GROUP BY last.id"""
)


@dataclass(frozen=True)
class ChangeMark:
    last_id: int
    recent: int
    changed_at: datetime | None  # when the latest audited write happened (None: nothing written yet)

    def token(self) -> str:
        return f"{self.last_id}.{self.recent}"


async def change_mark(conn: AsyncConnection) -> ChangeMark:
    """The marker as of now (one small query)."""
    row = (await conn.execute(_MARK, {"window": AUDIT_WINDOW})).one()
    return ChangeMark(int(row.last_id), int(row.recent), row.changed_at)
