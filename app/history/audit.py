"""The audit trail: one row per write, in the same transaction as the write itself.

Writing it in the same transaction is the point: a change can never exist without its
record, nor a record without its change. For projects the rows double as the change
history (who, when, which fields, old and new values, the version produced).
"""

from typing import Any

import orjson
from sqlalchemy import Connection, text

_INSERT = text(
    """INSERT INTO audit_log (actor, action, object_type, object_key, changes, user_id, object_version, note)
       VALUES (:actor, :action, :object_type, :object_key, CAST(:changes AS jsonb), :user_id, :object_version, :note)"""
)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_key: str,
    changes: dict[str, Any] | None = None,
    user_id: int | None = None,
    object_version: int | None = None,
    note: str | None = None,
) -> None:
    conn.execute(
        _INSERT,
        {
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_key": object_key,
            "changes": orjson.dumps(changes or {}, default=str).decode(),
            "user_id": user_id,
            "object_version": object_version,
            "note": note,
        },
    )
