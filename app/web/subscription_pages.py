"""The pages behind the links in subscription mail: confirm, and unsubscribe.

Opening a link (GET) changes nothing: mail scanners and link previews open links too, and must
not confirm or unsubscribe anyone. The page shows one button that POSTs; mail clients that offer
RFC 8058 one-click unsubscribe POST `List-Unsubscribe=One-Click` to the same URL directly.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.project_writes import run_edit
from app.core.dependencies import get_engine
from app.core.errors import NotFound
from app.notify import subscriptions
from app.web.i18n import Translator, get_lang
from app.web.pages import render

router = APIRouter(include_in_schema=False)
Engine = Annotated[AsyncEngine, Depends(get_engine)]
Token = Annotated[str, Query(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

WORDS = {
    "confirm_title": ("确认订阅", "Confirm your subscription"),
    "confirm_text": ("点击下面的按钮,开始接收项目动态的每日摘要。", "Press the button to start the daily digest."),
    "confirm_button": ("确认订阅", "Confirm"),
    "confirmed": ("已确认。有更新时,您每天最多收到一封摘要邮件。", "Confirmed: at most one digest a day."),
    "unsubscribe_title": ("退订", "Unsubscribe"),
    "unsubscribe_text": ("点击下面的按钮退订;您的邮箱地址将被删除。", "Press the button; your address is deleted."),
    "unsubscribe_button": ("退订", "Unsubscribe"),
    "unsubscribed": ("已退订,您的邮箱地址已删除。", "Unsubscribed; your address has been deleted."),
    "gone": ("没有这个订阅(链接可能已过期,或您已退订)。", "No such subscription (old link, or unsubscribed)."),
}


def _page(request: Request, action: str, token: str, state: str, status_code: int = 200) -> HTMLResponse:
    t = Translator(get_lang(request))
    words = {key: pair[1 if t.lang == "en" else 0] for key, pair in WORDS.items()}
    return render(request, "subscription.html", t, status_code=status_code, words=words, action=action,
                  token=token, state=state)  # fmt: skip


@router.get("/subscriptions/confirm", response_class=HTMLResponse)
async def confirm_page(request: Request, token: Token) -> HTMLResponse:
    return _page(request, "confirm", token, "ask")


@router.post("/subscriptions/confirm", response_class=HTMLResponse)
async def confirm_now(request: Request, token: Token, engine: Engine) -> HTMLResponse:
    try:
        await run_edit(engine, subscriptions.confirm, token)
    except NotFound:
        return _page(request, "confirm", token, "gone", 404)
    return _page(request, "confirm", token, "done")


@router.get("/subscriptions/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, token: Token) -> HTMLResponse:
    return _page(request, "unsubscribe", token, "ask")


@router.post("/subscriptions/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_now(request: Request, token: Token, engine: Engine) -> HTMLResponse:
    """The page's button and RFC 8058 one-click both land here; the token is in the URL for both."""
    try:
        await run_edit(engine, subscriptions.unsubscribe, token)
    except NotFound:
        return _page(request, "unsubscribe", token, "gone", 404)
    return _page(request, "unsubscribe", token, "done")
