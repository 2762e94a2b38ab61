"""Supervision tickets (督办) over HTTP: staff only (tickets are the bureau's internal business).

Planners open, close and reopen; the officials of the addressed unit answer. Reading follows acting
(app.auth.scope_queries): planners and admins read every ticket, an official those addressed to their
units and those on the projects they act for; any other ticket answers 404, like one never issued. Every ticket carries
its `flag` (`due_soon`, `overdue` or null), judged on Lianzhou's date, for the dashboard and the
project page.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.cycle import run_read, settings_of
from app.api.photos import received_photo
from app.api.project_writes import SlugPath, run_edit
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_principal
from app.auth.principal import Principal
from app.core.clock import today as lianzhou_today
from app.core.dependencies import get_engine
from app.supervision import service

router = APIRouter(tags=["supervision"])
# Photo uploads may exceed PLANMAP_MAX_BODY_BYTES: app.core.wiring gives this path the photo limit.
PHOTO_PATH = "/api/tickets/{ticket_id}/photos"
Staff = Annotated[Principal, Depends(require_principal)]
Engine = Annotated[AsyncEngine, Depends(get_engine)]
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Field(min_length=1, max_length=service.MAX_TEXT)]
ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    404: {"description": "No such ticket, project or unit"},
    409: {"description": "The ticket is not in a state that allows this"},
    422: {"description": "The body is not valid (e.g. a deadline already past)"},
}


def _no_controls(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60, description="The addressed unit's slug")
    request: Text = Field(description="What the unit is asked to do")
    deadline: date = Field(description="Answer by this day (Lianzhou's date)")
    report_month: date | None = Field(default=None, description="For a missing/late report: its month (YYYY-MM-01)")

    @field_validator("request")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _no_controls(value)

    @field_validator("report_month")
    @classmethod
    def _first_of_month(cls, value: date | None) -> date | None:
        if value is not None and value.day != 1:
            raise ValueError("a report month is its first day, e.g. 2026-10-01")
        return value


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: Text
    photo_ids: list[StrictInt] = Field(default_factory=list, max_length=20, description="Photos of the project")

    @field_validator("body")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _no_controls(value)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(default="", max_length=service.MAX_TEXT)

    @field_validator("note")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _no_controls(value)


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text
    deadline: date | None = None

    @field_validator("reason")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _no_controls(value)


def _context(request: Request) -> dict[str, Any]:
    settings = settings_of(request)
    return {"today": lianzhou_today(), "remind_days": settings.notify_remind_days, "public_url": settings.public_url}


@router.post("/api/projects/{slug}/tickets", status_code=201, summary="Open a supervision ticket", responses=ERRORS)
async def open_ticket(
    slug: SlugPath, body: TicketIn, principal: Staff, request: Request, engine: Engine
) -> dict[str, Any]:
    def work(conn: Any) -> dict[str, Any]:
        return service.open_ticket(
            conn,
            principal,
            slug=slug,
            unit=body.unit,
            request=body.request,
            deadline=body.deadline,
            report_month=body.report_month,
            **_context(request),
        )

    return await run_edit(engine, work)


@router.get("/api/projects/{slug}/tickets", summary="A project's supervision tickets", responses=ERRORS)
async def project_tickets(slug: SlugPath, principal: Staff, request: Request, engine: Engine) -> list[dict[str, Any]]:
    context = _context(request)
    return await run_read(engine, service.tickets_of_project, principal, slug, context["today"], context["remind_days"])


@router.get(
    "/api/tickets",
    summary="Supervision tickets, most urgent first (officials: their units')",
    responses={**UNAUTHORIZED},
)
async def all_tickets(
    principal: Staff,
    request: Request,
    engine: Engine,
    include_closed: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    context = _context(request)
    return await run_read(
        engine, service.tickets, principal, context["today"], context["remind_days"], include_closed, limit
    )


@router.get(
    "/api/tickets/{ticket_id}",
    summary="One supervision ticket with its thread (404 for a ticket the caller may not see)",
    responses={**UNAUTHORIZED, 404: {"description": "No such ticket, or not one the caller may see"}},
)
async def one_ticket(ticket_id: TicketId, principal: Staff, request: Request, engine: Engine) -> dict[str, Any]:
    context = _context(request)
    return await run_read(engine, service.ticket, principal, ticket_id, context["today"], context["remind_days"])


@router.post("/api/tickets/{ticket_id}/answer", summary="Answer a ticket (the unit's officials)", responses=ERRORS)
async def answer_ticket(
    ticket_id: TicketId, body: AnswerIn, principal: Staff, request: Request, engine: Engine
) -> dict[str, Any]:
    def work(conn: Any) -> dict[str, Any]:
        return service.answer(conn, principal, ticket_id, body.body, body.photo_ids, **_context(request))

    return await run_edit(engine, work)


@router.post(
    PHOTO_PATH,
    status_code=201,
    summary="Upload a photo for an answer (the unit's officials; re-encoded on the server, no EXIF survives)",
    description="Send each photo first, then the answer with their ids in `photo_ids`.",
    responses={**ERRORS, 400: {"description": "The body is not readable multipart form data"},
               413: {"description": "Larger than PLANMAP_PHOTO_MAX_BYTES"},
               422: {"description": "Not a JPEG/PNG/WebP photo, or too many pixels"}},
)  # fmt: skip
async def ticket_photo(
    ticket_id: TicketId,
    principal: Staff,
    request: Request,
    engine: Engine,
    photo: Annotated[UploadFile, File(description="JPEG, PNG or WebP, by content")],
) -> dict[str, Any]:
    received = await received_photo(request, photo)
    return await run_edit(engine, service.answer_photo, principal, ticket_id, received)


@router.post("/api/tickets/{ticket_id}/close", summary="Close a ticket (planners)", responses=ERRORS)
async def close_ticket(
    ticket_id: TicketId, principal: Staff, request: Request, engine: Engine, body: CloseIn | None = None
) -> dict[str, Any]:
    def work(conn: Any) -> dict[str, Any]:
        return service.close(conn, principal, ticket_id, body.note if body else "", **_context(request))

    return await run_edit(engine, work)


@router.post("/api/tickets/{ticket_id}/reopen", summary="Reopen a ticket (planners)", responses=ERRORS)
async def reopen_ticket(
    ticket_id: TicketId, body: ReopenIn, principal: Staff, request: Request, engine: Engine
) -> dict[str, Any]:
    def work(conn: Any) -> dict[str, Any]:
        return service.reopen(conn, principal, ticket_id, body.reason, body.deadline, **_context(request))

    return await run_edit(engine, work)
