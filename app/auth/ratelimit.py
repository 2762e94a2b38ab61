"""Rate limits kept in PostgreSQL, so every server process enforces the same ones (issue 15, item 9).

Two kinds, one table (`rate_limits`, SQL in `app.queries.rate_limits`):

- `Backoff`: exponential backoff after a number of free failures. Used for logins: an honest
  person who mistypes a few times never notices it, a guesser is slowed down more with every
  guess, and nothing is ever locked for good (see `app.auth.login_throttle` for which keys);
- `take_from_window`: at most N events in any sliding window (feedback: N messages per hour).

Why the database and not each worker's memory: with memory, N processes gave an attacker N times
the limit and a restart forgot everything. The cost is kept small:
- a request that is refused only reads its locked counters and answers 429 (at most it makes a
  missing counter at zero, so that it can be locked);
- a login that goes ahead writes its counters *before* the password is checked (counted as a
  failure in advance, taken back on success). So the counting is atomic: concurrent guesses
  queue on the row locks and each sees the ones before it, and a flood of parallel guesses
  cannot all slip in before the first failure is recorded;
- writes are bounded by the limits themselves (a refused guess writes nothing) and every write
  removes a batch of expired rows, so the table holds only live state.

Keys are `scope:HMAC(salt, values)`: the table never holds a username or an address.
"""

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from app.queries import rate_limits as sql


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: after `free` failures, each attempt waits `base` × 2^(failures − free) s, at most `cap`.

    Counted failures are forgotten after `forget_seconds` without one.
    """

    free: int
    base_seconds: float
    cap_seconds: float
    forget_seconds: float

    def wait(self, failures: int, age_seconds: float) -> float:
        """Seconds still to wait, `age_seconds` after the last of `failures` counted failures (0: go ahead)."""
        if age_seconds >= self.forget_seconds or failures < self.free:
            return 0.0
        delay = min(self.cap_seconds, self.base_seconds * 2.0 ** min(failures - self.free, 40))
        return max(0.0, delay - age_seconds)


class Limited(Exception):
    """Too many attempts; `retry_after` whole seconds until the next one may be made (for a 429)."""

    def __init__(self, what: str, wait_seconds: float) -> None:
        self.retry_after = max(1, math.ceil(wait_seconds))
        self.message = f"{what}; try again in {self.retry_after} seconds"
        super().__init__(self.message)


def make_key(salt: str, scope: str, *values: str) -> str:
    digest = hmac.new(salt.encode(), "\x00".join(values).encode(), hashlib.sha256).hexdigest()
    return f"{scope}:{digest}"


def salt(conn: Connection) -> str:
    return sql.salt(conn)


def reserve(conn: Connection, policies: Mapping[str, Backoff]) -> float:
    """Count one attempt against every key at once, or none when any key must wait.

    Returns 0 when the attempt was counted (it may go ahead), else the longest wait in seconds.
    Runs in the caller's transaction, which should commit at once (the rows stay locked till then).
    """
    forget = max(policy.forget_seconds for policy in policies.values())
    counters = sql.lock_counters(conn, list(policies), forget)
    waits = [policy.wait(counters[key].hits, counters[key].age_seconds) for key, policy in policies.items()]
    wait = max(waits, default=0.0)
    if wait > 0:
        return wait
    sql.delete_expired(conn)
    for key, policy in sorted(policies.items()):
        sql.count(conn, key, policy.forget_seconds)
    return 0.0


def take_back(conn: Connection, keys: list[str]) -> None:
    """Undo one counted attempt of each key (it was not a failure after all)."""
    sql.uncount(conn, keys)


def clear(conn: Connection, key: str) -> None:
    sql.forget(conn, key)


def remember(conn: Connection, key: str, days: float) -> None:
    sql.mark(conn, key, days * 86400)


def remembered(conn: Connection, key: str) -> bool:
    return sql.is_marked(conn, key)


def take_from_window(conn: Connection, key: str, limit: int, window_seconds: float) -> float:
    """Record an event if fewer than `limit` happened in the last `window_seconds`: 0, else the wait in seconds."""
    wait = sql.take_from_window(conn, key, limit, window_seconds)
    if wait is None:
        sql.delete_expired(conn)
        return 0.0
    return max(wait, 0.001)
