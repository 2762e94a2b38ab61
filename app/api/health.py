"""Liveness and readiness, for process managers and load balancers."""

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import migrate
from app.core.dependencies import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    responses={503: {"description": "Database unreachable or not migrated"}},
)
async def readyz(engine: AsyncEngine = Depends(get_engine)) -> JSONResponse:
    head = migrate.head_revision()
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(migrate.current_revision)
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "detail": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "reachable",
                "revision": current,
                "head": head,
                "detail": "migrations are not at head; run `planmap db upgrade`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": "reachable", "revision": current})
