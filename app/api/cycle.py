"""Helpers shared by the implementation-cycle routers (units, programmes, progress, photos)."""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.dependencies import read_connection
from app.core.errors import Invalid
from app.core.settings import Settings

T = TypeVar("T")


async def run_read(engine: AsyncEngine, work: Callable[..., T], *args: Any) -> T:
    """Run a synchronous read of a domain module (its refusals are domain errors: app.core.error_responses)."""
    async with read_connection(engine) as conn:
        return await conn.run_sync(work, *args)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# The cycle's years run from 2000 (the `year` parameters' floor); a day before it has no programme, and day
# arithmetic on deadlines near year 1 would leave the calendar (a 500 schemathesis found).
FIRST_DAY = date(2000, 1, 1)


def check_as_of(as_of: date | None, today: date) -> date:
    """The day deadlines are judged on: `as_of` when given (not after today, not before 2000), else today."""
    if as_of is not None and as_of > today:
        raise Invalid(("query", "as_of"), f"as_of cannot be after today ({today} in Lianzhou)").with_code(
            "date_in_future", today=today.isoformat()
        )
    if as_of is not None and as_of < FIRST_DAY:
        raise Invalid(("query", "as_of"), f"as_of cannot be before {FIRST_DAY}")
    return as_of or today
