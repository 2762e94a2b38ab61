"""Writing messages to the outbox, inside the caller's transaction.

Why the outbox and not "send right after commit": a message sent from the request could be lost
(the process dies after the commit) or sent for a change that was rolled back. Written in the
same transaction as the change, the message exists exactly when the change does, and the worker
delivers it whenever it can — after a restart of the worker, the app or the database.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from app.notify import queries as sql


@dataclass(frozen=True)
class Notice:
    """What to say, in both languages; each destination gets the one its owner chose."""

    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    link: str | None = None


def enqueue(
    conn: Connection,
    *,
    event: str,
    key: str,
    notice: Notice,
    destinations: Sequence[int],
    unsubscribe_url: str | None = None,
) -> int:
    """Queue `notice` for each active destination; how many rows were written.

    `key` names the event (e.g. `feedback:42:awaiting`): with the destination's id it is the
    message's idempotency key, so enqueuing the same event twice stores it once.
    """
    if not destinations:
        return 0
    result = conn.execute(
        sql.ENQUEUE,
        {
            "key": key,
            "event": event,
            "subject_zh": notice.subject_zh,
            "body_zh": notice.body_zh,
            "subject_en": notice.subject_en,
            "body_en": notice.body_en,
            "link": notice.link,
            "unsubscribe_url": unsubscribe_url,
            "destinations": list(destinations),
        },
    )
    return result.rowcount


def staff_destinations(conn: Connection, roles: Sequence[str]) -> list[int]:
    """The chosen channels of every active user with one of `roles`."""
    return list(conn.execute(sql.STAFF_DESTINATIONS, {"roles": list(roles)}).scalars())


def unit_destinations(conn: Connection, unit_id: int) -> list[int]:
    """A unit's own robot(s) and the channels of its active officials (a department's members, a town's)."""
    return list(conn.execute(sql.UNIT_DESTINATIONS, {"unit_id": unit_id}).scalars())
