"""Request bodies: at most PLANMAP_MAX_BODY_BYTES (413 above), received within PLANMAP_BODY_TIMEOUT_SECONDS (408).

Enforced *while* the body is read, not after: a declared `Content-Length` over the limit is
refused before a byte of the body is read, and a chunked body is counted as it arrives and
refused at the first chunk that crosses the limit. So a 2 GB upload costs the server at most
the limit in memory, never the whole upload.

uvicorn has no timeout for receiving a body, so a client that trickles one byte a second
would hold a request (and, once the handler has a database connection, a pooled connection)
for as long as it likes. The time for the whole body is bounded here; past it the client gets
408 and the connection is closed. (Slow *headers* are a reverse proxy's job, e.g. nginx's
`client_header_timeout`: the app only sees a request once its headers are complete.)

Some routes need their own limit, enforced the same way (`RouteLimit`): public feedback takes far
less than the global limit (a few kB), a phone photo far more (several MB: only that route gets it,
and the route itself then checks its exact limit; raising the global limit instead would let every
JSON route buffer megabytes). One mechanism for every body. The path is matched with Starlette's
own path compiler, so a route limit is written like the route.

When the middleware answers itself, the app's own reading of the body is told the client
went away (`http.disconnect`), and whatever the app then tries to send is dropped.
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from re import Pattern

import anyio
import orjson
from starlette.routing import compile_path
from starlette.types import Message, Receive, Scope, Send


@dataclass(frozen=True)
class RouteLimit:
    """A body limit of one route's own: `RouteLimit("POST", "/api/projects/{slug}/feedback", 16384)`."""

    method: str
    path: str
    max_bytes: int
    pattern: Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_path(self.path)[0])

    def applies(self, scope: Scope) -> bool:
        return bool(scope["method"] == self.method and self.pattern.match(scope["path"]))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimits:
    """The global limit, the per-route limits and the time allowed for a body (wired in app.core.wiring)."""

    def __init__(self, max_bytes: int, timeout_seconds: float, route_limits: Sequence[RouteLimit] = ()) -> None:
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self.route_limits = tuple(route_limits)

    def limit(self, scope: Scope) -> int:
        """A route's own limit, if it has one (smaller or larger); else the global one."""
        return next((r.max_bytes for r in self.route_limits if r.applies(scope)), self.max_bytes)


def _refusal(status: int, detail: str) -> tuple[Message, Message]:
    body = orjson.dumps({"detail": detail})
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


class BodyGuard:
    """One request's body, counted and timed as it arrives; once refused, the app's own reply is dropped.

    `refuse_declared` answers 413 before reading anything when `Content-Length` is over the limit;
    `receive` is what the app reads the body through; `admits(message)` says whether a message the
    app sends may go out (False once this guard has answered itself).
    """

    def __init__(self, limits: BodyLimits, scope: Scope, receive: Receive, send: Send) -> None:
        self.max_bytes = limits.limit(scope)
        self.timeout_seconds = limits.timeout_seconds
        self.too_large = f"the request body is larger than {self.max_bytes} bytes"
        self._receive, self._send = receive, send
        self.received = 0
        self.deadline = time.monotonic() + limits.timeout_seconds
        self.answered = False  # we sent our own refusal: the app's reply must be dropped
        self.app_started = False

    async def refuse_declared(self, scope: Scope) -> bool:
        declared = _declared_length(scope)
        if declared is None or declared <= self.max_bytes:
            return False
        for message in _refusal(413, self.too_large):
            await self._send(message)
        return True

    async def _refuse(self, status: int, detail: str) -> Message:
        if not self.app_started and not self.answered:
            self.answered = True
            for message in _refusal(status, detail):
                await self._send(message)
        return {"type": "http.disconnect"}

    async def receive(self) -> Message:
        if self.answered:
            return {"type": "http.disconnect"}
        remaining = self.deadline - time.monotonic()
        message: Message | None = None
        if remaining > 0:
            with anyio.move_on_after(remaining):
                message = await self._receive()
        if message is None:
            return await self._refuse(408, f"the request body was not received within {self.timeout_seconds:g} s")
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                return await self._refuse(413, self.too_large)
            if not message.get("more_body", False):
                # The body is complete: no deadline for the rest (a long download listens for a disconnect).
                self.deadline = math.inf
        return message

    def admits(self, message: Message) -> bool:
        if self.answered:
            return False
        if message["type"] == "http.response.start":
            self.app_started = True
        return True
