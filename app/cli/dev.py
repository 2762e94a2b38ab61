"""`planmap dev …`: developer tools that are not for a county server (synthetic data for benchmarks)."""

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from app.catalog.synth import DEFAULT_BATCH, SYNTH_PREFIX, SynthError, synthesize, synthesize_progress
from app.cli.engine import cli_engine
from app.core.settings import get_settings

dev_cli = typer.Typer(help="Developer tools: synthetic data for benchmarks.", no_args_is_help=True)


@dev_cli.command("synth")
def synth(
    count: Annotated[int, typer.Option("--count", min=0, help="Synthetic projects to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random stream (same seed, same features).")] = 1,
    wipe: Annotated[
        bool, typer.Option("--wipe", help=f"First delete every earlier synthetic project (slug {SYNTH_PREFIX}…).")
    ] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per INSERT statement.")] = DEFAULT_BATCH,
    reports_year: Annotated[
        int | None,
        typer.Option(
            "--reports-year",
            min=2000,
            max=2100,
            help="Then put every synthetic project in this year's annual programme with 12 approved monthly "
            "reports each (synthetic figures, marked as such).",
        ),
    ] = None,
) -> None:
    """Write COUNT realistic projects spread over Guangdong into DATABASE_URL, for benchmarking.

    Properties (category, status, verbatim plan quote, chapter) are copied from the plan catalog;
    places are random. Slugs start with `synth-`; `--wipe` removes them again. The database must
    be migrated and seeded (`planmap db upgrade && planmap seed`): each feature is given the
    Lianzhou town with the nearest seat.
    """
    settings = get_settings()
    console = Console(stderr=True)
    columns = (
        TextColumn("synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with (
            cli_engine() as engine,
            Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar,
        ):
            task = bar.add_task("synth", total=count)
            result = synthesize(
                engine,
                settings.geodata_dir,
                count,
                seed,
                wipe_first=wipe,
                batch_size=batch_size,
                on_batch=lambda n: bar.advance(task, n),
            )
            progress = None if reports_year is None else synthesize_progress(engine, reports_year, seed)
    except SynthError as exc:
        typer.echo(f"synth refused: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in result.lines():
        typer.echo(line)
    if progress is not None:
        typer.echo(progress.line())
