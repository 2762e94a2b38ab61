"""Staff choose where they are reached (/api/me/channels); planners give units robots (/api/units/{slug}/robots).

Secrets (DingTalk's 加签 secret, a webhook's signing key) are accepted and never returned.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import run_read
from app.api.project_writes import run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_principal
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.notify import destinations

router = APIRouter(tags=["notifications"])
Staff = Annotated[Principal, Depends(require_principal)]
Engine = Annotated[AsyncEngine, Depends(get_engine)]
UnitSlug = Annotated[str, Path(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
ChannelId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    404: {"description": "No such unit or channel"},
    409: {"description": "That destination is already there"},
    422: {"description": "Not a valid destination"},
}


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["email", "wecom", "dingtalk", "webhook"]
    target: str = Field(min_length=3, max_length=500, description="An email address or the robot's/webhook's URL")
    secret: str | None = Field(default=None, min_length=8, max_length=200, description="Signing secret (never shown)")
    lang: Literal["zh", "en"] = "zh"


@router.get("/api/me/channels", summary="Where you are notified", responses={**UNAUTHORIZED})
async def my_channels(principal: Staff, engine: Engine) -> list[dict[str, Any]]:
    return await run_read(engine, destinations.my_channels, principal)


@router.post("/api/me/channels", status_code=201, summary="Add a way to reach you", responses=ERRORS)
async def add_channel(body: ChannelIn, principal: Staff, engine: Engine) -> dict[str, int]:
    def work(conn: Any) -> int:
        return destinations.add(conn, principal, unit=None, kind=body.kind, target=body.target, secret=body.secret,
                                lang=body.lang)  # fmt: skip

    return {"id": await run_edit(engine, work)}


@router.delete("/api/me/channels/{channel_id}", status_code=204, summary="Remove one of your channels",
               responses=ERRORS)  # fmt: skip
async def remove_channel(channel_id: ChannelId, principal: Staff, engine: Engine) -> Response:
    await run_edit(engine, destinations.remove, principal, channel_id, None)
    return Response(status_code=204)


@router.get("/api/units/{slug}/robots", summary="A unit's group robots and webhooks", responses=ERRORS)
async def robots(slug: UnitSlug, principal: Staff, engine: Engine) -> list[dict[str, Any]]:
    return await run_read(engine, destinations.unit_robots, slug)


@router.post("/api/units/{slug}/robots", status_code=201, summary="Give a unit a robot (planners)", responses=ERRORS)
async def add_robot(slug: UnitSlug, body: ChannelIn, principal: Staff, engine: Engine) -> dict[str, int]:
    def work(conn: Any) -> int:
        return destinations.add(conn, principal, unit=slug, kind=body.kind, target=body.target, secret=body.secret,
                                lang=body.lang)  # fmt: skip

    return {"id": await run_edit(engine, work)}


@router.delete("/api/units/{slug}/robots/{channel_id}", status_code=204, summary="Remove a unit's robot (planners)",
               responses=ERRORS)  # fmt: skip
async def remove_robot(slug: UnitSlug, channel_id: ChannelId, principal: Staff, engine: Engine) -> Response:
    await run_edit(engine, destinations.remove, principal, channel_id, slug)
    return Response(status_code=204)


@router.get(
    "/api/notifications/undelivered",
    summary="Messages that failed for good or are being retried, with the last error (planners, admins)",
    responses={**UNAUTHORIZED, **FORBIDDEN},
)
async def undelivered(
    principal: Staff, engine: Engine, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    return await run_read(engine, destinations.undelivered, principal, limit)
