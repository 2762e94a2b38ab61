"""The reports a planning bureau hands in, as downloads: the OC4IDS project package (public).

The documents themselves are built in app/exports and app/reports; this module only serves them.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.clock import today
from app.core.dependencies import get_conn
from app.exports.oc4ids import catalog_package

router = APIRouter(prefix="/api", tags=["reports"])


@router.get(
    "/export/oc4ids",
    summary="Every project as an OC4IDS 0.9 project package (JSON)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "An OC4IDS project package"}},
)
async def export_oc4ids(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> Response:
    """Public locations only (sensitive sites at their town seat); fields planmap does not know are left out."""
    package: dict[str, Any] = await conn.run_sync(catalog_package, str(request.url))
    filename = f"lianzhou-projects-oc4ids-{today().isoformat()}.json"
    return Response(
        orjson.dumps(package, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
