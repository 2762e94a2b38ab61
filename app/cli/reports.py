"""`planmap report …`: the documents a planning bureau hands in, written from the database in `DATABASE_URL`.

`planmap report evaluation --plan lianzhou-14th --kind final` writes the evaluation report as DOCX and PDF.
`planmap report investment --month 2026-11` writes the month's investment workbook.
`planmap report oc4ids OUT.json` writes the OC4IDS project package and refuses to write one that does not
validate against the OC4IDS 0.9.5 schema (exit 1, each problem named).
"""

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer

from app.cli.engine import cli_engine
from app.core.db import make_async_engine
from app.core.errors import DomainError
from app.core.settings import get_settings
from app.exports.oc4ids import catalog_package, validate_package
from app.reports.evaluation import Kind
from app.reports.investment import month_workbook, parse_month
from app.wallmap.evaluation import EvaluationDocuments, evaluation_documents

reports_cli = typer.Typer(
    help="Reports: the evaluation report (DOCX + PDF) and the OC4IDS project package.", no_args_is_help=True
)
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


@reports_cli.command("evaluation")
def report_evaluation(
    plan: Annotated[str, typer.Option(help="The plan's slug, e.g. lianzhou-14th.")],
    kind: Annotated[Kind, typer.Option(help="annual (年度考核), midterm (中期评估) or final (总结评估).")],
    on: Annotated[
        str | None, typer.Option("--date", help="The day the figures are for (YYYY-MM-DD); default by kind.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="For --kind annual: the year (default: last year).")] = None,
    outdir: Annotated[Path, typer.Option(help="Folder for the DOCX and PDF (created if missing).")] = Path("."),
) -> None:
    """Write the evaluation report of a plan as DOCX (to edit further) and PDF (to file), with the county map."""
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise typer.BadParameter("--date must be YYYY-MM-DD") from None
    try:
        documents = asyncio.run(_evaluation_documents(plan, kind, day, year))
    except DomainError as refused:
        typer.echo(f"refused: {refused}", err=True)
        raise typer.Exit(1) from None
    outdir.mkdir(parents=True, exist_ok=True)
    for suffix, content in documents.files.items():
        path = outdir / f"{documents.stem}.{suffix}"
        path.write_bytes(content)
        typer.echo(f"{path}: {len(content) // 1024} KiB")


async def _evaluation_documents(plan: str, kind: Kind, day: date | None, year: int | None) -> EvaluationDocuments:
    engine = make_async_engine(get_settings())
    try:
        async with engine.connect() as conn:
            return await evaluation_documents(conn, plan, kind, day, year)
    finally:
        await engine.dispose()


@reports_cli.command("investment")
def report_investment(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM (e.g. 2026-11).")],
    outdir: Annotated[Path, typer.Option(help="Folder for the workbook (created if missing).")] = Path("."),
) -> None:
    """Write the month's key-project investment table (XLSX, 万元, subtotals by town/unit/category/class)."""
    try:
        first = parse_month(month)
        with cli_engine() as engine, engine.connect() as conn:
            content = month_workbook(conn, first)
    except DomainError as refused:
        typer.echo(f"refused: {refused}", err=True)
        raise typer.Exit(1) from None
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"planmap-investment-{first:%Y-%m}.xlsx"
    path.write_bytes(content)
    typer.echo(f"{path}: {len(content) // 1024} KiB")
