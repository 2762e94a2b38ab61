"""`GET /towns/{slug}/wallmap.pdf`: one town's wall map, made on request from the current data."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.dependencies import get_conn
from app.core.errors import NotFound, Unavailable
from app.wallmap.data import load_wallmap
from app.wallmap.document import render_wallmap
from app.wallmap.renderer import RenderBusy, RenderCrashed, RenderPool, RenderTimedOut

router = APIRouter(tags=["maps"])


def wallmap_filename(slug: str, made_on: str) -> str:
    return f"planmap-wallmap-{slug}-{made_on.replace('-', '')}.pdf"


@router.get(
    "/towns/{slug}/wallmap.pdf",
    response_class=Response,
    summary="A3 wall map of one town's projects (PDF, in Chinese)",
    responses={
        200: {"content": {"application/pdf": {}}},
        404: {"description": "No such town"},
        503: {"description": "Too many wall maps being drawn, or this one took too long; see Retry-After"},
    },
)
async def town_wallmap(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=40, examples=["xingzi"])],
) -> Response:
    data = await conn.run_sync(load_wallmap, slug)
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
    filename = wallmap_filename(slug, data.made_on.isoformat())
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "public, max-age=300"},
    )
