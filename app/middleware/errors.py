"""A crash inside the app still gets a proper answer: 500, JSON, the request id, the security headers.

Starlette's own last-resort handler sits outside every middleware, so its plain-text 500 would
miss the security headers and X-Request-ID. This middleware sits inside them: it logs the
exception (with the request id, from the log context), answers 500 with a JSON body that names
the request id so a user's report can be matched to the log (never the traceback), and then
re-raises, so the server and the test client still see the error.
"""

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging_setup import request_id_var

log = logging.getLogger("planmap.error")


class ErrorShieldMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not started:
                body = orjson.dumps({"detail": "internal server error", "request_id": request_id_var.get()})
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            raise
