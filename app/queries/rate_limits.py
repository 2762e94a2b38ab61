"""The SQL of the shared rate limiter (`app.auth.ratelimit`): one row per limited key in `rate_limits`.

Every statement is atomic on its own or runs under the row locks the caller took, so two server
processes (or two requests of one) can never both slip under a limit.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

CLEANUP_BATCH = 100  # expired rows deleted per write: enough to keep up, never a long statement


@dataclass(frozen=True)
class Counter:
    key: str
    hits: int
    age_seconds: float  # since the last counted event


def salt(conn: Connection) -> str:
    """The HMAC salt of the keys (made by migration 0009, the same for every process)."""
    return str(conn.execute(text("SELECT value FROM site_secrets WHERE name = 'rate_limit_salt'")).scalar_one())


def lock_counters(conn: Connection, keys: Sequence[str], forget_seconds: float) -> dict[str, Counter]:
    """The counters of these keys, locked until the transaction ends (in key order: no deadlock).

    Missing counters are made first (at zero): a row that does not exist cannot be locked, and two
    first attempts would both see "no failures yet". A concurrent maker of the same row makes this
    insert wait for its commit, after which the lock reads what it counted.
    """
    conn.execute(
        text(
            """INSERT INTO rate_limits (key, expires_at)
               SELECT k, now() + make_interval(secs => :forget) FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k
               ON CONFLICT (key) DO NOTHING"""
        ),
        {"keys": sorted(keys), "forget": forget_seconds},
    )
    rows = conn.execute(
        text(
            """SELECT key, hits, EXTRACT(EPOCH FROM now() - last_at) AS age FROM rate_limits
               WHERE key = ANY(:keys) ORDER BY key FOR UPDATE"""
        ),
        {"keys": list(keys)},
    ).all()
    return {r.key: Counter(r.key, int(r.hits), float(r.age)) for r in rows}


def count(conn: Connection, key: str, forget_seconds: float) -> None:
    """One more event; a counter quiet for `forget_seconds` starts again from one."""
    conn.execute(
        text(
            """INSERT INTO rate_limits AS r (key, hits, last_at, expires_at)
               VALUES (:key, 1, now(), now() + make_interval(secs => :forget))
               ON CONFLICT (key) DO UPDATE SET
                   hits = CASE WHEN r.last_at <= now() - make_interval(secs => :forget) THEN 1 ELSE r.hits + 1 END,
                   last_at = now(),
                   expires_at = now() + make_interval(secs => :forget)"""
        ),
        {"key": key, "forget": forget_seconds},
    )


def uncount(conn: Connection, keys: Sequence[str]) -> None:
    """Take back one event of each key (an attempt counted in advance that turned out fine)."""
    conn.execute(
        text("UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE key = ANY(:keys)"), {"keys": list(keys)}
    )


def forget(conn: Connection, key: str) -> None:
    conn.execute(text("DELETE FROM rate_limits WHERE key = :key"), {"key": key})


def mark(conn: Connection, key: str, keep_seconds: float) -> None:
    """A row that only says "this happened" until it expires (e.g. a successful login from a client)."""
    conn.execute(
        text(
            """INSERT INTO rate_limits (key, expires_at) VALUES (:key, now() + make_interval(secs => :keep))
               ON CONFLICT (key) DO UPDATE SET last_at = now(), expires_at = EXCLUDED.expires_at"""
        ),
        {"key": key, "keep": keep_seconds},
    )


def is_marked(conn: Connection, key: str) -> bool:
    return bool(
        conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM rate_limits WHERE key = :key AND expires_at > now())"), {"key": key}
        ).scalar_one()
    )


def take_from_window(conn: Connection, key: str, limit: int, window_seconds: float) -> float | None:
    """Record one event if fewer than `limit` happened in the last `window_seconds`.

    None when it was recorded; otherwise the seconds until the oldest event leaves the window.
    One statement: the conflicting row is locked while its window is counted, so concurrent
    callers see each other's events.
    """
    taken = conn.execute(
        text(
            """INSERT INTO rate_limits AS r (key, stamps, last_at, expires_at)
               VALUES (:key, ARRAY[now()], now(), now() + make_interval(secs => :window))
               ON CONFLICT (key) DO UPDATE SET
                   stamps = ARRAY(SELECT s FROM unnest(r.stamps) s
                                  WHERE s > now() - make_interval(secs => :window) ORDER BY s) || now(),
                   last_at = now(),
                   expires_at = now() + make_interval(secs => :window)
               WHERE (SELECT count(*) FROM unnest(r.stamps) s
                      WHERE s > now() - make_interval(secs => :window)) < :limit
               RETURNING true"""
        ),
        {"key": key, "limit": limit, "window": window_seconds},
    ).scalar()
    if taken:
        return None
    wait = conn.execute(
        text(
            """SELECT EXTRACT(EPOCH FROM min(s) + make_interval(secs => :window) - now())
               FROM rate_limits, unnest(stamps) s
               WHERE key = :key AND s > now() - make_interval(secs => :window)"""
        ),
        {"key": key, "window": window_seconds},
    ).scalar()
    return float(wait or 0.0)


def delete_expired(conn: Connection) -> None:
    """Remove a batch of expired rows; rows another transaction holds are left for the next writer."""
    conn.execute(
        text(
            """DELETE FROM rate_limits WHERE key IN (
                   SELECT key FROM rate_limits WHERE expires_at < now()
                   ORDER BY expires_at LIMIT :n FOR UPDATE SKIP LOCKED)"""
        ),
        {"n": CLEANUP_BATCH},
    )
