"""`GET /towns/{slug}/wallmap.pdf`: one town's wall map, made on request from the current data."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.dependencies import get_conn
from app.core.errors import Invalid, NotFound, Unavailable
from app.queries.plan_scope import plan_exists
from app.wallmap.data import load_wallmap
from app.wallmap.document import render_wallmap
from app.wallmap.renderer import RenderBusy, RenderCrashed, RenderPool, RenderTimedOut

router = APIRouter(tags=["maps"])


def wallmap_filename(slug: str, made_on: str, plan: str | None = None) -> str:
    """The PDF's name; a map of a plan named explicitly says which, so two plans' maps never share a name."""
    of_plan = f"-{plan}" if plan else ""
    return f"planmap-wallmap-{slug}{of_plan}-{made_on.replace('-', '')}.pdf"


@router.get(
    "/towns/{slug}/wallmap.pdf",
    response_class=Response,
    summary="A3 wall map of one town's projects (PDF, in Chinese)",
    responses={
        200: {"content": {"application/pdf": {}}},
        404: {"description": "No such town"},
        422: {"description": "Unknown plan"},
        503: {"description": "Too many wall maps being drawn, or this one took too long; see Retry-After"},
    },
)
async def town_wallmap(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=40, examples=["xingzi"])],
    plan: Annotated[
        str | None,
        Query(
            max_length=60,
            description="Plan slug (e.g. lianzhou-14th); default: the plan in force today.",
            examples=["lianzhou-14th"],
        ),
    ] = None,
) -> Response:
    if plan is not None and not await plan_exists(conn, plan):
        raise Invalid(("query", "plan"), f"unknown plan slug: {plan}")
    data = await conn.run_sync(load_wallmap, slug, None, plan)
    if data is None:
        raise NotFound(f"no town '{slug}'")
    # Pure-Python drawing in a worker process, with a time limit and a cap on renders at once (renderer.py).
    renders: RenderPool = request.app.state.wallmap_renders
    try:
        pdf = await renders.run_async(render_wallmap, data)
    except RenderBusy as busy:
        raise Unavailable(f"the wall map was not drawn: {busy}; try again shortly", 5) from None
    except (RenderTimedOut, RenderCrashed) as slow:
        raise Unavailable(f"the wall map was not drawn: it {slow} and was stopped; try again later", 60) from None
    filename = wallmap_filename(slug, data.made_on.isoformat(), plan)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "public, max-age=300"},
    )
