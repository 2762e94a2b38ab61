"""Conditional GET (RFC 9110 §13): `ETag` and `Last-Modified` on a rendered body, 304 when unchanged.

Feed readers and monitors poll; with these headers a poll that finds nothing new costs a few
hundred bytes instead of the whole document. The ETag is a hash of the exact bytes sent, so it
changes whenever anything in the body does (an edit, a translated label), and never otherwise.
"""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response


def body_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    raw = request.headers.get("if-modified-since")
    if raw is None or "if-none-match" in request.headers:  # If-None-Match wins (RFC 9110 §13.1.3)
        return False
    try:
        since = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and last_modified.replace(microsecond=0) <= since


def conditional_response(
    request: Request, body: bytes, media_type: str, last_modified: datetime, headers: dict[str, str]
) -> Response:
    """`body` with validators, or an empty 304 when the client's copy (If-None-Match / If-Modified-Since) is current."""
    etag = body_etag(body)
    validators = {**headers, "ETag": etag, "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True)}
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers=validators)
    if _not_modified_since(request, last_modified):
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers=validators)
