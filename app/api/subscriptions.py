"""Public subscriptions by email: follow a project, a town, or a radius around a point.

Anyone may ask; nothing is sent but the confirmation mail until its owner confirms (double
opt-in). The answer is the same whatever the address, so the API cannot be used to learn who
is subscribed, and no route ever returns an address.
"""

from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.project_writes import run_edit
from app.core.dependencies import get_engine
from app.feedback.client import client_hash
from app.notify import subscriptions

router = APIRouter(tags=["subscriptions"])
Engine = Annotated[AsyncEngine, Depends(get_engine)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
Token = Annotated[str, Field(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Near(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    radius_km: float = Field(ge=0.1, le=20, allow_inf_nan=False, description="0.1 to 20 km, by true distance.")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="Where the confirmation and the daily digests go; never shown to anyone.")
    lang: Literal["zh", "en"] = "zh"
    project: Slug | None = Field(default=None, description="Follow one project (its slug)")
    town: Slug | None = Field(default=None, description="Follow every project of a town (its slug)")
    near: Near | None = Field(default=None, description="Follow projects within a radius of a point in Lianzhou")

    @model_validator(mode="after")
    def _one_scope(self) -> Self:
        if sum(x is not None for x in (self.project, self.town, self.near)) != 1:
            raise ValueError("give exactly one of project, town or near")
        return self


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Token


ACCEPTED = {
    "detail": "if the address can receive mail, a confirmation link is on its way; nothing is sent until it is opened"
}


@router.post(
    "/api/subscriptions",
    status_code=202,
    summary="Follow a project, a town, or a radius around a point by email (double opt-in; daily digest)",
    responses={
        404: {"description": "No such project or town"},
        422: {"description": "Not an email address, not exactly one of project/town/near, or a point outside Lianzhou"},
        429: {"description": "Too many subscriptions from this client, or confirmations to this address"},
    },
)
async def subscribe(item: SubscriptionIn, request: Request, engine: Engine) -> dict[str, str]:
    settings = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    new = subscriptions.NewSubscription(
        email=str(item.email),
        lang=item.lang,
        scope="project" if item.project else "town" if item.town else "near",
        project=item.project,
        town=item.town,
        lon=item.near.lon if item.near else None,
        lat=item.near.lat if item.near else None,
        radius_m=round(item.near.radius_km * 1000) if item.near else None,
    )

    def work(conn: Any) -> None:
        subscriptions.subscribe(conn, new, client_hash(conn, address), settings.public_url)

    await run_edit(engine, work)
    return ACCEPTED


@router.post(
    "/api/subscriptions/confirm",
    summary="Confirm a subscription with the token from its confirmation mail",
    responses={404: {"description": "No such subscription"}},
)
async def confirm(body: TokenIn, engine: Engine) -> dict[str, str]:
    scope = await run_edit(engine, subscriptions.confirm, body.token)
    return {"status": "confirmed", "scope": scope}


@router.post(
    "/api/subscriptions/unsubscribe",
    summary="Unsubscribe: the subscription and its address are deleted",
    responses={404: {"description": "No such subscription (already unsubscribed?)"}},
)
async def unsubscribe(body: TokenIn, engine: Engine) -> dict[str, str]:
    await run_edit(engine, subscriptions.unsubscribe, body.token)
    return {"status": "unsubscribed"}
