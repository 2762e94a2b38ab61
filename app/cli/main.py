"""The `planmap` command: serve the app and manage its database.

Every command says what it did, so a newcomer can see the state of their setup.
"""

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.catalog.importer import ImportFileError, ImportOptions, import_file, terminal_progress
from app.catalog.seed import seed as run_seed
from app.cli.backup import backup as backup_command
from app.cli.backup import restore as restore_command
from app.cli.dev import dev_cli
from app.cli.towns import towns_cli
from app.cli.users import users_cli
from app.cli.wallmaps import wallmaps as wallmaps_command
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import get_settings

cli = typer.Typer(help="planmap: Lianzhou 14th Five-Year Plan projects on a map.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema and lifecycle.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
cli.add_typer(towns_cli, name="towns")
cli.add_typer(dev_cli, name="dev")
cli.command("wallmaps")(wallmaps_command)
cli.command("backup")(backup_command)
cli.command("restore")(restore_command)


def _safe_url() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def _current_revision() -> str | None:
    engine = make_sync_engine(get_settings().database_url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


@db_cli.command("create")
def db_create() -> None:
    """Create the database if it does not exist yet."""
    created = dbadmin.create_database(get_settings().database_url)
    typer.echo(f"database {_safe_url()}: {'created' if created else 'already exists'}")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    before = _current_revision()
    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database {_safe_url()}: revision {before or 'base'} -> {_current_revision() or 'base'}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or -1.")]) -> None:
    """Revert migrations down to REVISION."""
    before = _current_revision()
    migrate.downgrade(get_settings().database_url, revision)
    typer.echo(f"database {_safe_url()}: revision {before or 'base'} -> {_current_revision() or 'base'}")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision and the code's head."""
    typer.echo(f"database {_safe_url()}: revision {_current_revision() or 'base'} (head {migrate.head_revision()})")


@db_cli.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm that all data will be deleted.")] = False,
) -> None:
    """Delete ALL data: downgrade to base, upgrade to head, and seed again."""
    if not yes:
        typer.echo("db reset deletes every project, edit and audit row; run again with --yes to confirm", err=True)
        raise typer.Exit(2)
    url = get_settings().database_url
    migrate.downgrade(url, "base")
    typer.echo(f"database {_safe_url()}: dropped all planmap tables")
    migrate.upgrade(url, "head")
    typer.echo(f"database {_safe_url()}: migrated to {migrate.head_revision()}")
    seed()


@cli.command()
def seed(
    file: Annotated[Path | None, typer.Option(help="Projects GeoJSON (default: geodata/projects.geojson).")] = None,
) -> None:
    """Load the county, towns and plan catalog; safe to run again (never overwrites edits)."""
    settings = get_settings()
    engine = make_sync_engine(settings.database_url)
    try:
        result = run_seed(engine, settings.geodata_dir, file)
    finally:
        engine.dispose()
    for line in result.lines():
        typer.echo(line, err=not result.ok and line.startswith(("  REFUSED", "seed refused")))
    if not result.ok:
        raise typer.Exit(1)


@cli.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="GeoJSON, GeoPackage, zipped Shapefile, KML, or CSV with `wkt` or `lon`/`lat`.")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Write the valid rows even if some are invalid.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Overwrite projects whose slug exists (even ones edited in the app).")
    ] = False,
) -> None:
    """Import projects from a file, validated like the seed; one bad row refuses the whole file."""
    engine = make_sync_engine(get_settings().database_url)
    try:
        with terminal_progress() as progress:
            result = import_file(engine, file, ImportOptions(dry_run, skip_invalid, update), progress)
    except ImportFileError as exc:
        typer.echo(f"import refused: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    for line, is_error in result.lines():
        typer.echo(line, err=is_error)
    if result.refused:
        raise typer.Exit(1)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    settings = get_settings()
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    bind_host, bind_port = host or settings.host, port or settings.port
    proxies = settings.trusted_proxies
    typer.echo(
        f"serving planmap on http://{bind_host}:{bind_port} (database {_safe_url()}; "
        + (f"X-Forwarded-For trusted from {proxies})" if proxies else "X-Forwarded-For ignored)")
    )
    # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default, so any local client (or a proxy that passes
    # the header on) could name itself anything, and the rate limits key on that name (issue 15, item 6).
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def main() -> None:
    cli()
