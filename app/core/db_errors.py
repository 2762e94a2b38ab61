"""What a client sees when the database fails: 503 with Retry-After while it is away, 422 for text it cannot store.

Without these handlers a database restart turns every request into a 500 with a stack trace
in the log and "Internal Server Error" for the user. A lost connection is not the app's fault
and not permanent: 503 + `Retry-After` says "come back shortly", and browsers, proxies and
scripts know what to do with it. The pool recovers by itself: a disconnect seen on any
connection makes SQLAlchemy invalidate the whole pool, so once the database is back the next
request opens fresh connections (with or without DB_POOL_PRE_PING).

Whatever transaction was open when the connection died was rolled back by PostgreSQL, and
every write runs in one transaction with its history row (app/editing), so a 503 never
leaves half a write behind; a write answered 2xx was committed before the answer.

PostgreSQL text cannot hold U+0000 (psycopg refuses it before sending) and jsonb refuses the
`\\u0000` escape: both are the client's input, so a clean 422, not a 500.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger("planmap.db")

RETRY_AFTER_SECONDS = 5
NUL_MESSAGE = "text cannot contain the NUL character (U+0000)"
# 22P05 untranslatable_character: jsonb's refusal of \u0000; 22021 character_not_in_repertoire.
_TEXT_SQLSTATES = {"22P05", "22021"}


def database_unavailable(detail: str = "the database is unavailable; try again shortly") -> JSONResponse:
    return JSONResponse(
        {"detail": detail},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def is_connection_error(exc: BaseException) -> bool:
    """A lost or refused connection, a server shutting down, a pool exhausted: transient, so 503."""
    # PendingRollbackError: a connection died inside a transaction and some code caught that error and went
    # on (e.g. a validation step that treats any database error as "invalid input"); the next statement on
    # the invalidated connection then raises this. It is the same outage, seen one step later.
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | ConnectionError | PendingRollbackError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_unstorable_text(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return False
    if "NUL (0x00)" in str(exc.orig):
        return True
    return getattr(exc.orig, "sqlstate", None) in _TEXT_SQLSTATES


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


async def database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """503 for connection trouble, 422 for unstorable text; anything else is a real bug (re-raised: 500)."""
    if is_unstorable_text(exc):
        return JSONResponse({"detail": [{"loc": ["body"], "msg": NUL_MESSAGE, "type": "value_error"}]}, status_code=422)
    if is_connection_error(exc):
        # The first line only: SQLAlchemy's full message repeats the statement and its parameters.
        log.warning(
            "database unavailable: %s: %s",
            type(exc).__name__,
            _first_line(exc),
            extra={"path": request.url.path, "method": request.method},
        )
        return database_unavailable()
    raise exc


async def unencodable_text_handler(request: Request, exc: Exception) -> JSONResponse:
    """JSON may carry an unpaired surrogate (`"\\ud800"`), which no UTF-8 database can take: the client's input."""
    return JSONResponse(
        {
            "detail": [
                {"loc": ["body"], "msg": "text contains an unpaired surrogate (not a character)", "type": "value_error"}
            ]
        },
        status_code=422,
    )


def install(app: FastAPI) -> None:
    """Register the handlers; the classes cover SQLAlchemy's wrappers and a bare socket error."""
    for exc_class in (DBAPIError, PoolTimeoutError, PendingRollbackError, ConnectionError):
        app.add_exception_handler(exc_class, database_error_handler)
    app.add_exception_handler(UnicodeEncodeError, unencodable_text_handler)
