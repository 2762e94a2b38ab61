"""Annual programmes (年度计划): read by anyone, written by planners, one item at a time or from a spreadsheet."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Path, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import run_read
from app.api.paging import LIST_PAGE, ListCursor, ListLimit, decode_cursor, list_page
from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_planner
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.core.errors import Invalid
from app.programmes import service
from app.programmes.service import MAX_TARGET, ItemIn
from app.programmes.vocab import ItemClass
from app.programmes.xlsx import SheetProblems, read_programme

router = APIRouter(tags=["programmes"])
Year = Annotated[int, Path(ge=2000, le=2100, examples=[2025])]
ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED, **FORBIDDEN, 404: {"description": "No such programme or project in the plan"},
    409: {"description": "The programme belongs to another plan, or the item has reports"},
    422: {"description": "Each problem named (with its row for a spreadsheet)"},
}  # fmt: skip
MAX_SHEET_BYTES = 1 << 20


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_class: ItemClass = Field(alias="class", description="新开工 new_start, 续建 continuing, 竣工 completion, "
                                  "预备 preparatory")  # fmt: skip
    planned_investment_cny_10k: Decimal | None = Field(
        default=None, ge=0, lt=Decimal("1e12"), decimal_places=2, description="The year's planned investment, 万元."
    )
    target: str = Field(default="", max_length=MAX_TARGET, description="The year's target in words (形象进度目标).")
    plan: str | None = Field(default=None, max_length=60, description="The plan (default: the one covering the year).")


@router.get("/api/programmes", summary="Every year's programme with its size and planned investment")
async def list_programmes(engine: Annotated[AsyncEngine, Depends(get_engine)]) -> list[dict[str, Any]]:
    return await run_read(engine, service.list_programmes)


def _after(cursor: str | None) -> tuple[str, str] | None:
    """The (class, slug) a programme page's cursor continues after."""
    if cursor is None:
        return None
    item_class, _, slug = decode_cursor(cursor).partition("/")
    if not slug:
        raise Invalid(
            ("query", "cursor"), "cursor is not one this server wrote: use the `next` link of a previous page"
        )
    return item_class, slug


@router.get(
    "/api/programmes/{year}", responses=ERRORS, summary="A year's programme: projects, class, investment, target"
)
async def get_programme(
    year: Year,
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    limit: ListLimit = LIST_PAGE,
    cursor: ListCursor = None,
) -> dict[str, Any]:
    """The items in class then slug order, a page at a time: `numberMatched` (the programme's size, on the
    first page), `numberReturned`, and a `next` link while more follow (a page reached by cursor omits
    numberMatched: the client has it from the first page)."""
    body = await run_read(engine, service.programme, year, limit, _after(cursor))
    last = body["items"][-1] if body["items"] else None
    return list_page(request, body, limit, None if last is None else f"{last['item_class']}/{last['slug']}")


@router.put("/api/programmes/{year}/items/{slug}", responses=ERRORS, summary="Put a project in a year's programme")
async def put_item(
    year: Year,
    slug: SlugPath,
    body: ItemBody,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    item = ItemIn(slug, body.item_class, body.planned_investment_cny_10k, body.target.strip())
    changed = await run_edit(engine, service.set_item, principal, year, body.plan, item)
    return {"year": year, "project": slug, "changed": changed}


@router.delete("/api/programmes/{year}/items/{slug}", responses=ERRORS, summary="Take a project out of a programme")
async def delete_item(
    year: Year,
    slug: SlugPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    await run_edit(engine, service.remove_item, principal, year, slug)
    return {"year": year, "project": slug, "removed": True}


@router.post(
    "/api/programmes/{year}/import",
    responses={
        **ERRORS,
        400: {"description": "The body is not readable multipart form data"},
        413: {"description": "The workbook is larger than 1 MiB"},
    },
    summary="Import a year's programme from .xlsx (all rows or none)",
    description="First sheet, first row = column names: 项目编号/slug or 项目名称, 类别/class, "
    "年度计划投资(万元)/planned_investment_cny_10k, 形象进度目标/target. Rows already in the programme are updated.",
)
async def import_programme(
    year: Year,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
    file: Annotated[UploadFile, File(description="The .xlsx workbook")],
    plan: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    data = await file.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise HTTPException(413, f"the workbook is larger than {MAX_SHEET_BYTES} bytes")
    names = await run_read(engine, service.plan_members_by_name, year, plan)
    try:
        items = read_programme(data, names)
    except SheetProblems as problems:
        detail = [{"loc": ["file"], "msg": m, "type": "value_error"} for m in problems.problems]
        raise HTTPException(422, detail) from None
    result = await run_edit(engine, service.set_items, principal, year, plan, items)
    return {"year": year, **result}


@router.get("/api/projects/{slug}/programmes", summary="The years a project is in, with class, investment and target")
async def project_programmes(
    slug: SlugPath, engine: Annotated[AsyncEngine, Depends(get_engine)]
) -> list[dict[str, Any]]:
    return await run_read(engine, service.project_programmes, slug)
