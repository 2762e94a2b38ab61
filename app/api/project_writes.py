"""Writing projects: create, patch, soft delete, restore, dated status changes, history.

Every write needs a bearer token, and every write to an existing project needs
`If-Match` with the ETag last read: 428 without it, 412 when someone else changed the
project meanwhile. The work itself happens in app.editing, inside one transaction.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Header, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.dates import IsoDate
from app.api.responses import GeoJSONResponse
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, optional_principal, require_planner, require_principal
from app.auth.principal import Principal
from app.catalog.schema import GeometryIn
from app.catalog.vocab import Status
from app.core.dependencies import get_engine, read_connection
from app.core.errors import NotFound
from app.editing import proposals, service
from app.editing.current import etag
from app.history import timeline
from app.queries.project_filter import ProjectFilter
from app.queries.project_pages import fetch_feature

router = APIRouter(prefix="/api/projects", tags=["editing"])

T = TypeVar("T")
SlugPath = Annotated[str, Path(max_length=120, examples=["tanling-pumped-storage"])]
IfMatch = Annotated[
    str | None,
    Header(description='The ETag from your last read of the project, e.g. "v3". Required for every change.'),
]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    404: {"description": "No such project"},
    412: {"description": "The project changed since you read it: body has current_version and changes_since"},
    422: {"description": "The change is not valid: each problem named"},
    428: {"description": "If-Match is missing"},
}
_ETAG = re.compile(r'^(?:W/)?"v(\d+)"$')


def parse_if_match(value: str | None) -> int | None:
    """The version named by If-Match; a value naming no version of ours can never match (-1)."""
    if value is None:
        return None
    for candidate in value.split(","):
        match = _ETAG.match(candidate.strip())
        if match:
            return int(match.group(1))
    return -1


async def run_edit(engine: AsyncEngine, work: Callable[..., T], *args: Any) -> T:
    """Run an editing function in one transaction; a refusal (app.core.errors) rolls everything back."""
    async with engine.begin() as conn:
        return await conn.run_sync(work, *args)


async def _feature_response(engine: AsyncEngine, slug: str, warnings: list[str], status_code: int = 200) -> Response:
    """The project as the writer now sees it (staff view, so a sensitive site is precise)."""
    async with read_connection(engine) as conn:
        found = await fetch_feature(conn, ProjectFilter(staff=True), slug)
    assert found is not None
    version, body = found
    return GeoJSONResponse(body, status_code=status_code, headers={"ETag": etag(version), **warning_header(warnings)})


def warning_header(warnings: list[str]) -> dict[str, str]:
    """The validator's warnings (kept, but worth a look) as a `Warning` header, so the body stays the feature."""
    return {"Warning": "; ".join(f'199 planmap "{w}"' for w in warnings)[:2000]} if warnings else {}


class ProjectPatch(BaseModel):
    """Only what changes. Unnamed properties keep their values."""

    model_config = ConfigDict(extra="forbid")

    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Properties to change (names as in geodata/README.md; slug cannot change).",
        examples=[{"status": "under_construction", "location_precision": "surveyed"}],
    )
    geometry: GeometryIn | None = Field(
        default=None,
        description="New geometry (WGS84 lon/lat). When `towns` is not given it is derived from where it lies.",
    )
    note: str | None = Field(default=None, max_length=2000, description="Why, for the history.")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    date: IsoDate = Field(description="When the status took effect (not in the future).")
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(
        default=None, max_length=2000, description="Required for postponed, cancelled and merged: why."
    )
    merged_into: str | None = Field(
        default=None, max_length=120, description="With status merged: the slug of the project it went into."
    )


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "",
    status_code=201,
    response_class=GeoJSONResponse,
    responses={**WRITE_ERRORS, 202: {"description": "Held for a planner's review (towns that require review)"}},
    summary="Add a project",
)
async def create_project(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
    feature: Annotated[
        dict[str, Any],
        Body(description="A GeoJSON Feature with the catalog's properties; `towns` may be omitted (derived)."),
    ],
) -> Response:
    note = feature.pop("note", None) if isinstance(feature.get("note"), str | None) else None
    proposal, warnings = await run_edit(engine, proposals.create_or_propose, principal, feature, note)
    if proposal is not None:
        return held(proposal)
    slug = feature["properties"]["slug"]
    response = await _feature_response(engine, slug, warnings, status_code=201)
    response.headers["Location"] = f"/api/projects/{slug}"
    return response


