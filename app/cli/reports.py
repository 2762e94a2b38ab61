"""`planmap report …`: the documents a planning bureau hands in, written from the database in `DATABASE_URL`.

`planmap report oc4ids OUT.json` writes the OC4IDS project package and refuses to write one that does not
validate against the OC4IDS 0.9.5 schema (exit 1, each problem named).
"""

from pathlib import Path
from typing import Annotated

import orjson
import typer

from app.cli.engine import cli_engine
from app.exports.oc4ids import catalog_package, validate_package

reports_cli = typer.Typer(help="Reports: the OC4IDS project package.", no_args_is_help=True)
PACKAGE_URI = "urn:planmap:lianzhou:oc4ids"


@reports_cli.command("oc4ids")
def report_oc4ids(
    out: Annotated[Path, typer.Argument(help="Where to write the package (JSON).")],
    uri: Annotated[str, typer.Option(help="The package's URI (where it will be published).")] = PACKAGE_URI,
) -> None:
    """Write every project as an OC4IDS project package, validated against the OC4IDS 0.9.5 schema."""
    with cli_engine() as engine, engine.connect() as conn:
        package = catalog_package(conn, uri)
    problems = validate_package(package)
    for problem in problems[:50]:
        typer.echo(f"invalid OC4IDS at {problem.path}: {problem.message}", err=True)
    if problems:
        typer.echo(f"{len(problems)} schema errors: nothing written", err=True)
        raise typer.Exit(1)
    out.write_bytes(orjson.dumps(package, option=orjson.OPT_INDENT_2))
    typer.echo(f"{out}: {len(package['projects'])} projects, valid OC4IDS {package['version']}")
