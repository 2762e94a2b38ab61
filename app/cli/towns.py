"""`planmap towns …`: per-town settings, such as holding officials' edits for review."""

from typing import Annotated

import typer

from app.cli.engine import cli_engine
from app.core.errors import DomainError
from app.editing.proposals import set_town_review
from app.queries.towns import town_review_settings

towns_cli = typer.Typer(help="Towns and their settings.", no_args_is_help=True)


@towns_cli.command("list")
def towns_list() -> None:
    """Towns with their review setting."""
    with cli_engine() as engine, engine.connect() as conn:
        rows = town_review_settings(conn)
    for row in rows:
        typer.echo(f"{row.slug}\t{row.name_zh}\t{'review required' if row.review_required else 'direct edits'}")


@towns_cli.command("review")
def towns_review(
    town: str,
    required: Annotated[bool, typer.Option("--on/--off", help="Hold officials' edits for a planner's review.")],
) -> None:
    """Turn review before publishing on or off for a town."""
    try:
        with cli_engine() as engine, engine.begin() as conn:
            set_town_review(conn, town, required, actor="cli")
    except DomainError as exc:
        typer.echo(f"refused: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{town}: officials' edits {'now wait for review' if required else 'now publish directly'}")
