"""Request-scoped dependencies shared by the routers."""

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def get_conn(request: Request) -> AsyncIterator[AsyncConnection]:
    async with get_engine(request).connect() as conn:
        yield conn
