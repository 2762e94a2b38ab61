"""The implementation cycle's pages for the bureau: the year summed (/dashboard/year) and the planners'
review of progress reports (/progress/review).

Both use the API like any client: the year's tables are drawn by dashboard_year.js from
/api/progress/summary (the server renders only the frame, the year chooser and the words), and
the review page's buttons post to /api/progress/{id}/approve and /reject with the session's CSRF
token, where the progress room audits each decision. What a person typed is shown as text.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.clock import LIANZHOU_TZ
from app.core.clock import today as lianzhou_today
from app.core.dependencies import get_conn
from app.programmes.service import list_programmes
from app.progress.service import pending
from app.web.i18n import Translator, get_lang
from app.web.i18n_cycle import REVIEW_WORDS, YEAR_WORDS, words
from app.web.pages import render, to_login
from app.web.viewer import attach_session, page_session

router = APIRouter(include_in_schema=False, dependencies=[Depends(attach_session)])
Conn = Annotated[AsyncConnection, Depends(get_conn)]
GROUPINGS = ("town", "unit", "category", "class")


@router.get("/dashboard/year", response_class=HTMLResponse)
async def year_page(
    request: Request, conn: Conn, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> HTMLResponse:
    t = Translator(get_lang(request))
    years = sorted({int(p["year"]) for p in await conn.run_sync(list_programmes)}, reverse=True)
    shown = year or lianzhou_today().year
    text = words(t, YEAR_WORDS)
    config = {"lang": t.lang, "year": shown, "api": "/api/progress/summary", "groupings": list(GROUPINGS),
              "words": text}  # fmt: skip
    return render(
        request, "dashboard_year.html", t, words=text, title=text["title"].format(year=shown), year=shown,
        years=years if shown in years else sorted([*years, shown], reverse=True), has_programme=shown in years,
        groupings=GROUPINGS, year_config=config,
    )  # fmt: skip


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(LIANZHOU_TZ):%Y-%m-%d %H:%M}"


def _review_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pending reports as the page shows them: numbers as typed, times on Lianzhou's clock."""
    return [row | {"local_at": _local(row["submitted_at"])} for row in rows]


@router.get("/progress/review", response_class=HTMLResponse)
async def review_page(request: Request, conn: Conn) -> Response:
    t = Translator(get_lang(request))
    session = page_session(request)
    if session is None:
        return to_login("/progress/review", t.lang)
    text = words(t, REVIEW_WORDS)
    if not session.principal.edits_everywhere:  # the API refuses them too (require_planner)
        return render(request, "review.html", t, status_code=403, words=text, items=[], forbidden=True,
                      review_config={"words": text})  # fmt: skip
    items = _review_items(await conn.run_sync(pending))
    return render(request, "review.html", t, words=text, items=items, forbidden=False, review_config={"words": text})
