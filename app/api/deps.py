"""Request-scoped dependencies shared by the routers."""

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def get_conn(request: Request) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for reading, in autocommit mode.

    Every statement of a read endpoint is one query that sees a consistent snapshot on its
    own, so the implicit transaction bought nothing but two round trips per request (BEGIN
    before the first query, ROLLBACK when the pool takes the connection back): measured in
    bench/RESULTS.md. Writes do not come through here; they use `engine.begin()`.
    """
    async with get_engine(request).connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn
