"""Database engines: a pooled async engine for the web app, a plain sync engine for the CLI.

Both use psycopg 3, so one DATABASE_URL serves both.
"""

from sqlalchemy import Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import Settings


def make_sync_engine(url: str) -> Engine:
    """Engine for short-lived CLI work (migrations, seed, import)."""
    return create_engine(url, pool_pre_ping=True, future=True)


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
        connect_args={"connect_timeout": settings.db_connect_timeout},
    )
