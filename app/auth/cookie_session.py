"""Who a cookie-carrying browser request comes from, and the CSRF check for its writes.

`app.api.security.optional_principal` falls back to this when there is no bearer token, so
every write endpoint accepts a logged-in browser as well as an API client; the pages use
it to show the user's name and what they may edit.
"""

from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.csrf import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_matches, csrf_token_for
from app.auth.principal import Principal, principal_for_token


@dataclass(frozen=True)
class Session:
    """A valid login session: its principal, its raw token (to revoke it) and its CSRF token."""

    principal: Principal
    token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.token)


def session_token(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return token if token and len(token) <= 200 else None


async def load_session(request: Request, conn: AsyncConnection) -> Session | None:
    """The session of the request's cookie; None without one, or when it expired or was revoked.

    An invalid cookie is treated as no cookie (the reader is simply anonymous), not as an
    error: a stale cookie after a logout elsewhere must not break public pages.
    """
    token = session_token(request)
    if token is None:
        return None
    principal = await principal_for_token(conn, token)
    return None if principal is None else Session(principal, token)


def csrf_refused() -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail=f"cookie-authenticated writes need the page's CSRF token in the {CSRF_HEADER} header",
    )


async def cookie_principal(request: Request, conn: AsyncConnection) -> Principal | None:
    """The logged-in user of a browser request; on unsafe methods only with the right CSRF token.

    A missing or wrong CSRF token is refused (403) rather than treated as anonymous, so the
    forged request is visibly rejected instead of failing later with a confusing 401.
    """
    session = await load_session(request, conn)
    if session is None:
        return None
    if request.method not in SAFE_METHODS and not csrf_matches(session.token, request.headers.get(CSRF_HEADER)):
        raise csrf_refused()
    return session.principal
