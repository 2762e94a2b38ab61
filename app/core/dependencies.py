"""Request-scoped dependencies shared by the routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


@asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for reading, in autocommit mode.

    Every statement of a read is one query that sees a consistent snapshot on its own, so the
    implicit transaction bought nothing but two round trips per request (BEGIN before the
    first query, ROLLBACK when the pool takes the connection back): measured in
    bench/RESULTS.md. It also matters to app/queries/driver.py, which runs statements on the
    psycopg connection itself: outside autocommit psycopg would open a transaction SQLAlchemy
    knows nothing of. Writes do not come through here; they use `engine.begin()`.
    """
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


async def get_conn(request: Request) -> AsyncIterator[AsyncConnection]:
    """The request's read connection (`read_connection`), returned to the pool after the response."""
    async with read_connection(get_engine(request)) as conn:
        yield conn
