"""`planmap db …`: create the database, move its schema between migrations, start again from scratch."""

from typing import Annotated

import typer

from app.cli.engine import cli_engine, reporting_database_errors, safe_url
from app.cli.seed import seed
from app.core import dbadmin, migrate
from app.core.settings import get_settings

db_cli = typer.Typer(help="Database schema and lifecycle.", no_args_is_help=True)


def _current_revision() -> str | None:
    with cli_engine() as engine, engine.connect() as conn:
        return migrate.current_revision(conn)


@db_cli.command("create")
def db_create() -> None:
    """Create the database if it does not exist yet."""
    with reporting_database_errors():
        created = dbadmin.create_database(get_settings().database_url)
    typer.echo(f"database {safe_url()}: {'created' if created else 'already exists'}")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    before = _current_revision()
    with reporting_database_errors():
        migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database {safe_url()}: revision {before or 'base'} -> {_current_revision() or 'base'}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or -1.")]) -> None:
    """Revert migrations down to REVISION."""
    before = _current_revision()
    with reporting_database_errors():
        migrate.downgrade(get_settings().database_url, revision)
    typer.echo(f"database {safe_url()}: revision {before or 'base'} -> {_current_revision() or 'base'}")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision and the code's head."""
    typer.echo(f"database {safe_url()}: revision {_current_revision() or 'base'} (head {migrate.head_revision()})")


@db_cli.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm that all data will be deleted.")] = False,
) -> None:
    """Delete ALL data: downgrade to base, upgrade to head, and seed again."""
    if not yes:
        typer.echo("db reset deletes every project, edit and audit row; run again with --yes to confirm", err=True)
        raise typer.Exit(2)
    url = get_settings().database_url
    with reporting_database_errors():
        migrate.downgrade(url, "base")
        typer.echo(f"database {safe_url()}: dropped all planmap tables")
        migrate.upgrade(url, "head")
        typer.echo(f"database {safe_url()}: migrated to {migrate.head_revision()}")
    seed()
