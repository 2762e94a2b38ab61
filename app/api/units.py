"""Responsible units: towns and departments, a project's lead and other units, department members."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import run_read
from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_planner
from app.auth.principal import Principal
from app.core.dependencies import get_engine
from app.units import service

router = APIRouter(tags=["units"])
UnitPath = Annotated[str, Path(max_length=60, examples=["xingzi"])]
ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED, **FORBIDDEN, 404: {"description": "No such unit, project or user"},
    409: {"description": "The unit exists already, or is a town"}, 422: {"description": "Each problem named"},
}  # fmt: skip


class NewDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=60, examples=["jiaotong-ju"])
    name_zh: str = Field(min_length=1, max_length=200, examples=["连州市交通运输局"])
    name_en: str = Field(min_length=1, max_length=200, examples=["Lianzhou Transport Bureau"])
    source: str = Field(
        min_length=1,
        max_length=2000,
        description="Where the unit comes from: a document and its words, or who said so.",
    )
    review_required: StrictBool = Field(
        default=False, description="Its officials' edits and reports wait for a planner."
    )


class DepartmentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    review_required: StrictBool | None = None


class ProjectUnits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead: str | None = Field(default=None, max_length=60, description="The lead unit (牵头单位), or none.")
    others: list[str] = Field(default_factory=list, max_length=50, description="Other responsible units.")


@router.get("/api/units", summary="Responsible units: the towns and the departments planners added")
async def list_units(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    kind: Annotated[Literal["town", "department"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    return await run_read(engine, service.list_units, kind)


@router.post("/api/units", status_code=201, responses=ERRORS, summary="Add a department (planners)")
async def add_department(
    body: NewDepartment,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
    response: Response,
) -> dict[str, Any]:
    await run_edit(engine, service.add_department, principal, body.slug, body.name_zh, body.name_en, body.source,
                   body.review_required)  # fmt: skip
    response.headers["Location"] = f"/api/units?kind=department#{body.slug}"
    return body.model_dump()


@router.patch("/api/units/{unit}", responses=ERRORS, summary="Rename a department or change its review setting")
async def change_department(
    unit: UnitPath,
    body: DepartmentChange,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    await run_edit(engine, service.update_department, principal, unit, changes)
    return {"slug": unit, **changes}


@router.get("/api/units/{unit}/members", responses=ERRORS, summary="Who acts for a unit (planners)")
async def unit_members(
    unit: UnitPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> list[dict[str, Any]]:
    return await run_read(engine, service.members, unit)


@router.put("/api/units/{unit}/members/{username}", responses=ERRORS, summary="Add a user to a department")
async def add_member(
    unit: UnitPath,
    username: Annotated[str, Path(max_length=64)],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    await run_edit(engine, service.set_member, principal.username, principal.user_id, unit, username, True)
    return {"unit": unit, "user": username, "member": True}


@router.delete("/api/units/{unit}/members/{username}", responses=ERRORS, summary="Remove a user from a department")
async def remove_member(
    unit: UnitPath,
    username: Annotated[str, Path(max_length=64)],
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> dict[str, Any]:
    await run_edit(engine, service.set_member, principal.username, principal.user_id, unit, username, False)
    return {"unit": unit, "user": username, "member": False}


@router.get("/api/projects/{slug}/units", summary="A project's lead unit and other responsible units")
async def get_project_units(
    slug: SlugPath, engine: Annotated[AsyncEngine, Depends(get_engine)]
) -> list[dict[str, Any]]:
    return await run_read(engine, service.project_units, slug)


@router.put("/api/projects/{slug}/units", responses=ERRORS, summary="Set a project's lead and other units (planners)")
async def put_project_units(
    slug: SlugPath,
    body: ProjectUnits,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> list[dict[str, Any]]:
    return await run_edit(engine, service.set_project_units, principal, slug, body.lead, body.others)
