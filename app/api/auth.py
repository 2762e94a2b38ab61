"""Logging in and out of the API."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.deps import get_engine
from app.api.security import UNAUTHORIZED, oauth2_scheme, require_principal
from app.auth.passwords import verify_password
from app.auth.principal import Principal
from app.auth.tokens import issue_token, revoke_token

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _principal_json(p: Principal) -> dict[str, Any]:
    return {"username": p.username, "display_name": p.display_name, "role": p.role, "towns": sorted(p.towns)}


@router.post(
    "/token",
    summary="Exchange username and password for a bearer token",
    responses={401: {"description": "Wrong username or password (the message does not say which)"}},
)
async def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
) -> dict[str, Any]:
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                text("SELECT id, password_hash, is_active FROM users WHERE username = :u"),
                {"u": form.username.strip().lower()},
            )
        ).one_or_none()
        ok = verify_password(row.password_hash if row else None, form.password)
        if not ok or row is None or not row.is_active:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="wrong username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        ttl = request.app.state.settings.token_ttl_minutes
        issued = await conn.run_sync(issue_token, row.id, ttl)
    return {
        "access_token": issued.token,
        "token_type": "bearer",
        "expires_in": ttl * 60,
        "expires_at": issued.expires_at.isoformat(),
    }


@router.post("/logout", status_code=204, summary="Revoke the token used for this request", responses=UNAUTHORIZED)
async def logout(
    principal: Annotated[Principal, Depends(require_principal)],
    token: Annotated[str | None, Depends(oauth2_scheme)],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
) -> None:
    assert token is not None
    async with engine.begin() as conn:
        await conn.run_sync(revoke_token, token)


@router.get("/me", summary="The logged-in user", responses=UNAUTHORIZED)
async def me(principal: Annotated[Principal, Depends(require_principal)]) -> dict[str, Any]:
    return _principal_json(principal)
