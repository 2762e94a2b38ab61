"""Every cross-cutting concern of a request in one pure-ASGI layer (issue 23: less Python per request).

There were eight middleware classes, each wrapping `send` in a closure of its own, so every
response message went through eight Python calls before it left and every request built eight
wrappers; under load on one item py-spy put more than half of a worker's samples in them. The
concerns keep their homes (request_id, metrics, security_headers, errors, nul_guard, body_limit,
allow_header, head: each says why it exists); this layer only applies them in the same order as
the separate layers did, outermost first:

1. request id — every log line and every response (even a refusal) carries it;
2. metrics and the access log — every answer is counted, including the refusals below;
3. security headers — on every response, including 413/408/422/500 made below;
4. the error shield — a crash becomes a JSON 500 that still gets 1–3;
5. CORS, when PLANMAP_CORS_ORIGINS is set (Starlette's own middleware, placed here by `cors`);
6. NUL guard, body limits — cheap refusals before the app reads anything;
7. Allow on 405 — every method of the URL, not just the first route's;
8. HEAD — routed as GET, its body dropped.
"""

import time
from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging_setup import request_id_var
from app.middleware.allow_header import with_allow
from app.middleware.body_limit import BodyGuard, BodyLimits
from app.middleware.errors import crash_answer
from app.middleware.head import HeadBody
from app.middleware.metrics import Metrics
from app.middleware.nul_guard import refuse_nul
from app.middleware.request_id import log_access, pick_request_id, with_request_id
from app.middleware.security_headers import SecurityHeaders, new_nonce


class PlanmapMiddleware:
    """The one layer between the server and the app (see the module's docstring for the order)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        security: SecurityHeaders,
        body_limits: BodyLimits,
        routes: list[BaseRoute],
        cors: Callable[[ASGIApp], ASGIApp] | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.security = security
        self.body_limits = body_limits
        self.routes = routes  # the app's live route list (routers included later are seen too)
        self.inner: ASGIApp = cors(self._guarded) if cors is not None else self._guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = pick_request_id(scope)
        request_id_var.set(request_id)
        started = time.perf_counter()
        nonce = new_nonce()
        scope.setdefault("state", {})["csp_nonce"] = nonce
        exchange: dict[str, Any] = {"status": 500, "started": False}  # 500 if the app dies before answering

        async def outer_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange["status"], exchange["started"] = message["status"], True
                headers = self.security.apply(list(message.get("headers", [])), nonce, scope["path"])
                message = {**message, "headers": with_request_id(headers, request_id)}
            await send(message)

        try:
            await self._shielded(scope, receive, outer_send, exchange)
        finally:
            self.metrics.observe(scope, exchange["status"], started)
            log_access(scope, request_id, exchange["status"], started)
            # The id is not reset: this task serves only this request, and uvicorn's own error line for a
            # crashed request (logged after we return) should carry it too.

    async def _shielded(self, scope: Scope, receive: Receive, send: Send, exchange: dict[str, Any]) -> None:
        try:
            await self.inner(scope, receive, send)
        except Exception:
            answer = crash_answer(scope)
            if not exchange["started"]:
                for message in answer:
                    await send(message)
            raise  # the server and the test client still see the error

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await refuse_nul(scope, send):
            return
        body = BodyGuard(self.body_limits, scope, receive, send)
        if await body.refuse_declared(scope):
            return
        head = HeadBody(scope)

        async def inner_send(message: Message) -> None:
            if not body.admits(message):
                return
            rewritten = head.rewrite(with_allow(message, self.routes, scope))
            if rewritten is not None:
                await send(rewritten)

        await self.app(head.routed(scope), body.receive, inner_send)
