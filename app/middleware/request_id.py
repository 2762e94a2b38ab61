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

from starlette.types import Scope

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


def with_request_id(headers: list[tuple[bytes, bytes]], request_id: str) -> list[tuple[bytes, bytes]]:
    """The response's headers with ours as the only `X-Request-ID`."""
    kept = [(k, v) for k, v in headers if k.lower() != HEADER]
    kept.append((HEADER, request_id.encode()))
    return kept


def log_access(scope: Scope, request_id: str, status: int, started: float) -> None:
    """The one access-log line of a finished request (`started`: its time.perf_counter())."""
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
