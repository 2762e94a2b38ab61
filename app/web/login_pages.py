"""The staff pages of the site: log in, log out, and the feedback moderation queue.

Logging in sets an HttpOnly, SameSite=Strict cookie holding an opaque token from
`auth_tokens` (Secure when the request came over https); logging out revokes that token.
The login form answers the same for an unknown user, a wrong password and a disabled
account, and it goes through the app's failed-login rate limiter like the API's token
endpoint. A login POST from another site's page (its Origin names another host) is refused,
so nobody can log a visitor into an account of the attacker's choosing.
"""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.auth.cookie_session import load_session
from app.auth.csrf import CSRF_FORM_FIELD, SESSION_COOKIE, csrf_matches, safe_next
from app.auth.login import log_in
from app.auth.ratelimit import Limited
from app.auth.tokens import issue_token, revoke_token
from app.core.dependencies import get_conn, get_engine
from app.feedback.queries import staff_feedback
from app.web.i18n import Translator, get_lang
from app.web.i18n_editing import EDITOR_JS_KEYS
from app.web.pages import render, to_login, with_lang
from app.web.viewer import attach_session, page_session

router = APIRouter(include_in_schema=False, dependencies=[Depends(attach_session)])

Conn = Annotated[AsyncConnection, Depends(get_conn)]
Engine = Annotated[AsyncEngine, Depends(get_engine)]


def _same_origin(request: Request) -> bool:
    """A browser names the page a POST came from in Origin; absent (old browsers, curl) is allowed."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", "")


def _login_page(
    request: Request, t: Translator, *, next_url: str, error: str | None, status_code: int, username: str = ""
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        t,
        status_code=status_code,
        next_url=next_url,
        error=error,
        username=username,
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    t = Translator(get_lang(request))
    return _login_page(request, t, next_url=safe_next(next, with_lang("/", t.lang)), error=None, status_code=200)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    engine: Engine,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    t = Translator(get_lang(request))
    next_url = safe_next(next)
    if not _same_origin(request):
        raise HTTPException(403, "a login form must be sent from this site")
    client = request.client.host if request.client else "unknown"
    try:
        user_id = await log_in(engine, username, password, client, request.app.state.settings)
    except Limited as limited:
        page = _login_page(request, t, next_url=next_url, error=t("login_too_many"), status_code=429, username=username)
        page.headers["Retry-After"] = str(limited.retry_after)
        return page
    if user_id is None:
        return _login_page(request, t, next_url=next_url, error=t("login_failed"), status_code=401, username=username)
    ttl = request.app.state.settings.token_ttl_minutes
    async with engine.begin() as conn:
        issued = await conn.run_sync(issue_token, user_id, ttl)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=ttl * 60,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(
    request: Request,
    conn: Conn,
    engine: Engine,
    csrf_token: Annotated[str, Form(alias=CSRF_FORM_FIELD, max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    session = await load_session(request, conn)
    if session is not None:
        if not csrf_matches(session.token, csrf_token):
            raise HTTPException(403, "the logout form's CSRF token is missing or wrong; reload the page")
        async with engine.begin() as write:
            await write.run_sync(revoke_token, session.token)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/moderation", response_class=HTMLResponse)
async def moderation_page(request: Request, conn: Conn) -> Response:
    t = Translator(get_lang(request))
    session = page_session(request)
    if session is None:
        return to_login("/moderation", t.lang)
    pending = await conn.run_sync(staff_feedback, session.principal, "pending", 200)
    recent = [
        item
        for item in await conn.run_sync(staff_feedback, session.principal, "all", 40)
        if item["status"] != "pending"
    ][:20]
    config = {"lang": t.lang, "messages": {key: t(key) for key in EDITOR_JS_KEYS}}
    return render(request, "moderation.html", t, pending=pending, recent=recent, moderation_config=config)
