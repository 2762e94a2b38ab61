"""`planmap backup FILE` and `planmap restore FILE` (see app/core/backup.py for what they do and why)."""

from pathlib import Path
from typing import Annotated

import typer

from app.core.settings import get_settings
from app.ops.backup import BackupError
from app.ops.backup import backup as run_backup
from app.ops.backup import restore as run_restore


def backup(file: Annotated[Path, typer.Argument(help="Where to write the backup (pg_dump custom format).")]) -> None:
    """Back up the app's tables, data, views and functions to FILE (pg_dump -Fc), photos to FILE.photos.tar."""
    settings = get_settings()
    try:
        report = run_backup(settings.database_url, file, settings.pg_bin_dir, settings.data_dir)
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in report.lines():
        typer.echo(line)


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `planmap backup`.")],
) -> None:
    """Restore FILE into DATABASE_URL's database, replacing the app's tables (one transaction; --clean --if-exists)."""
    settings = get_settings()
    try:
        report = run_restore(settings.database_url, file, settings.pg_bin_dir, settings.data_dir)
    except BackupError as exc:
        typer.echo(f"restore failed (nothing was changed): {exc}", err=True)
        raise typer.Exit(1) from None
    for line in report.lines():
        typer.echo(line)
