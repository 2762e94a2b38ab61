"""The hot read queries, sent straight to psycopg on the pooled connection SQLAlchemy lends the request.

Each read endpoint runs one statement whose SQL PostGIS answers as finished JSON or tile bytes, so
SQLAlchemy has nothing to map; yet its async bridge (a greenlet switch per call), `text()` parsing
and result wrapping cost about 0.35 ms per statement here, more than PostgreSQL needs to find one
project by slug (0.3 ms). Measured in-process over 3,000 calls on the same connection (bench/NOTES.md):
`text()` 0.88 ms, `exec_driver_sql` 0.75 ms, psycopg directly 0.50 ms.

What SQLAlchemy would have done on failure is kept: a psycopg error is re-raised as the SQLAlchemy
exception of the same kind (so app/core/db_errors.py answers 503 or 422 as before), and a lost
connection invalidates this connection and retires the whole pool (`dispose(close=False)`), as
SQLAlchemy does itself on a disconnect: after a database restart the next requests open fresh
connections instead of each finding a dead one.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util.concurrency import await_only, greenlet_spawn

# `:name` bind parameters as text() writes them; not `::type` casts, not inside `'…'` literals we never write.
T = TypeVar("T")

_BIND = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """`… = :slug` → `… = %(slug)s` (psycopg's style); a literal `%` is doubled. Cached: the SQL texts are few."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


async def _driver(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    sync = conn.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        # Checked out and valid: the pooled connection is there to read, no I/O. `get_raw_connection`
        # would switch into a greenlet just to read this attribute (about 40 µs of CPU per read).
        raw = sync.connection
    else:
        raw = await conn.get_raw_connection()  # may reconnect: SQLAlchemy's path, in its greenlet
    driver: psycopg.AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


_GENERIC_ON = "SET plan_cache_mode = force_generic_plan"
_GENERIC_OFF = "RESET plan_cache_mode"


async def fetch_one(
    conn: AsyncConnection, sql: str, params: dict[str, Any], *, generic_plan: bool = False
) -> tuple[Any, ...] | None:
    """The first row of `sql` (SQLAlchemy-style `:name` parameters), or None.

    `generic_plan`: plan the statement once for any parameters instead of for each call's. psycopg
    prepares a statement run five times, yet PostgreSQL still plans it afresh for every call's
    values while it guesses a custom plan is cheaper; for a street-level tile that planning was
    1.0–1.5 ms of 2.2 ms (bench/NOTES.md, fifth round). Set for this one statement and reset in the
    same round trip (a pipeline), so no other read on the pooled connection is planned differently.
    """
    driver = await _driver(conn)
    if not driver.autocommit and not conn.in_transaction():
        # psycopg would begin a transaction SQLAlchemy does not know of, and the pool's reset would end it
        # (ROLLBACK) outside SQLAlchemy's error handling: such a connection takes SQLAlchemy's own path.
        found = (await conn.execute(text(sql), params)).first()
        return None if found is None else tuple(found)
    try:
        if not generic_plan:
            cursor = await driver.execute(to_pyformat(sql), params)
        else:
            try:
                async with driver.pipeline():
                    await driver.execute(_GENERIC_ON)
                    cursor = await driver.execute(to_pyformat(sql), params)
                    await driver.execute(_GENERIC_OFF)
            except psycopg.Error:
                if not (driver.broken or driver.closed):
                    await driver.execute(_GENERIC_OFF)  # the pipeline stopped at the error, before its reset
                raise
        row: tuple[Any, ...] | None = await cursor.fetchone()
        return row
    except psycopg.Error as err:
        await _after_failure(conn, driver, err)
        raise DBAPIError.instance(sql, params, err, psycopg.Error) from err


async def _after_failure(conn: AsyncConnection, driver: psycopg.AsyncConnection[Any], err: psycopg.Error) -> None:
    if driver.broken or driver.closed or isinstance(err, psycopg.OperationalError | psycopg.InterfaceError):
        await conn.invalidate()
        await conn.engine.dispose(close=False)


async def fetch_one_pooled(
    engine: AsyncEngine, sql: str, params: dict[str, Any], *, generic_plan: bool = False
) -> tuple[Any, ...] | None:
    """The first row of `sql` on a connection of the engine's own pool, lent for this one statement.

    For a read that needs nothing but one statement (app/api/public_item.py). `read_connection` and
    `fetch_one` take four greenlet switches around it (check-out, autocommit on, autocommit off,
    return) plus AsyncConnection's bookkeeping: 0.37 ms of CPU per read of one project against 0.21 ms
    here, where check-out, the statement and the return run in one (in-process, 3,000 reads, bench/NOTES.md).
    It is the same pool, so the same connections, size, pre-ping and disposal as every other read.
    `generic_plan` as in `fetch_one`.
    """
    return await run_pooled(engine, lambda read: read.one(sql, params, generic_plan=generic_plan))


class PooledReader:
    """The statements of one `run_pooled` call, each in autocommit on the connection lent for them."""

    def __init__(self, driver: psycopg.AsyncConnection[Any]) -> None:
        self.driver = driver
        self.sql: str | None = None  # the statement running, for the error SQLAlchemy would raise
        self.params: dict[str, Any] | None = None

    def one(self, sql: str, params: dict[str, Any], *, generic_plan: bool = False) -> tuple[Any, ...] | None:
        """The first row of `sql` (`:name` parameters), or None; `generic_plan` as in `fetch_one` (one round
        trip; no reset is needed on failure: a failed connection is never lent again)."""
        self.sql, self.params = sql, params
        found: tuple[Any, ...] | None = await_only(_first_row(self.driver, to_pyformat(sql), params, generic_plan))
        return found


async def _first_row(
    driver: psycopg.AsyncConnection[Any], sql: str, params: dict[str, Any], generic_plan: bool
) -> tuple[Any, ...] | None:
    if not generic_plan:
        cursor = await driver.execute(sql, params)
    else:
        async with driver.pipeline():
            await driver.execute(_GENERIC_ON)
            cursor = await driver.execute(sql, params)
            await driver.execute(_GENERIC_OFF)
    row: tuple[Any, ...] | None = await cursor.fetchone()
    return row


async def run_pooled(engine: AsyncEngine, work: Callable[[PooledReader], T]) -> T:
    """`work`'s statements (`PooledReader.one`) on one connection of the engine's pool, lent for them alone:
    check-out, the statements in autocommit and the return in one greenlet switch (`fetch_one_pooled`).

    For a read of a few statements where each decides the next (app/api/public_tile.py: whether the kept
    keys are current, then the tile). `work` runs in SQLAlchemy's greenlet: it must not await, only read.
    """
    return await greenlet_spawn(_run_pooled, engine.sync_engine, work)


def _run_pooled(engine: Engine, work: Callable[[PooledReader], T]) -> T:
    """Runs inside SQLAlchemy's greenlet: `await_only` waits on psycopg as SQLAlchemy's own dialect does.

    A connection goes back to the pool only as it was lent (autocommit off, idle); after any failure or
    a cancellation it is invalidated instead, so a write can never get a connection left in autocommit
    (or with a generic plan forced).
    """
    try:
        pooled = engine.pool.connect()  # pre-ping (DB_POOL_PRE_PING) and check-out as engine.connect() does
    except psycopg.Error as err:  # the database cannot be reached: wrapped as engine.connect() wraps it
        raise DBAPIError.instance(None, None, err, psycopg.Error, connection_invalidated=True) from err
    clean = False
    reader = PooledReader(pooled.driver_connection)  # type: ignore[arg-type]
    try:
        found = _in_autocommit(reader, work)
        clean = True
        return found
    except psycopg.Error as err:
        driver = pooled.driver_connection
        lost = not isinstance(driver, psycopg.AsyncConnection) or driver.broken or driver.closed
        lost = lost or isinstance(err, psycopg.OperationalError | psycopg.InterfaceError)
        if lost:  # the others may be as dead (a restart): SQLAlchemy's own reaction to a disconnect
            engine.dispose(close=False)
        raise DBAPIError.instance(reader.sql, reader.params, err, psycopg.Error, connection_invalidated=lost) from err
    finally:
        if clean:
            pooled.close()  # back to the pool (its reset is a no-op: no transaction was begun)
        else:
            pooled.invalidate()  # closed, never lent again


def _in_autocommit(reader: PooledReader, work: Callable[[PooledReader], T]) -> T:
    """`work` with autocommit on, then autocommit off again."""
    await_only(reader.driver.set_autocommit(True))
    found = work(reader)
    await_only(reader.driver.set_autocommit(False))
    return found
