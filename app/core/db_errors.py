"""What the database's failures mean for the client: away (503 + Retry-After), or a refusal of the input (422/409).

Without this a database restart turns every request into a 500 with a stack trace
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

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.errors import Conflict, DomainError, Invalid, Unavailable

log = logging.getLogger("planmap.db")

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "the database is unavailable; try again shortly"
NUL_MESSAGE = "text cannot contain the NUL character (U+0000)"
# 22P05 untranslatable_character: jsonb's refusal of \u0000; 22021 character_not_in_repertoire.
_TEXT_SQLSTATES = {"22P05", "22021"}
# The exception classes app/core/error_responses.py hands to refusal_of (SQLAlchemy's wrappers, a bare socket error).
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeoutError, PendingRollbackError, ConnectionError)


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


def constraint_refusal(exc: BaseException) -> DomainError | None:
    """A broken integrity constraint or an out-of-range value, named as the database names it.

    These mean the input got past validation (a validation gap, to be closed where it is found),
    but they are still the client's input, not a server fault: 422 naming the column or the
    constraint (409 for a duplicate), never a 500. Only PostgreSQL's own names are quoted, not
    the statement or its parameters.
    """
    orig = getattr(exc, "orig", None)
    state = str(getattr(orig, "sqlstate", "") or "")
    diag = getattr(orig, "diag", None)
    column = getattr(diag, "column_name", None)
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    where = ("body", column) if column else ("body",)
    if state == "23502":  # not_null_violation
        return Invalid(where, f"{column or 'a required value'} is required ({table}.{column} cannot be empty)")
    if state == "23514":  # check_violation
        return Invalid(where, f"the change breaks the rule {constraint} of {table}")
    if state == "23503":  # foreign_key_violation
        return Invalid(where, f"the change refers to something that does not exist ({constraint})")
    if state in ("23505", "23P01"):  # unique_violation, exclusion_violation
        return Conflict(f"that would duplicate an existing {table} ({constraint})")
    if state.startswith("22"):  # data exception: a value out of range, a malformed number or date
        return Invalid(where, f"a value cannot be stored: {_first_line(exc)}")
    return None


def refusal_of(exc: BaseException, path: str, method: str) -> DomainError | None:
    """What a database exception means for the client, or None when it is a bug (let it be a 500)."""
    if is_unstorable_text(exc):
        return Invalid(("body",), NUL_MESSAGE)
    if is_connection_error(exc):
        # The first line only: SQLAlchemy's full message repeats the statement and its parameters.
        log.warning(
            "database unavailable: %s: %s",
            type(exc).__name__,
            _first_line(exc),
            extra={"path": path, "method": method},
        )
        return Unavailable(UNAVAILABLE, RETRY_AFTER_SECONDS)
    return constraint_refusal(exc)
