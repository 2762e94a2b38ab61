"""A body FastAPI cannot even read is a 422 that says why, like every other bad body.

FastAPI answers a body it fails to decode — bytes that are not UTF-8, JSON nested deeper than
Python's parser goes — with `400 {"detail": "There was an error parsing the body"}`, a status
no endpoint documents and a message that names nothing. Malformed JSON, on the other hand, is
already a 422 with `loc: ["body", …]`. This handler makes the unreadable case match: 422, the
same error shape, and a message a client can act on. Every other HTTPException is answered
exactly as FastAPI would.
"""

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

FASTAPI_PARSE_ERROR = "There was an error parsing the body"
MESSAGE = "the body could not be read: send UTF-8 JSON (nested at most a few hundred levels deep)"


async def unreadable_body_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if exc.status_code == 400 and exc.detail == FASTAPI_PARSE_ERROR:
        return JSONResponse({"detail": [{"loc": ["body"], "msg": MESSAGE, "type": "json_invalid"}]}, status_code=422)
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, unreadable_body_handler)
