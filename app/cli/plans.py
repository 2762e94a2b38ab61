"""`planmap plans …`: record a plan, decide what becomes of each project at its end, close it and carry
the unfinished work into the next plan (one transaction: all of it or nothing)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import Connection

from app.core.db import make_sync_engine
from app.core.settings import get_settings
from app.plans import queries as q
from app.plans.errors import PlanError
from app.plans.service import NewPlan, Precision, close_plan, closing_picture, create_plan, decide

plans_cli = typer.Typer(help="Plans and their periods: create, list, decide, close (with carry-over).")
ACTOR = "cli"


@contextmanager
def _transaction() -> Iterator[Connection]:
    """One transaction; a refused plan operation prints its reason and exits 1 with nothing written."""
    engine = make_sync_engine(get_settings().database_url)
    try:
        with engine.begin() as conn:
            yield conn
    except PlanError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _date(name: str) -> Callable[[str | None], date | None]:
    def parse(value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{name} must be YYYY-MM-DD (the first day of a month or year with a "
                                     "month/year precision)") from None  # fmt: skip

    return parse


@plans_cli.command("create")
def plans_create(
    slug: str,
    name_zh: Annotated[str, typer.Option("--name-zh")],
    name_en: Annotated[str, typer.Option("--name-en")],
    period_start: Annotated[int, typer.Option("--start", help="First year of the period, e.g. 2026")],
    period_end: Annotated[int, typer.Option("--end", help="Last year of the period, e.g. 2030")],
    source: Annotated[str, typer.Option("--source", help="The source document (title, file, issuing body)")],
    adopted: Annotated[str | None, typer.Option("--adopted", help="Adoption date, YYYY-MM-DD")] = None,
    adopted_precision: Annotated[Precision | None, typer.Option("--adopted-precision")] = None,
    revised: Annotated[str | None, typer.Option("--revised", help="Revision date, YYYY-MM-DD")] = None,
    revised_precision: Annotated[Precision | None, typer.Option("--revised-precision")] = None,
) -> None:
    """Record a plan (its projects come with `planmap import --plan SLUG FILE` or `plans close --into`)."""
    plan = NewPlan(
        slug, name_zh, name_en, period_start, period_end, source,
        _date("--adopted")(adopted), adopted_precision, _date("--revised")(revised), revised_precision,
    )  # fmt: skip
    with _transaction() as conn:
        create_plan(conn, plan, actor=ACTOR)
    typer.echo(f"plan {slug} ({period_start}–{period_end}) recorded")


@plans_cli.command("list")
def plans_list() -> None:
    """Every plan with its period, its number of projects and whether it is closed."""
    with _transaction() as conn:
        rows = conn.execute(q.ALL_PLANS).all()
    for r in rows:
        closed = f"closed {r.closed_at:%Y-%m-%d}" if r.closed_at else "open"
        typer.echo(f"{r.slug}\t{r.period_start}–{r.period_end}\t{r.projects} projects\t{closed}\t{r.name_zh}")


@plans_cli.command("decide")
def plans_decide(
    plan: str,
    project: str,
    decision: Annotated[str, typer.Option("--decision", help="completed, continuing or dropped")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required for continuing and dropped)")] = None,
) -> None:
    """Record what becomes of one project when its plan closes."""
    with _transaction() as conn:
        decide(conn, plan, project, decision, reason, actor=ACTOR)
    typer.echo(f"{plan}: {project} {decision}")


@plans_cli.command("close")
def plans_close(
    plan: str,
    into: Annotated[str | None, typer.Option("--into", help="Carry the continuing projects into this plan")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show the closing picture")] = False,
) -> None:
    """Show the closing picture (completed, continuing, dropped, each with its reason) and close the plan,
    carrying the continuing projects into `--into`; refused while any project lacks a decision."""
    with _transaction() as conn:
        picture = closing_picture(conn, plan) if dry_run else close_plan(conn, plan, into, actor=ACTOR)
    for line in picture.lines():
        typer.echo(line)
    if not dry_run:
        typer.echo(f"plan {plan} closed" + (f"; continuing projects carried into {into}" if into else ""))
