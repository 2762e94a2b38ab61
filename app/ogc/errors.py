"""OGC exceptions are answered as `{"code", "description"}`, the shape OGC clients expect."""

from fastapi import Request
from fastapi.responses import JSONResponse

from app.ogc.params import OGCError


async def ogc_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OGCError)
    return JSONResponse(exc.detail, status_code=exc.status_code)
