"""A route class that refuses a request body larger than a configured size with 413.

FastAPI reads the whole body before any dependency runs, so a limit checked in the
endpoint comes too late: a client could still make the server buffer megabytes. Here the
body is read through a request whose `body()` stops as soon as the limit is passed (and
before reading at all when Content-Length already says too much). The limit comes from the
app's settings at request time, so tests and deployments can change it.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope

LimitOf = Callable[[Request], int]


def _too_large(limit: int) -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"the request body is larger than {limit} bytes")


class _CappedRequest(Request):
    def __init__(self, scope: Scope, receive: Receive, limit: int) -> None:
        super().__init__(scope, receive)
        self._limit = limit

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._limit:
                raise _too_large(self._limit)
            received = bytearray()
            async for chunk in self.stream():
                received.extend(chunk)
                if len(received) > self._limit:
                    raise _too_large(self._limit)
            self._body = bytes(received)
        return self._body


def capped_body_route(limit_of: LimitOf) -> type[APIRoute]:
    """An APIRoute class whose body limit is `limit_of(request)`; pass it as a router's `route_class`."""

    class CappedBodyRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def capped(request: Request) -> Response:
                return await handler(_CappedRequest(request.scope, request.receive, limit_of(request)))

            return capped

    return CappedBodyRoute
