"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

Why JSON: a county server's logs end up in journald or a log shipper, where a line that is
already a record (time, level, message, request_id, method, path, status, duration_ms) can be
filtered by request or status without regular expressions. Why a request id on every line:
one failed request may log from the middleware, a handler and SQLAlchemy; the id ties them
together, and it is echoed to the client (X-Request-ID) so a user's report can be matched.

The id lives in a ContextVar, set by `app.middleware.request_id`; asyncio copies context into
each task, so lines logged anywhere while serving a request carry it.

uvicorn's own access log is silenced (our middleware writes a richer one) and its error log
goes through the same JSON formatter.
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id_var: ContextVar[str | None] = ContextVar("planmap_request_id", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JSONFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, request_id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


class PlainFormatter(logging.Formatter):
    """For a developer's terminal: the same fields, readable."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id_var.get() or "-"
        line = f"{self.formatTime(record)} {record.levelname:<7} [{rid}] {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


_HANDLER_NAME = "planmap"


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Send every log line to stderr in one format; idempotent (each app factory call may run it).

    Only our own handler is replaced on repeated calls, so test frameworks' capture handlers stay.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JSONFormatter() if json_lines else PlainFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers: the access log is replaced by ours; errors go through the root handler.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
