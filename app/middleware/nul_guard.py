"""Refuse a NUL character (U+0000) in the URL path or query string with a clear 422.

PostgreSQL text cannot hold it, so any such value would fail at the database; refusing it here
names the place (`path` or `query`), where the database's refusal could not. NULs inside JSON
bodies are caught when the database refuses them (app/core/db_errors.py) or by validation.
"""

from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import Scope, Send

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


async def refuse_nul(scope: Scope, send: Send) -> bool:
    """Answer 422 naming `path` or `query` when either holds a NUL; False (nothing sent) otherwise."""
    where = _where(scope)
    if where is None:
        return False
    body = orjson.dumps({"detail": validation_detail([Problem((where,), MESSAGE)])})
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return True
