"""Plans and a project's place in each: `/api/plans`, `/api/projects/{slug}/plans` (memberships with
their baselines and decisions, and the revisions made since, each with its date and reason)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.plans import queries as q

router = APIRouter(tags=["plans"])


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}


@router.get("/api/plans", summary="Every plan with its period, dates (with their precision) and size")
async def list_plans(conn: Annotated[AsyncConnection, Depends(get_conn)]) -> list[dict[str, Any]]:
    rows = (await conn.execute(q.ALL_PLANS)).all()
    return [{k: v for k, v in _plain(r).items() if k not in ("closed_by",)} for r in rows]


@router.get(
    "/api/projects/{slug}/plans",
    summary="The plans a project is in, its baselines and revisions",
    responses={404: {"description": "No such project"}},
)
async def project_plans(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=120)],
) -> dict[str, Any]:
    plans = [_plain(r) for r in (await conn.execute(q.PROJECT_PLANS, {"slug": slug})).all()]
    if not plans:
        raise NotFound(f"no project '{slug}'")
    revisions = [_plain(r) for r in (await conn.execute(q.PROJECT_REVISIONS, {"slug": slug})).all()]
    return {"project": slug, "plans": plans, "revisions": revisions}
