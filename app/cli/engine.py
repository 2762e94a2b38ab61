"""The one way a `planmap` command reaches the database: an engine that is always disposed, and
database failures turned into one line an operator can act on (exit code 1), not a traceback.

Every command group used to repeat "create engine, try, dispose" and let an unreachable
database end in forty lines of SQLAlchemy and psycopg internals.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.db import make_sync_engine
from app.core.db_errors import is_connection_error
from app.core.settings import get_settings


def safe_url() -> str:
    """DATABASE_URL without its password, for messages."""
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def _first_line(exc: DBAPIError) -> str:
    message = str(exc.orig or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def database_failure(exc: DBAPIError) -> str:
    """What went wrong, in one line, with the next step when there is an obvious one."""
    if is_connection_error(exc):
        hint = "is PostgreSQL running, and DATABASE_URL right?"
        return f"cannot reach the database {safe_url()}: {_first_line(exc)} ({hint})"
    if getattr(exc.orig, "sqlstate", None) == "42P01":  # undefined_table: not migrated
        return f"database {safe_url()} is not set up: {_first_line(exc)} (run `planmap db upgrade`)"
    return f"database error on {safe_url()}: {_first_line(exc)}"


@contextmanager
def reporting_database_errors() -> Iterator[None]:
    """Around work that opens its own connections (migrations, creating the database)."""
    try:
        yield
    except DBAPIError as exc:
        typer.echo(f"planmap: {database_failure(exc)}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def cli_engine() -> Iterator[Engine]:
    """An engine on DATABASE_URL for one command, disposed afterwards, its failures reported in one line."""
    settings = get_settings()
    engine = make_sync_engine(settings.database_url, connect_timeout=settings.db_connect_timeout)
    try:
        with reporting_database_errors():
            yield engine
    finally:
        engine.dispose()
