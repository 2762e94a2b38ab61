"""`GET /towns/{slug}/wallmap.pdf`: one town's wall map, made on request from the current data."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.wallmap.data import load_wallmap
from app.wallmap.document import render_wallmap

router = APIRouter(tags=["maps"])


def wallmap_filename(slug: str, made_on: str) -> str:
    return f"planmap-wallmap-{slug}-{made_on.replace('-', '')}.pdf"


@router.get(
    "/towns/{slug}/wallmap.pdf",
    response_class=Response,
    summary="A3 wall map of one town's projects (PDF, in Chinese)",
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "No such town"}},
)
async def town_wallmap(
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    slug: Annotated[str, Path(max_length=40, examples=["xingzi"])],
) -> Response:
    data = await conn.run_sync(load_wallmap, slug)
    if data is None:
        raise NotFound(f"no town '{slug}'")
    # A few hundred milliseconds of pure-Python drawing: off the event loop, so other requests go on.
    pdf = await asyncio.to_thread(render_wallmap, data)
    filename = wallmap_filename(slug, data.made_on.isoformat())
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "public, max-age=300"},
    )
