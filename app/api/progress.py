"""Monthly progress reports: filed by a project's officials, reviewed where required, read with their sums.

`GET /api/progress/standing` is the year's picture the maps and the dashboard read: each programme
item's investment through the last month already due against the year's plan, its latest progress
and photo, and the months missing or filed late (deadline: PLANMAP_REPORT_DEADLINE_DAY of the next
month, Lianzhou's date).
"""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import check_as_of, run_read, settings_of
from app.api.dates import IsoDate
from app.api.paging import LIST_PAGE, ListCursor, ListLimit, decode_cursor, list_page
from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, optional_principal, require_planner, require_principal
from app.auth.principal import Principal
from app.catalog.vocab import load_vocab_sync
from app.core.clock import today as lianzhou_today
from app.core.dependencies import get_engine
from app.photos.service import may_see_all
from app.programmes.service import project_programmes
from app.programmes.vocab import LABELS as CLASS_LABELS
from app.progress import service
from app.progress.glance import glance, year_summary
from app.progress.service import ReportIn
from app.units.service import list_units

router = APIRouter(tags=["progress"])
ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED, **FORBIDDEN, 404: {"description": "No such project or report"},
    409: {"description": "The month already has a report (send a correction with its reason), or already reviewed"},
    422: {"description": "Each problem named"},
}  # fmt: skip
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TEXT = 4000


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(description="The month reported on, YYYY-MM.", examples=["2025-10"])
    invested_cny_10k: Decimal = Field(
        ge=0, lt=Decimal("1e12"), decimal_places=2, description="Investment completed in this month alone, 万元."
    )
    progress_pct: Decimal = Field(ge=0, le=100, decimal_places=2, description="Physical progress of the whole project.")
    milestones: str = Field(default="", max_length=TEXT, description="Milestones reached this month.")
    work_done: str = Field(default="", max_length=TEXT, description="What was done (形象进度).")
    problems: str = Field(default="", max_length=TEXT, description="存在问题.")
    coordination: str = Field(default="", max_length=TEXT, description="需协调事项: what others must do.")
    photo_ids: list[StrictInt] = Field(
        default_factory=list, max_length=20, description="Photos uploaded for the project."
    )
    correction_reason: str | None = Field(
        default=None, max_length=2000, description="Required to correct a month already reported: why."
    )

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not MONTH.match(value):
            raise ValueError("month is written YYYY-MM, e.g. 2025-10")
        return value

    def domain(self) -> ReportIn:
        year, month = (int(p) for p in self.month.split("-"))
        fields = self.model_dump(exclude={"month"})
        return ReportIn(month=date(year, month, 1), **fields)


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


@router.post("/api/projects/{slug}/progress", status_code=201, responses=ERRORS, summary="File a monthly report")
async def file_report(
    slug: SlugPath,
    body: ReportBody,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
) -> dict[str, Any]:
    return await run_edit(engine, service.submit, principal, slug, body.domain(), lianzhou_today())


