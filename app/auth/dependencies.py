"""Authentication dependencies: who is calling, and whether they may write at all.

Per-project rules (an official's towns) are checked where the project is known, in the
editing service; here only "is there a valid token" and "which role".
"""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.cookie_session import cookie_principal
from app.auth.principal import Principal, principal_for_token
from app.core.dependencies import get_conn

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/auth/token",
    auto_error=False,
    description="Staff accounts: POST username and password to /api/auth/token for a bearer token.",
)

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (missing, expired, revoked, or user disabled)"}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Your role or towns do not allow this"}}


def unauthorized(message: str = "authentication required: send a bearer token") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"})


async def optional_principal(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal | None:
    """The bearer token's user; without one, the site's session cookie (its writes need the CSRF token)."""
    if token is None:
        return await cookie_principal(request, conn)
    principal = await principal_for_token(conn, token)
    if principal is None:
        raise unauthorized("the token is invalid, expired or revoked, or its user is disabled")
    return principal


async def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise unauthorized()
    return principal


async def require_planner(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if not principal.edits_everywhere:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only planners and admins may do this")
    return principal
