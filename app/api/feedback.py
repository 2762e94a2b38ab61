"""Public feedback on a project, and its moderation by staff.

Anyone may send feedback (no account: the people who see a project from the road are the
point); it is stored as `pending` and shown only once a planner, or an official of the
project's town, approves it. The sender's contact is for staff only: the public list's
query does not even select it. Sending is rate-limited per client and size-limited.
"""

import unicodedata
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_principal
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.core.errors import NotFound
from app.feedback import queries, service
from app.feedback.client import client_hash

MAX_TEXT = 2000
MAX_CONTACT = 200


def _no_control_characters(value: str) -> str:
    """Refuse invisible control characters (NUL cannot even be stored); keep line breaks and tabs."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


class FeedbackPoint(BaseModel):
    """Where the reader saw what they describe (WGS84); must lie inside Lianzhou."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Point"]
    coordinates: tuple[
        Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
        Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
    ]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="What you saw or want to say (required).")
    point: FeedbackPoint | None = Field(default=None, description="Optional: where, as a GeoJSON Point.")
    contact: str | None = Field(
        default=None,
        max_length=MAX_CONTACT,
        description="Optional: how staff may reach you. Never shown publicly.",
    )

    @field_validator("text", "contact")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else _no_control_characters(value)

    @field_validator("contact")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reply: str | None = Field(default=None, max_length=MAX_TEXT, description="Optional official reply, shown publicly.")

    @field_validator("reply")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _no_control_characters(value) or None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=MAX_TEXT, description="Why (required; staff only, audited).")

    @field_validator("reason")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _no_control_characters(value)


# Its body limit (PLANMAP_FEEDBACK_MAX_BYTES, far below the global one) is enforced while the body
# arrives, by app.middleware.body_limit (wired in app.core.wiring).
SUBMIT_PATH = "/api/projects/{slug}/feedback"
submit_router = APIRouter(tags=["feedback"])
router = APIRouter(tags=["feedback"])

Engine = Annotated[AsyncEngine, Depends(get_engine)]
Staff = Annotated[Principal, Depends(require_principal)]
FeedbackId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MODERATION_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    404: {"description": "No such feedback"},
    409: {"description": "Already approved or rejected"},
    422: {"description": "The body is not valid"},
}


@submit_router.post(
    SUBMIT_PATH,
    status_code=201,
    summary="Send feedback on a project (anyone; held for moderation)",
    responses={
        404: {"description": "No such project"},
        413: {"description": "The body is too large"},
        422: {"description": "Missing or too long text, too long contact, or a point outside Lianzhou"},
        429: {"description": "Too many messages from this client in the last hour (see Retry-After)"},
    },
)
async def submit_feedback(slug: SlugPath, item: FeedbackIn, request: Request, engine: Engine) -> dict[str, Any]:
    new = service.NewFeedback(
        slug=slug,
        body=item.text,
        point=item.point.coordinates if item.point else None,
        contact=item.contact,
    )
    address = request.client.host if request.client else "unknown"
    settings = request.app.state.settings

    def work(conn: Any) -> dict[str, Any]:
        return service.submit(conn, new, client_hash(conn, address), settings.feedback_per_hour)

    return await run_edit(engine, work)


@router.get(
    "/api/projects/{slug}/feedback",
    summary="Approved feedback on a project, with official replies (never the sender's contact)",
    responses={404: {"description": "No such project"}},
)
async def project_feedback(slug: SlugPath, engine: Engine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        if await conn.run_sync(queries.live_project_id, slug) is None:
            raise NotFound(f"no project '{slug}'")
        return await conn.run_sync(queries.public_feedback, slug)


@router.get(
    "/api/feedback",
    summary="The moderation queue: feedback you may moderate (officials: their towns), with contacts",
    responses={**UNAUTHORIZED},
)
async def staff_feedback(
    principal: Staff,
    engine: Engine,
    status: Annotated[queries.StaffFilter, Query(description="Which messages")] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await conn.run_sync(queries.staff_feedback, principal, status, limit)


@router.post(
    "/api/feedback/{feedback_id}/approve",
    summary="Approve feedback, optionally with an official reply (both then shown on the project page)",
    responses=MODERATION_ERRORS,
)
async def approve_feedback(
    feedback_id: FeedbackId,
    principal: Staff,
    engine: Engine,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> dict[str, Any]:
    reply = body.reply if body else None
    state = await run_edit(engine, service.moderate, principal, feedback_id, True, reply)
    return {"id": feedback_id, "status": state}


@router.post(
    "/api/feedback/{feedback_id}/reject",
    summary="Reject feedback with a reason (kept for staff and the audit log, never shown publicly)",
    responses=MODERATION_ERRORS,
)
async def reject_feedback(feedback_id: FeedbackId, body: RejectIn, principal: Staff, engine: Engine) -> dict[str, Any]:
    state = await run_edit(engine, service.moderate, principal, feedback_id, False, body.reason)
    return {"id": feedback_id, "status": state}
