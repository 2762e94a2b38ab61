"""The phone page where an official files a month's progress report with photos, in a few taps.

The server renders only the form's frame (project name, the months the project's programmes allow,
the labels); the script sends the photo to /api/projects/{slug}/photos and the report to
/api/projects/{slug}/progress with the session's CSRF token, so the page uses the API like any client.
"""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.clock import today as lianzhou_today
from app.core.dependencies import get_conn
from app.core.errors import Forbidden, NotFound
from app.programmes.service import project_programmes
from app.progress.deadlines import first_of_month
from app.progress.service import locked_project
from app.web.i18n import Translator, get_lang
from app.web.pages import render, to_login
from app.web.viewer import attach_session, page_session

router = APIRouter(include_in_schema=False, dependencies=[Depends(attach_session)])

# The page's own words; kept here, with the page, rather than in the shared catalogues other pages edit.
WORDS = {
    "title": ("月度进度填报", "Monthly progress report"),
    "month": ("月份", "Month"),
    "invested": ("本月完成投资(万元)", "Invested this month (10k CNY)"),
    "progress": ("形象进度(%)", "Physical progress (%)"),
    "milestones": ("本月节点", "Milestones reached"),
    "work_done": ("形象进度描述", "What was done"),
    "problems": ("存在问题", "Problems"),
    "coordination": ("需协调事项", "Coordination needed"),
    "photo": ("现场照片", "Site photo"),
    "locate": ("附上拍摄位置(需您同意定位)", "Attach where I am (asks for location permission)"),
    "correction": ("更正原因(更正已报月份时必填)", "Reason for correcting (required for a month already reported)"),
    "submit": ("提交", "Submit"),
    "none": ("本项目不在任何年度计划中,暂不能填报。", "This project is in no annual programme; nothing to report yet."),
    "sent": ("已提交:第{version}版,状态:{state}", "Filed: version {version}, state: {state}"),
    "uploading": ("正在上传照片…", "Uploading the photo…"),
}


def _months(years: list[int], today: date) -> list[str]:
    """The months of the project's programme years up to this month, latest first."""
    this_month = first_of_month(today)
    months = [date(y, m, 1) for y in years for m in range(1, 13) if date(y, m, 1) <= this_month]
    return [f"{m:%Y-%m}" for m in sorted(months, reverse=True)]


@router.get("/report/{slug}", response_class=HTMLResponse)
async def report_page(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, PathParam(max_length=120)],
) -> Response:
    t = Translator(get_lang(request))
    session = page_session(request)
    if session is None:
        return to_login(f"/report/{quote(slug)}", t.lang)
    try:
        project = await conn.run_sync(lambda c: locked_project(c, session.principal, slug, lock=False))
    except (NotFound, Forbidden) as refused:
        status = 404 if isinstance(refused, NotFound) else 403
        return render(request, "not_found.html", t, status_code=status, what=refused.message)
    years = [int(p["year"]) for p in await conn.run_sync(project_programmes, slug)]
    words = {key: pair[1 if t.lang == "en" else 0] for key, pair in WORDS.items()}
    config = {"slug": slug, "lang": t.lang, "words": words}
    return render(
        request, "report.html", t, words=words, slug=slug, name=project.name_en if t.lang == "en" else project.name_zh,
        months=_months(years, lianzhou_today()), report_config=config,
    )  # fmt: skip
