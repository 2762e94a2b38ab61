"""Database engines: a pooled async engine for the web app, a plain sync engine for the CLI.

Both use psycopg 3, so one DATABASE_URL serves both.
"""

import asyncio
import logging

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.settings import Settings

# PostgreSQL's JIT compiler starts at a plan cost of 100,000, which a vector tile of a million-project
# catalog crosses: it then spent 37 ms compiling a query that runs in 26 ms (z=10 tile at 1 M features,
# EXPLAIN ANALYZE; bench/NOTES.md). Every planmap query is short and planned again and again, so JIT can
# only cost time here; it is off for planmap's own sessions, whatever the server's default.
SESSION_OPTIONS = "-c jit=off"


def make_sync_engine(url: str, connect_timeout: int | None = None) -> Engine:
    """Engine for short-lived CLI work (migrations, seed, import), with the app's session settings.

    `connect_timeout` (seconds) lets a command give up on an unreachable host quickly instead of
    waiting for the operating system's TCP timeout.
    """
    connect_args: dict[str, object] = {"options": SESSION_OPTIONS}
    if connect_timeout is not None:
        connect_args["connect_timeout"] = connect_timeout
    return create_engine(url, pool_pre_ping=True, future=True, connect_args=connect_args)


def make_async_engine(settings: Settings) -> AsyncEngine:
    """Pooled engine for the API.

    No pre-ping by default (DB_POOL_PRE_PING): a database restart is still survived, because a
    disconnect seen by any query makes SQLAlchemy invalidate the whole pool and reconnect.
    """
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=settings.db_pool_pre_ping,
        # A database that does not answer must cost a request seconds, not the OS's TCP timeout (minutes):
        # the request then gets 503 + Retry-After (app/core/db_errors.py).
        connect_args={"connect_timeout": settings.db_connect_timeout, "options": SESSION_OPTIONS},
    )


# What a new PostgreSQL session pays once, on its first map query: loading PostGIS and PROJ's
# EPSG:4326 → 3857 transformation (16–26 ms measured with psql), the relation caches of the tables
# behind the public view, and the first plan of a tile (about 17 ms).
WARM_UP_SQL = (
    "SELECT ST_Transform(ST_SetSRID(ST_MakePoint(112.5, 24.8), 4326), 3857), "
    "(SELECT count(*) FROM (SELECT 1 FROM projects_public LIMIT 1) p)"
)

log = logging.getLogger("planmap.db")


async def warm_pool(engine: AsyncEngine, connections: int) -> int:
    """Open up to `connections` pooled connections at start-up and run WARM_UP_SQL on each; how many worked.

    Otherwise the first requests of a fresh worker each open a connection and pay that set-up
    (the benchmark saw tile p99 above 120 ms in the first seconds of a worker, 35–40 ms after).
    The connections are held together so the pool really opens that many, then returned to it.
    A database that is down does not stop the app from starting: the pool connects on demand later.
    """

    if connections <= 0:
        return 0

    async def one() -> bool:
        try:
            async with engine.connect() as conn:
                await conn.execute(text(WARM_UP_SQL))
                await barrier.wait()
        except BaseException:
            await barrier.abort()  # the others stop waiting for this one
            raise
        return True

    barrier = asyncio.Barrier(connections)
    try:
        async with asyncio.timeout(10):
            results = await asyncio.gather(*(one() for _ in range(connections)), return_exceptions=True)
    except TimeoutError:
        log.warning("database connections not warmed at start-up: no answer within 10 s")
        return 0
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        log.warning("database connections not warmed at start-up: %s", type(failures[0]).__name__)
    return len(results) - len(failures)
