"""The supervision page of a project (督办), usable on a phone: planners open, close and reopen
tickets; the addressed unit's officials answer. The page calls /api/…/tickets with the session's
CSRF token, like any client; everything a person typed is rendered as text (autoescaped).
"""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.clock import LIANZHOU_TZ
from app.core.clock import today as lianzhou_today
from app.core.dependencies import get_conn
from app.supervision import service
from app.web.i18n import Translator, get_lang
from app.web.pages import render, to_login
from app.web.viewer import attach_session, page_session

router = APIRouter(include_in_schema=False, dependencies=[Depends(attach_session)])

WORDS = {
    "title": ("督办", "Supervision"),
    "open": ("发起督办", "Open a ticket"),
    "unit": ("责任单位", "Responsible unit"),
    "request": ("督办事项", "What is asked"),
    "deadline": ("答复期限", "Answer by"),
    "submit": ("发起", "Open"),
    "none": ("暂无督办事项。", "No supervision tickets."),
    "answer": ("答复", "Answer"),
    "send": ("提交答复", "Send answer"),
    "close": ("办结", "Close"),
    "reopen": ("重新督办", "Reopen"),
    "reason": ("重新督办原因", "Why it is reopened"),
    "state_open": ("待答复", "awaiting answer"),
    "state_answered": ("已答复", "answered"),
    "state_closed": ("已办结", "closed"),
    "flag_overdue": ("已逾期", "overdue"),
    "flag_due_soon": ("即将到期", "due soon"),
    "kind_answer": ("答复", "answer"),
    "kind_close": ("办结", "closed"),
    "kind_reopen": ("重新督办", "reopened"),
    "photos": ("照片(可选,可多张;上传时去除拍摄信息)", "Photos (optional, several allowed; camera data is removed)"),
    "uploading": ("正在上传照片 {n}/{total}…", "Uploading photo {n} of {total}…"),
    "photo_alt": ("答复照片", "Photo of the answer"),
}


@router.get("/projects/{slug}/tickets", response_class=HTMLResponse)
async def ticket_page(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, PathParam(max_length=120)],
) -> Response:
    t = Translator(get_lang(request))
    session = page_session(request)
    if session is None:
        return to_login(f"/projects/{quote(slug)}/tickets", t.lang)
    project = await conn.run_sync(service.project_names, slug)
    if project is None:
        return render(request, "not_found.html", t, status_code=404, what=f"/projects/{slug}/tickets")
    settings = request.app.state.settings
    principal = session.principal
    # Only the tickets this reader may see (the API's rule, in the query): another unit's official sees none.
    tickets = await conn.run_sync(
        service.tickets_of_project, principal, slug, lianzhou_today(), settings.notify_remind_days
    )
    for ticket in tickets:  # shown in Lianzhou's time, whatever the database session's zone
        for entry in ticket["entries"]:
            entry["local"] = f"{datetime.fromisoformat(entry['at']).astimezone(LIANZHOU_TZ):%Y-%m-%d %H:%M}"
    units = await conn.run_sync(service.units_for_project, slug)
    words = {key: pair[1 if t.lang == "en" else 0] for key, pair in WORDS.items()}
    return render(
        request, "tickets.html", t, words=words, slug=slug, tickets=tickets, units=units,
        name=project["name_en"] if t.lang == "en" else project["name_zh"],
        planner=principal.edits_everywhere, my_units=sorted(principal.units), today=lianzhou_today().isoformat(),
        ticket_config={"slug": slug, "uploading": words["uploading"]},
    )  # fmt: skip
