"""The public disclosure page (规划实施情况公开): what the plan promised and what is done, by town and by
chapter, in plain words, with the map, dated and printable; and the public evaluation (公众评价) of the
completed projects, with a plain HTML form (no script, no account) whose ratings wait for moderation.

The figures are the evaluation report's (app/reports/evaluation.py), i.e. the dashboard's for today, read
through the public source; the map is the county map of the wall-map renderer, drawn in its render pool.
Nothing a reader typed is shown before a moderator approved it, and then only as escaped text.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.clock import today
from app.core.dependencies import get_conn, get_engine
from app.core.errors import Conflict, NotFound, RateLimited
from app.feedback.client import client_hash
from app.reports.evaluation import Kind, build_evaluation
from app.reports.queries import LAST_CHANGE
from app.reports.ratings import rating_results, submit_rating
from app.wallmap.county import load_county_map
from app.wallmap.evaluation import county_map_png
from app.wallmap.renderer import RenderBusy, RenderCrashed, RenderPool, RenderTimedOut
from app.web.i18n import Translator, get_lang
from app.web.pages import render, with_lang

router = APIRouter(include_in_schema=False)
PLAN = "lianzhou-14th"

# The page's own words, kept with the page (zh, en).
WORDS = {
    "title": ("规划实施情况公开", "How the plan is going"),
    "dated": (
        "数据截至 {day}，每次打开本页时由项目库自动生成。",
        "Figures as of {day}, made from the project records each time this page is opened.",
    ),
    "promised": ("规划承诺了什么、做到了哪里", "What the plan promised and what is done"),
    "summary": (
        "《{plan}》列出 {total} 个项目，其中 {promised} 个是要新建或续建的（其余是已有设施）。"
        "到今天，{started} 个已经开工（占 {share}），{completed} 个已经建成；{late} 个比计划慢了。",
        "The plan lists {total} projects; {promised} of them are to be built (the rest already exist). "
        "By today {started} have started ({share}) and {completed} are finished; {late} are behind schedule.",
    ),
    "map": ("项目分布图", "Map of the projects"),
    "map_note": (
        "颜色表示项目状态；涉密项目只标在所在镇政府驻地。",
        "Colours show each project's status; sensitive sites are shown at their town seat only.",
    ),
    "by_town": ("各镇（街道）情况", "By town"),
    "by_chapter": ("规划各章情况", "By chapter of the plan"),
    "town": ("镇（街道）", "Town"),
    "chapter": ("规划章节", "Chapter"),
    "projects": ("项目数", "Projects"),
    "started": ("已开工", "Started"),
    "completed": ("已建成", "Finished"),
    "share": ("开工比例", "Share started"),
    "late": ("进度滞后", "Behind schedule"),
    "rate_title": ("公众评价：已建成项目", "Public evaluation: finished projects"),
    "rate_intro": (
        "您可以给已建成的项目打分（1—5 分），并可留言。评分经审核后公开，不需要注册。",
        "You may rate a finished project from 1 to 5, with a comment if you like. Ratings are published "
        "after moderation; no account is needed.",
    ),
    "no_completed": ("目前还没有已建成的项目。", "No project is finished yet."),
    "average": ("平均 {average} 分（{n} 人评价）", "Average {average} ({n} ratings)"),
    "unrated": ("尚无公开的评价", "No published ratings yet"),
    "your_rating": ("您的评分", "Your rating"),
    "comment": ("留言（可选）", "Comment (optional)"),
    "send": ("提交评价", "Send rating"),
    "rated_ok": (
        "谢谢！您的评价已收到，审核后公开。",
        "Thank you! Your rating was received and will be published after moderation.",
    ),
    "rated_limited": ("提交太频繁，请一小时后再试。", "Too many ratings from you: please try again in an hour."),
    "rated_invalid": (
        "请选择 1—5 分，留言不超过 2000 字。",
        "Please choose 1 to 5; comments are limited to 2000 characters.",
    ),
    "rated_closed": ("该项目尚未建成，不能评价。", "That project is not finished, so it cannot be rated."),
}
OUTCOMES = ("ok", "limited", "invalid", "closed")


def words(lang: str) -> dict[str, str]:
    i = 1 if lang == "en" else 0
    return {key: pair[i] for key, pair in WORDS.items()}


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


@router.get("/disclosure", response_class=HTMLResponse)
async def disclosure_page(
    request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)], rated: str | None = None
) -> HTMLResponse:
    t = Translator(get_lang(request))
    w = words(t.lang)
    report = await build_evaluation(conn, PLAN, Kind.ANNUAL, as_of=today())
    results = await conn.run_sync(rating_results)
    plan_name = report.plan["name_en" if t.lang == "en" else "name_zh"]
    summary = w["summary"].format(
        plan=plan_name,
        total=report.totals["total"],
        promised=report.totals["plan_projects"],
        started=report.totals["started"],
        share=percent(report.started_share),
        completed=report.totals.get("completed", 0),
        late=report.totals["late"],
    )
    return render(
        request,
        "disclosure.html",
        t,
        w=w,
        report=report,
        summary=summary,
        dated=w["dated"].format(day=report.as_of.isoformat()),
        results=results,
        outcome=rated if rated in OUTCOMES else None,
        percent=percent,
        map_src=with_lang("/disclosure/map.png", t.lang),
        rate_action=lambda slug: with_lang(f"/disclosure/rate/{slug}", t.lang),
    )


@router.get("/disclosure/map.png")
async def disclosure_map(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> Response:
    """Today's county map as a picture, drawn in the wall maps' render pool (time limit, cap) and kept until
    the day or the catalog changes, so every reader after the first gets it at once."""
    day = today()
    changed = (await conn.execute(LAST_CHANGE)).scalar()
    key = (day, changed)
    cached: tuple[object, bytes] | None = getattr(request.app.state, "disclosure_map", None)
    if cached is not None and cached[0] == key:
        png = cached[1]
    else:
        data = await conn.run_sync(load_county_map, PLAN, day, day)
        renders: RenderPool = request.app.state.wallmap_renders
        try:
            png = await renders.run_async(county_map_png, data)
        except (RenderBusy, RenderTimedOut, RenderCrashed):
            return Response(status_code=503, headers={"Retry-After": "30"})
        request.app.state.disclosure_map = (key, png)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=600"})


@router.post("/disclosure/rate/{slug}")
async def rate_from_page(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    slug: Annotated[str, PathParam(max_length=120)],
    rating: Annotated[str, Form(max_length=2)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    """The form's answer is a redirect back to the page with a fixed message (never the reader's text)."""
    lang = get_lang(request)
    address = request.client.host if request.client else "unknown"
    per_hour: int = request.app.state.settings.feedback_per_hour
    text = comment.strip()
    outcome = "ok"
    if not rating.isdigit() or not 1 <= int(rating) <= 5 or len(text) > 2000:
        outcome = "invalid"
    else:

        def work(conn: Connection) -> None:
            submit_rating(conn, slug, int(rating), text, client_hash(conn, address), per_hour)

        try:
            async with engine.begin() as conn:
                await conn.run_sync(work)
        except RateLimited:
            outcome = "limited"
        except (Conflict, NotFound):
            outcome = "closed"
    target = with_lang(f"/disclosure?rated={outcome}", lang) + "#ratings"
    return RedirectResponse(target, status_code=303)