@router.get("/api/projects/{slug}/progress", responses=ERRORS, summary="A project's months, sums and (staff) versions")
async def project_progress(
    slug: SlugPath,
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> dict[str, Any]:
    staff = await run_read(engine, may_see_all, principal, slug)
    deadline = settings_of(request).report_deadline_day
    body = await run_read(engine, service.project_reports, slug, staff, deadline)
    body["programmes"] = await run_read(engine, project_programmes, slug)
    return body


@router.get("/api/progress/pending", responses=ERRORS, summary="Reports waiting for review (planners)")
async def pending_reports(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> list[dict[str, Any]]:
    return await run_read(engine, service.pending)


@router.post("/api/progress/{report_id}/approve", responses=ERRORS, summary="Publish a pending report")
async def approve_report(
    report_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    return await run_edit(engine, service.review, principal, report_id, True, None)


@router.post("/api/progress/{report_id}/reject", responses=ERRORS, summary="Reject a pending report, saying why")
async def reject_report(
    report_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: Review,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    return await run_edit(engine, service.review, principal, report_id, False, body.reason)


Flag = Literal["missing", "late", "behind"]


@router.get("/api/progress/standing", summary="The year's standing of every programme project (maps, dashboard)")
async def standing(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: this year in Lianzhou.")] = None,
    as_of: Annotated[IsoDate | None, Query(description="Judge deadlines as on this day (Lianzhou).")] = None,
    flag: Annotated[Flag | None, Query(description="Only projects missing a report, filed late, or behind.")] = None,
    limit: ListLimit = LIST_PAGE,
    cursor: ListCursor = None,
) -> dict[str, Any]:
    """The items in slug order, a page at a time (`limit`, and the `next` link's `cursor`): a page reads
    only its own items' reports. `numberMatched` (the year's items) is on a first page without `flag`.
    With `flag` a page holds `limit` flagged items: for the current day they are found from what the
    database keeps per project and year. For a past day (`as_of`) they are found from each item's reports
    as they stood then, looking at 5,000 items at most (or `limit`, if larger): a page whose search stopped
    there says how far it looked (`searched_through`, the last slug looked at) and has a `next` link
    continuing after it, so it may hold fewer than `limit` items, or none; follow `next`
    until there is none for every flagged item (a rare flag's page answers in well under a second at a
    million items, where filling it from the whole year's reports took most of a minute)."""
    today = check_as_of(as_of, lianzhou_today())
    page = service.StandingPage(limit, None if cursor is None else decode_cursor(cursor), flag)
    deadline = settings_of(request).report_deadline_day
    body = await run_read(engine, service.standing_page, year or lianzhou_today().year, today, deadline, page)
    for item in body["items"]:
        item.pop("id", None)
    last = body.get("searched_through") or (body["items"][-1]["slug"] if body["items"] else None)
    return list_page(request, body, limit, last)


def _labels(conn: Connection, by: str) -> dict[str, dict[str, str]]:
    """The Chinese and English names of a grouping's keys: towns and units, categories, classes."""
    if by in ("town", "unit"):
        return {u["slug"]: {"zh": u["name_zh"], "en": u["name_en"]} for u in list_units(conn)}
    if by == "class":
        return {cls.value: {"zh": zh, "en": en} for cls, (zh, en) in CLASS_LABELS.items()}
    zh, en = (load_vocab_sync(conn, lang).category_labels for lang in ("zh", "en"))
    return {code: {"zh": label, "en": en.get(code, code)} for code, label in zh.items()}


Grouping = Literal["town", "unit", "category", "class"]


@router.get("/api/progress/summary", summary="The year summed by town, lead unit, category or class")
async def summary(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    by: Annotated[Grouping, Query()] = "town",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    as_of: Annotated[IsoDate | None, Query()] = None,
) -> dict[str, Any]:
    """Planned and completed investment and report counts per group, with the county's total; each
    group carries its names (`label_zh`, `label_en`) so a page or a spreadsheet needs no other lookup."""
    today = check_as_of(as_of, lianzhou_today())
    deadline = settings_of(request).report_deadline_day
    body = await run_read(engine, year_summary, year or lianzhou_today().year, today, deadline, by)
    labels = await run_read(engine, _labels, by)
    for group in body["groups"]:
        names = labels.get(group["key"], {})
        group["label_zh"], group["label_en"] = names.get("zh", group["key"]), names.get("en", group["key"])
    return body


@router.get(
    "/api/progress/projects",
    summary="Each project's latest progress and photo, its report of the last month due, and whether behind",
    responses={404: {"description": "No such project (`project=`)"}},
)
async def projects_glance(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    as_of: Annotated[
        IsoDate | None,
        Query(description="Judge as on this day (Lianzhou): only reports filed and approved by its end count."),
    ] = None,
    project: Annotated[
        str | None,
        Query(min_length=1, max_length=120, description="This project alone (a vector-tile map's popup)."),
    ] = None,
) -> dict[str, Any]:
    """What the maps' popups, filters and list show (app/progress/glance.py says what each field means).

    Public: progress in force and approved photos are what the public project page shows too; the
    place a photo was taken is not here at all.
    """
    today = check_as_of(as_of, lianzhou_today())
    return await run_read(engine, glance, today, settings_of(request).report_deadline_day, project)
