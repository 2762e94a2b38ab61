"""Refuse a NUL character (U+0000) in the URL path or query string with a clear 422.

PostgreSQL text cannot hold it, so any such value would fail at the database; refusing it here
names the place (`path` or `query`), where the database's refusal could not. NULs inside JSON
bodies are caught when the database refuses them (app/core/db_errors.py) or by validation.
"""

from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.error_responses import validation_detail
from app.core.errors import Problem

MESSAGE = "the NUL character (U+0000) is not allowed"


def _where(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(scope.get("raw_path") or b""):
        return "path"
    query = scope.get("query_string", b"")
    if b"\x00" in query or b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
        return "query"
    return None


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = _where(scope) if scope["type"] == "http" else None
        if where is None:
            await self.app(scope, receive, send)
            return
        body = orjson.dumps({"detail": validation_detail([Problem((where,), MESSAGE)])})
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
