"""The hot read path that talks to psycopg directly (app/queries/driver.py), on a real database.

It must read exactly what SQLAlchemy would, never leave a transaction SQLAlchemy does not know
of, and turn database errors into SQLAlchemy's exceptions so the app's 503/422 handling holds.
"""

import asyncio
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.catalog.seed import SeedResult
from app.core.db import warm_pool
from app.core.dependencies import read_connection
from app.queries.driver import PooledReader, fetch_one, fetch_one_pooled, run_pooled, to_pyformat

SLUG = "tanling-pumped-storage"


def test_bind_parameters_become_psycopg_placeholders_and_casts_stay() -> None:
    sql = "SELECT CAST(:z AS integer), '{}'::json, x ILIKE '50%' FROM t WHERE a = :a_1 AND b::text = :b"
    assert to_pyformat(sql) == (
        "SELECT CAST(%(z)s AS integer), '{}'::json, x ILIKE '50%%' FROM t WHERE a = %(a_1)s AND b::text = %(b)s"
    )


def _run(database_url: str, work: Any) -> Any:
    async def main() -> Any:
        engine: AsyncEngine = create_async_engine(database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_reads_what_the_database_holds(database_url: str, first_seed: SeedResult) -> None:
    async def work(engine: AsyncEngine) -> Any:
        async with read_connection(engine) as conn:
            found = await fetch_one(
                conn, "SELECT slug, version FROM projects WHERE slug = :s", {"s": "tanling-pumped-storage"}
            )
            missing = await fetch_one(conn, "SELECT slug FROM projects WHERE slug = :s", {"s": "no-such-project"})
            return found, missing

    found, missing = _run(database_url, work)
    assert found[0] == "tanling-pumped-storage" and found[1] >= 1
    assert missing is None


def test_outside_autocommit_no_stray_transaction_is_left(database_url: str, first_seed: SeedResult) -> None:
    async def work(engine: AsyncEngine) -> Any:
        async with engine.connect() as conn:  # not autocommit, no transaction begun by SQLAlchemy
            row = await fetch_one(conn, "SELECT count(*) FROM projects", {})
            driver = (await conn.get_raw_connection()).driver_connection
            status = driver.info.transaction_status
            in_sqlalchemy = conn.in_transaction()
            return row, status, in_sqlalchemy

    row, status, in_sqlalchemy = _run(database_url, work)
    assert row[0] > 0
    # Either no transaction at all, or one SQLAlchemy began and will end: never psycopg's alone.
    assert status == psycopg.pq.TransactionStatus.IDLE or in_sqlalchemy


def test_database_errors_arrive_as_sqlalchemy_errors(database_url: str, first_seed: SeedResult) -> None:
    async def bad_sql(engine: AsyncEngine) -> None:
        async with read_connection(engine) as conn:
            await fetch_one(conn, "SELECT no_such_column FROM projects", {})

    with pytest.raises(ProgrammingError):
        _run(database_url, bad_sql)

    async def nul(engine: AsyncEngine) -> None:
        async with read_connection(engine) as conn:
            await fetch_one(conn, "SELECT :t::text", {"t": "a\x00b"})

    with pytest.raises(DataError):
        _run(database_url, nul)


def test_start_up_warms_the_pool_and_survives_a_missing_database(database_url: str, first_seed: SeedResult) -> None:
    """A worker opens and warms its connections before the first visitor; with no database it still starts."""

    async def warm(engine: AsyncEngine) -> tuple[int, int]:
        warmed = await warm_pool(engine, 3)
        return warmed, engine.sync_engine.pool.checkedin()  # type: ignore[attr-defined]

    assert _run(database_url, warm) == (3, 3)

    async def nowhere(engine: AsyncEngine) -> int:
        return await warm_pool(engine, 3)

    closed_port = database_url.replace(":55432/", ":1/") if ":55432/" in database_url else None
    if closed_port is None:
        pytest.skip("the test database is not on the private cluster's port")
    started = time.monotonic()
    assert _run(closed_port, nowhere) == 0
    assert time.monotonic() - started < 11


def test_a_pooled_read_lends_a_connection_and_takes_it_back_as_it_was(
    database_url: str, first_seed: SeedResult
) -> None:
    """`fetch_one_pooled` reads in autocommit, then the pool has the connection back with autocommit off:
    the next writer gets a real transaction."""

    async def work(engine: AsyncEngine) -> Any:
        pool = engine.sync_engine.pool
        found = await fetch_one_pooled(engine, "SELECT slug FROM projects WHERE slug = :s", {"s": SLUG})
        missing = await fetch_one_pooled(engine, "SELECT slug FROM projects WHERE slug = :s", {"s": "nothing"})
        lent_back = (pool.checkedout(), pool.checkedin())  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            autocommit = driver.autocommit
            await conn.execute(text("SELECT 1"))
            in_transaction = driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
            await conn.rollback()
        return found, missing, lent_back, autocommit, in_transaction

    found, missing, lent_back, autocommit, in_transaction = _run(database_url, work)
    assert found == (SLUG,) and missing is None
    assert lent_back == (0, 1)
    assert autocommit is False and in_transaction


def test_a_failed_pooled_read_is_a_sqlalchemy_error_and_its_connection_is_not_lent_again(
    database_url: str, first_seed: SeedResult
) -> None:
    pid = "SELECT pg_backend_pid()"

    async def work(engine: AsyncEngine) -> Any:
        before = await fetch_one_pooled(engine, pid, {})  # the pool's one connection
        try:
            await fetch_one_pooled(engine, "SELECT no_such_column FROM projects", {})  # on that connection
        except ProgrammingError as err:
            error: Exception = err
        after = await fetch_one_pooled(engine, pid, {})
        return before, error, after

    before, error, after = _run(database_url, work)
    assert isinstance(error, ProgrammingError) and "no_such_column" in str(error)
    assert after != before  # the failed read's connection was closed; a new one serves the next read


def test_a_pooled_read_of_an_unreachable_database_is_a_sqlalchemy_operational_error() -> None:
    async def work(engine: AsyncEngine) -> Any:
        return await fetch_one_pooled(engine, "SELECT 1", {})

    with pytest.raises(OperationalError):
        _run("postgresql+psycopg://postgres@127.0.0.1:9/planmap?connect_timeout=2", work)


def test_a_generic_plan_is_for_its_statement_only(database_url: str, first_seed: SeedResult) -> None:
    """A street-level tile is planned once for all parameters; the setting never outlives its statement, even when
    the statement fails, so the next read on the pooled connection is planned as usual."""
    sql = "SELECT count(*) FROM projects WHERE slug = :s"

    async def work(engine: AsyncEngine) -> Any:
        async with read_connection(engine) as conn:
            counts = [
                (await fetch_one(conn, sql, {"s": "tanling-pumped-storage"}, generic_plan=True)) for _ in range(7)
            ]
            after = await fetch_one(conn, "SELECT current_setting('plan_cache_mode')", {})
            with pytest.raises(DataError):
                await fetch_one(conn, "SELECT CAST(:v AS integer)", {"v": "not a number"}, generic_plan=True)
            after_error = await fetch_one(conn, "SELECT current_setting('plan_cache_mode')", {})
            return counts, after, after_error

    counts, after, after_error = _run(database_url, work)
    assert counts == [(1,)] * 7
    assert after == ("auto",) and after_error == ("auto",)


def test_several_pooled_statements_share_one_lent_connection_and_no_generic_plan_outlives_them(
    database_url: str, first_seed: SeedResult
) -> None:
    """`run_pooled` (the lean tile route: the kept-keys check, then the tile) lends one connection for every
    statement of its work and takes it back as it was: autocommit off, the plan cache mode as usual."""
    pid, mode = "SELECT pg_backend_pid()", "SELECT current_setting('plan_cache_mode')"

    def work(read: PooledReader) -> list[Any]:
        first = read.one(pid, {})
        forced = read.one(mode, {}, generic_plan=True)
        counted = [read.one("SELECT count(*) FROM projects WHERE slug = :s", {"s": SLUG}, generic_plan=True)]
        return [first, forced, *counted, read.one(pid, {}), read.one(mode, {})]

    async def main(engine: AsyncEngine) -> Any:
        found = await run_pooled(engine, work)
        again = await fetch_one_pooled(engine, mode, {})
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            return found, again, driver.autocommit

    (first, forced, counted, last, mode_after), again, autocommit = _run(database_url, main)
    assert first == last  # one connection for the whole work
    assert forced == ("force_generic_plan",) and counted == (1,)
    assert mode_after == ("auto",) and again == ("auto",) and autocommit is False
