"""The one table from errors to responses, and the one place a 422 body is built.

Domain code raises `app.core.errors` (no status codes); FastAPI's own refusals (a body that
does not fit the model, one it cannot even read) and the database's (gone away, a constraint
broken, text it cannot store) are translated here too, so a client meets one vocabulary:

- under `/api` and on pages: FastAPI's shape, `{"detail": "…"}`, or for 422 a list of
  `{"loc", "msg", "type"}` naming each field at fault;
- under `/ogc`: the OGC API exception shape `{"code", "description"}` OGC clients expect
  (an invalid parameter is a 400 there, as OGC API - Features says).

A response body is always valid JSON: a `NaN` or `1e400` the client sent is quoted back as
text, never re-emitted as a number no JSON parser accepts (it used to crash the 422 itself).
"""

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import db_errors
from app.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    RateLimited,
    StaleVersion,
    Unavailable,
    VersionRequired,
)

OGC_PREFIX = "/ogc"
# FastAPI's answer to a body it cannot decode (bytes that are not UTF-8, JSON nested too deeply).
FASTAPI_PARSE_ERROR = "There was an error parsing the body"
UNREADABLE_BODY = "the body could not be read: send UTF-8 JSON (nested at most a few hundred levels deep)"


@dataclass(frozen=True)
class Answer:
    """How one kind of error is answered: its status (under /api and under /ogc) and OGC code."""

    status: int
    ogc_code: str
    ogc_status: int | None = None  # when OGC API answers differently (invalid parameters: 400)


TABLE: dict[type[DomainError], Answer] = {
    Invalid: Answer(422, "InvalidParameterValue", ogc_status=400),
    Forbidden: Answer(403, "Forbidden"),
    NotFound: Answer(404, "NotFound"),
    Conflict: Answer(409, "Conflict"),
    StaleVersion: Answer(412, "PreconditionFailed"),
    VersionRequired: Answer(428, "PreconditionRequired"),
    RateLimited: Answer(429, "TooManyRequests"),
    Unavailable: Answer(503, "ServiceUnavailable"),
}


def answer_for(exc: DomainError) -> Answer:
    """The table's row for the error's class, or for its nearest listed ancestor."""
    for cls in type(exc).__mro__:
        if cls in TABLE:
            return TABLE[cls]
    raise LookupError(f"{type(exc).__name__} has no row in the error table")


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float (NaN, ±Infinity) replaced by its text, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def validation_detail(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """The 422 `detail` list, FastAPI's shape: `[{"loc": [...], "msg": "...", "type": "..."}]`."""
    return [{"loc": list(p.loc), "msg": p.msg, "type": p.type} for p in problems]


def _detail(exc: DomainError) -> Any:
    if isinstance(exc, Invalid):
        return validation_detail(exc.problems)
    if isinstance(exc, StaleVersion) and exc.changes_since is not None:
        return {"message": exc.message, "current_version": exc.current_version, "changes_since": exc.changes_since}
    return exc.message


def _headers(exc: DomainError) -> dict[str, str]:
    """The answer's own headers, and the refusal's stable name for pages that say it in their language."""
    named = (
        {"X-Planmap-Error": exc.code, "X-Planmap-Error-Params": json.dumps(exc.params, ensure_ascii=True)}
        if exc.code
        else {}
    )
    if isinstance(exc, RateLimited):
        return {**named, "Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unavailable):
        return {**named, "Retry-After": str(exc.retry_after), "Cache-Control": "no-store"}
    if isinstance(exc, StaleVersion) and exc.current_etag:
        return {**named, "ETag": exc.current_etag}
    return named


def is_ogc(path: str) -> bool:
    return path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/")


def render(exc: DomainError, path: str) -> JSONResponse:
    """The response for a domain error at `path`: OGC's shape under /ogc, FastAPI's elsewhere."""
    answer = answer_for(exc)
    if is_ogc(path):
        body: Any = {"code": answer.ogc_code, "description": exc.message}
        return JSONResponse(body, status_code=answer.ogc_status or answer.status, headers=_headers(exc))
    return JSONResponse({"detail": json_safe(_detail(exc))}, status_code=answer.status, headers=_headers(exc))


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):
        raise exc
    return render(exc, request.url.path)


def _non_finite_note(error: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's error with its input made JSON-safe; a non-finite number is called what it is."""
    value = error.get("input")
    if isinstance(value, float) and not math.isfinite(value) and error.get("type") != "finite_number":
        error = {**error, "msg": f"{error['msg']} (got {value}: only finite numbers are accepted)"}
    return json_safe(error)  # type: ignore[no-any-return]


async def request_validation_handler(request: Request, exc: Exception) -> Response:
    """A body or parameter that does not fit the model: FastAPI's 422, always serialisable."""
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors: Sequence[Any] = jsonable_encoder(exc.errors())
    return JSONResponse({"detail": [_non_finite_note(dict(e)) for e in errors]}, status_code=422)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTP errors as FastAPI answers them, except an unreadable body: 422 like any bad body."""
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if exc.status_code == 400 and exc.detail == FASTAPI_PARSE_ERROR:
        invalid = Invalid(("body",), UNREADABLE_BODY, type="json_invalid")
        return render(invalid, request.url.path)
    return await http_exception_handler(request, exc)


async def database_error_handler(request: Request, exc: Exception) -> Response:
    """The database's refusal in the table's words; anything unrecognised is a real bug (re-raised: 500)."""
    refusal = db_errors.refusal_of(exc, request.url.path, request.method)
    if refusal is None:
        raise exc
    return render(refusal, request.url.path)


async def unencodable_text_handler(request: Request, exc: Exception) -> Response:
    """JSON may carry an unpaired surrogate (`"\\ud800"`), which no UTF-8 database can take: the client's input."""
    return render(Invalid(("body",), "text contains an unpaired surrogate (not a character)"), request.url.path)


def install(app: FastAPI) -> None:
    """Register every handler; called once, from app.core.wiring."""
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for exc_class in db_errors.DATABASE_ERRORS:
        app.add_exception_handler(exc_class, database_error_handler)
    app.add_exception_handler(UnicodeEncodeError, unencodable_text_handler)
