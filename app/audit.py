"""The audit trail: one row per write, in the same transaction as the write itself.

Writing it in the same transaction is the point: a change can never exist without its
record, nor a record without its change.
"""

from typing import Any

import orjson
from sqlalchemy import Connection, text

_INSERT = text(
    """INSERT INTO audit_log (actor, action, object_type, object_key, changes)
       VALUES (:actor, :action, :object_type, :object_key, CAST(:changes AS jsonb))"""
)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_key: str,
    changes: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        _INSERT,
        {
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_key": object_key,
            "changes": orjson.dumps(changes or {}, default=str).decode(),
        },
    )
