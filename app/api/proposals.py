"""Planners review officials' edits held in towns that require review."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.project_writes import run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_planner
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.editing import proposals

router = APIRouter(prefix="/api/proposals", tags=["editing"])

ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    404: {"description": "No such proposal"},
    409: {"description": "Already decided, or its author is disabled"},
    412: {"description": "The project changed since the proposal was made; reject it and ask again"},
}
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


@router.get("", responses=ERRORS, summary="Proposals by state")
async def list_proposals(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    reviewer: Annotated[Principal, Depends(require_planner)],
    state: Annotated[Literal["pending", "approved", "rejected"], Query()] = "pending",
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await conn.run_sync(proposals.list_proposals, state)


@router.post("/{proposal_id}/approve", responses=ERRORS, summary="Apply a proposal")
async def approve(
    proposal_id: ProposalId,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    reviewer: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    slug, version = await run_edit(engine, proposals.approve, reviewer, proposal_id)
    return {"proposal": proposal_id, "state": "approved", "project": slug, "version": version}


@router.post("/{proposal_id}/reject", responses=ERRORS, summary="Reject a proposal, saying why")
async def reject(
    proposal_id: ProposalId,
    body: Rejection,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    reviewer: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    await run_edit(engine, proposals.reject, reviewer, proposal_id, body.reason)
    return {"proposal": proposal_id, "state": "rejected"}
