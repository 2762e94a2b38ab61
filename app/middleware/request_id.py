"""A request id for every request, echoed in `X-Request-ID`, and one access-log line per request.

An incoming `X-Request-ID` is kept when it is sane (a proxy or client that set one can then find
our log lines); anything else — too long, odd characters that could forge log fields — is
replaced by a fresh random id. The access line carries method, path (never the query string,
which can hold personal search terms), route template, status and duration; never headers, so
an `Authorization` token or session cookie cannot reach the log.
"""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging_setup import request_id_var

HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("planmap.access")


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/projects/{slug}`), or `<unmatched>` (bounded label set)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "<unmatched>"


def pick_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == HEADER:
            try:
                candidate: str = value.decode("ascii")
            except UnicodeDecodeError:
                break
            if _SANE.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the request's context, echoes it, and logs the finished request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = pick_request_id(scope)
        request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # if the app dies before answering, the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                headers.append((HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route_template(scope),
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            # The id is not reset: this task serves only this request, and uvicorn's own error line for a
            # crashed request (logged after we return) should carry it too.
