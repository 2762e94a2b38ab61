"""Database engines: a pooled async engine for the web app, a plain sync engine for the CLI.

Both use psycopg 3, so one DATABASE_URL serves both.
"""

from sqlalchemy import Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import Settings

# PostgreSQL's JIT compiler starts at a plan cost of 100,000, which a vector tile of a million-project
# catalog crosses: it then spent 37 ms compiling a query that runs in 26 ms (z=10 tile at 1 M features,
# EXPLAIN ANALYZE; bench/NOTES.md). Every planmap query is short and planned again and again, so JIT can
# only cost time here; it is off for planmap's own sessions, whatever the server's default.
SESSION_OPTIONS = "-c jit=off"


def make_sync_engine(url: str) -> Engine:
    """Engine for short-lived CLI work (migrations, seed, import), with the app's session settings."""
    return create_engine(url, pool_pre_ping=True, future=True, connect_args={"options": SESSION_OPTIONS})


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
        # the request then gets 503 + Retry-After (app/db_errors.py).
        connect_args={"connect_timeout": settings.db_connect_timeout, "options": SESSION_OPTIONS},
    )
