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
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

# `:name` bind parameters as text() writes them; not `::type` casts, not inside `'…'` literals we never write.
_BIND = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """`… = :slug` → `… = %(slug)s` (psycopg's style); a literal `%` is doubled. Cached: the SQL texts are few."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


async def _driver(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    raw = await conn.get_raw_connection()
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
