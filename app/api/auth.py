"""Logging in and out of the API."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.cookie_session import session_token
from app.auth.dependencies import UNAUTHORIZED, oauth2_scheme, require_principal
from app.auth.login import log_in
from app.auth.principal import Principal
from app.auth.ratelimit import Limited
from app.auth.tokens import issue_token, revoke_token
from app.core.dependencies import get_engine

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _principal_json(p: Principal) -> dict[str, Any]:
    return {"username": p.username, "display_name": p.display_name, "role": p.role, "towns": sorted(p.towns)}


@router.post(
    "/token",
    summary="Exchange username and password for a bearer token",
    responses={
        401: {"description": "Wrong username or password (the message does not say which)"},
        429: {"description": "Too many failed logins from this address (or for this username); see Retry-After"},
    },
)
async def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
) -> dict[str, Any]:
    client = request.client.host if request.client else "unknown"
    try:
        user_id = await log_in(engine, form.username, form.password, client, request.app.state.settings)
    except Limited as limited:  # 429 before any password is checked
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, limited.message, {"Retry-After": str(limited.retry_after)}
        ) from None
    if user_id is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    ttl = request.app.state.settings.token_ttl_minutes
    async with engine.begin() as conn:
        issued = await conn.run_sync(issue_token, user_id, ttl)
    return {
        "access_token": issued.token,
        "token_type": "bearer",
        "expires_in": ttl * 60,
        "expires_at": issued.expires_at.isoformat(),
    }


@router.post("/logout", status_code=204, summary="Revoke the token used for this request", responses=UNAUTHORIZED)
async def logout(
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
    token: Annotated[str | None, Depends(oauth2_scheme)],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
) -> None:
    # Authenticated by a bearer token, or else by the site's cookie (whose CSRF token was checked).
    used = token or session_token(request)
    assert used is not None
    async with engine.begin() as conn:
        await conn.run_sync(revoke_token, used)


@router.get("/me", summary="The logged-in user", responses=UNAUTHORIZED)
async def me(principal: Annotated[Principal, Depends(require_principal)]) -> dict[str, Any]:
    return _principal_json(principal)
