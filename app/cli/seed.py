"""`planmap seed` and `planmap import`: the plan catalog from the repository's files, or projects from a file."""

from pathlib import Path
from typing import Annotated

import typer

from app.catalog.import_rows import ImportFileError
from app.catalog.importer import ImportOptions, import_file, terminal_progress
from app.catalog.seed import seed as run_seed
from app.cli.engine import cli_engine
from app.core.settings import get_settings


def seed(
    file: Annotated[Path | None, typer.Option(help="Projects GeoJSON (default: geodata/projects.geojson).")] = None,
) -> None:
    """Load the county, towns and plan catalog; safe to run again (never overwrites edits)."""
    with cli_engine() as engine:
        result = run_seed(engine, get_settings().geodata_dir, file)
    for line in result.lines():
        typer.echo(line, err=not result.ok and line.startswith(("  REFUSED", "seed refused")))
    if not result.ok:
        raise typer.Exit(1)


def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="GeoJSON, GeoPackage, zipped Shapefile, KML, CSV with `wkt` or `lon`/`lat`, "
            "or an XLSX project list with Chinese column names (项目名称, 类别, 状态, 所在镇, 经度, 纬度 …)."
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Write the valid rows even if some are invalid.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Overwrite projects whose slug exists (even ones edited in the app).")
    ] = False,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="The plan these projects belong to; a project already known by its slug "
            "joins it as continuing (续建) instead of being duplicated.",
        ),
    ] = None,
) -> None:
    """Import projects from a file, validated like the seed; one bad row refuses the whole file."""
    try:
        with cli_engine() as engine, terminal_progress() as progress:
            result = import_file(engine, file, ImportOptions(dry_run, skip_invalid, update, plan), progress)
    except ImportFileError as exc:
        typer.echo(f"import refused: {exc}", err=True)
        raise typer.Exit(2) from None
    for line, is_error in result.lines():
        typer.echo(line, err=is_error)
    if result.refused:
        raise typer.Exit(1)
