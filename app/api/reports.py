"""The reports a planning bureau hands in, as downloads: the OC4IDS project package (public) and the
evaluation report and the monthly investment table (planners).

The documents themselves are built in app/exports and app/reports; this module only serves them.
"""

from datetime import date
from typing import Annotated, Any, Literal

import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.api.dates import IsoDate
from app.auth.dependencies import require_planner
from app.auth.principal import Principal
from app.core.clock import today
from app.core.db import make_sync_engine
from app.core.dependencies import get_conn, get_engine
from app.core.errors import Unavailable
from app.exports.oc4ids import catalog_package
from app.feedback.client import client_hash
from app.reports.evaluation import Kind
from app.reports.investment import month_workbook, parse_month
from app.reports.ratings import rating_results, submit_rating
from app.wallmap.evaluation import evaluation_documents
from app.wallmap.renderer import RenderBusy, RenderCrashed, RenderTimedOut

router = APIRouter(prefix="/api", tags=["reports"])


@router.get(
    "/export/oc4ids",
    summary="Every project as an OC4IDS 0.9 project package (JSON)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "An OC4IDS project package"}},
)
async def export_oc4ids(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> Response:
    """Public locations only (sensitive sites at their town seat); fields planmap does not know are left out."""
    package: dict[str, Any] = await conn.run_sync(catalog_package, str(request.url))
    filename = f"lianzhou-projects-oc4ids-{today().isoformat()}.json"
    return Response(
        orjson.dumps(package, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVALUATION_MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get(
    "/reports/evaluation.{fmt}",
    summary="The evaluation report of a plan (annual / mid-term / final) as DOCX or PDF, for planners",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in EVALUATION_MEDIA.values()}},
        401: {"description": "Not logged in"},
        403: {"description": "Not a planner"},
        404: {"description": "No such plan"},
        422: {"description": "A day in the future, or an unknown kind"},
        503: {"description": "Too many documents being drawn, or this one took too long; see Retry-After"},
    },
)
async def evaluation_report(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    _planner: Annotated[Principal, Depends(require_planner)],
    fmt: Annotated[Literal["docx", "pdf"], Path(description="docx (to edit further) or pdf (to file)")],
    plan: Annotated[str, Query(max_length=60, examples=["lianzhou-14th"])],
    kind: Annotated[Kind, Query(description="annual (年度考核), midterm (中期评估), final (总结评估)")],
    as_of: Annotated[IsoDate | None, Query(description="The day of the figures; default by kind")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="For annual: the year (default last)")] = None,
) -> Response:
    """Figures as `/api/stats?plan=…&as_of=…` gives them for the same day; drawn in the wall maps' render pool."""
    try:
        documents = await evaluation_documents(conn, plan, kind, as_of, year, request.app.state.wallmap_renders)
    except RenderBusy as busy:
        raise Unavailable(f"the report was not drawn: {busy}; try again shortly", 5) from None
    except (RenderTimedOut, RenderCrashed) as slow:
        raise Unavailable(f"the report was not drawn: it {slow} and was stopped; try again later", 60) from None
    return Response(
        documents.files[fmt],
        media_type=EVALUATION_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{documents.stem}.{fmt}"'},
    )


def _workbook(url: str, first: date) -> bytes:
    """The workbook, built in a worker thread on a connection of its own: writing it is seconds of Python
    per 10 k items (80-95 s at 100 k), which on the event loop would stall every other request of this
    worker. A transaction, not the autocommit read: its rows come from a server-side cursor."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return month_workbook(conn, first)
    finally:
        engine.dispose()


@router.get(
    "/reports/investment.xlsx",
    summary="The month's key-project investment table (XLSX, 万元), for planners",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}},
        401: {"description": "Not logged in"},
        403: {"description": "Not a planner"},
        404: {"description": "No annual programme for that year"},
        422: {"description": "The month is not YYYY-MM, or has not begun"},
    },
)
async def investment_table(
    request: Request,
    _planner: Annotated[Principal, Depends(require_planner)],
    month: Annotated[str, Query(max_length=7, examples=["2026-11"], description="The month, YYYY-MM")],
) -> Response:
    """Every item of the year's programme: plan, this month, this year, rate against 序时进度, subtotals."""
    first = parse_month(month)
    url: str = request.app.state.settings.database_url
    content = await anyio.to_thread.run_sync(_workbook, url, first)
    filename = f"planmap-investment-{first:%Y-%m}.xlsx"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


RATING_PATH = "/api/projects/{slug}/rating"


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rating: int = Field(ge=1, le=5, strict=True, description="1 (poor) to 5 (very good)")
    comment: str = Field(default="", max_length=2000, description="Optional; shown once approved")

    @field_validator("comment")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise ValueError("the comment contains control characters")
        return value


@router.post(
    RATING_PATH.removeprefix("/api"),  # the router adds its prefix; the full path is what the body limit names
    status_code=201,
    summary="Rate a completed project 1-5 with an optional comment (anyone; held for moderation)",
    responses={
        404: {"description": "No such project"},
        409: {"description": "The project is not completed"},
        413: {"description": "The body is too large"},
        422: {"description": "A rating outside 1-5, or a comment too long"},
        429: {"description": "Too many ratings from this client in the last hour (see Retry-After)"},
    },
)
async def rate_project(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    slug: Annotated[str, Path(max_length=120)],
    item: RatingIn,
) -> dict[str, Any]:
    address = request.client.host if request.client else "unknown"
    per_hour: int = request.app.state.settings.feedback_per_hour

    def work(conn: Connection) -> dict[str, Any]:
        return submit_rating(conn, slug, item.rating, item.comment, client_hash(conn, address), per_hour)

    async with engine.begin() as conn:
        result: dict[str, Any] = await conn.run_sync(work)
    return result


@router.get("/ratings", summary="Public evaluation: approved ratings of each completed project")
async def ratings(conn: Annotated[AsyncConnection, Depends(get_conn)]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = await conn.run_sync(rating_results)
    return results
