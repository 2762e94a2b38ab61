"""Plan progress in numbers, for the dashboard and for anyone who wants the table."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.deps import get_conn
from app.queries.stats import plan_stats

router = APIRouter(prefix="/api", tags=["stats"])


@router.get(
    "/stats",
    summary="Projects by town × status and by category × status, and the share started per town",
    description=(
        "`started` counts projects under construction or completed; `started_share` is started divided by "
        "`plan_projects` (all projects except those the plan lists as already existing). A project crossing "
        "several towns counts in each."
    ),
)
async def get_stats(conn: Annotated[AsyncConnection, Depends(get_conn)]) -> dict[str, Any]:
    return await plan_stats(conn)
