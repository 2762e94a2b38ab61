"""A crash inside the app still gets a proper answer: 500, JSON, the request id, the security headers.

Starlette's own last-resort handler sits outside every middleware, so its plain-text 500 would
miss the security headers and X-Request-ID. This shield sits inside them (app.middleware.stack): it logs the
exception (with the request id, from the log context), answers 500 with a JSON body that names
the request id so a user's report can be matched to the log (never the traceback), and then
re-raises, so the server and the test client still see the error.
"""

import logging

import orjson
from starlette.types import Message, Scope

from app.core.logging_setup import request_id_var

log = logging.getLogger("planmap.error")


def crash_answer(scope: Scope) -> tuple[Message, Message]:
    """Log the exception being handled and return the 500 to send if nothing was sent yet."""
    log.exception("unhandled error in %s %s", scope["method"], scope["path"])
    body = orjson.dumps({"detail": "internal server error", "request_id": request_id_var.get()})
    start: Message = {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}