def held(proposal_id: int) -> JSONResponse:
    """202: the write waits for a planner's review (the town requires it); nothing is published yet."""
    return JSONResponse(
        {"proposal": proposal_id, "state": "pending",
         "message": "this town requires review: a planner will approve or reject your change"},
        status_code=202,
    )  # fmt: skip


@router.patch(
    "/{slug}",
    response_class=GeoJSONResponse,
    responses={**WRITE_ERRORS, 202: {"description": "Held for a planner's review (towns that require review)"}},
    summary="Change a project",
)
async def patch_project(
    slug: SlugPath,
    patch: ProjectPatch,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
    if_match: IfMatch = None,
) -> Response:
    geometry = patch.geometry.model_dump(mode="json") if patch.geometry else None
    proposal, warnings = await run_edit(
        engine, proposals.patch_or_propose, principal, slug, parse_if_match(if_match), patch.properties, geometry,
        patch.note,
    )  # fmt: skip
    if proposal is not None:
        return held(proposal)
    return await _feature_response(engine, slug, warnings)


@router.post(
    "/{slug}/status",
    response_class=GeoJSONResponse,
    responses={**WRITE_ERRORS, 202: {"description": "Held for a planner's review (towns that require review)"}},
    summary="Record a dated status change",
)
async def change_status(
    slug: SlugPath,
    change: StatusChange,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
    if_match: IfMatch = None,
) -> Response:
    proposal = await run_edit(
        engine, proposals.status_or_propose, principal, slug, parse_if_match(if_match), change.model_dump(mode="json")
    )
    if proposal is not None:
        return held(proposal)
    return await _feature_response(engine, slug, [])


@router.delete("/{slug}", responses=WRITE_ERRORS, summary="Delete a project (soft: planners can restore it)")
async def delete_project(
    slug: SlugPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
    if_match: IfMatch = None,
    body: NoteBody | None = None,
) -> JSONResponse:
    note = body.note if body else None
    version = await run_edit(engine, service.delete_project, principal, slug, parse_if_match(if_match), note)
    return JSONResponse({"slug": slug, "deleted": True, "version": version}, headers={"ETag": etag(version)})


@router.post(
    "/{slug}/restore", response_class=GeoJSONResponse, responses=WRITE_ERRORS, summary="Restore a deleted project"
)
async def restore_project(
    slug: SlugPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
    if_match: IfMatch = None,
    body: NoteBody | None = None,
) -> Response:
    note = body.note if body else None
    await run_edit(engine, service.restore_project, principal, slug, parse_if_match(if_match), note)
    return await _feature_response(engine, slug, [])


@router.get(
    "/{slug}/history",
    summary="Every change to a project: who, when, which fields, old and new values",
    description="For a sensitive site, only staff with rights over the project (planners, admins, the "
    "officials of its towns) see changes of its location, location note and location precision. Those staff, "
    "and the officials of a unit a supervision ticket is addressed to, also see the ticket's steps (entries "
    "with a `ticket`: its id and unit); the public never does.",
    responses={404: {"description": "No such project"}},
)
async def project_history(
    slug: SlugPath,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        if not await conn.run_sync(timeline.is_live, slug):
            raise NotFound(f"no project '{slug}'")
        entries = await conn.run_sync(timeline.project_history, slug, timeline.Viewer(principal))
    return [entry.as_json() for entry in entries]
