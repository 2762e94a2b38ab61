"""The `planmap` command: assembles the command groups (one module each in app/cli/).

Every command says what it did, so a newcomer can see the state of their setup. Before any
command runs, the settings are read and checked: a misspelt `PLANMAP_` variable or a value out
of range stops the command with one line naming it (exit code 2).
"""

import typer
from pydantic import ValidationError

from app.cli.backup import backup, restore
from app.cli.db import db_cli
from app.cli.dev import dev_cli
from app.cli.plans import plans_cli
from app.cli.reports import reports_cli
from app.cli.seed import import_, seed
from app.cli.serve import serve
from app.cli.towns import towns_cli
from app.cli.users import users_cli
from app.cli.wallmaps import wallmaps
from app.cli.worker import worker
from app.core.settings import Settings, env_name, get_settings
from app.core.startup_checks import configured_variables, unknown_settings

cli = typer.Typer(help="planmap: Lianzhou 14th Five-Year Plan projects on a map.", no_args_is_help=True)


def _variable(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else ""
    return env_name(field) if field in Settings.model_fields else field


@cli.callback()
def check_settings() -> None:
    """Refuse to run on settings that would be silently ignored or are invalid."""
    problems = unknown_settings(configured_variables())
    try:
        get_settings()
    except ValidationError as exc:
        problems += [f"invalid setting {_variable(e['loc'])}: {e['msg']}" for e in exc.errors()]
    for problem in problems:
        typer.echo(f"planmap: {problem}", err=True)
    if problems:
        raise typer.Exit(2)


cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
cli.add_typer(towns_cli, name="towns")
cli.add_typer(dev_cli, name="dev")
cli.command("seed")(seed)
cli.command("import")(import_)
cli.command("serve")(serve)
cli.command("wallmaps")(wallmaps)
cli.command("backup")(backup)
cli.command("restore")(restore)
cli.command("worker")(worker)
cli.add_typer(plans_cli, name="plans")
cli.add_typer(reports_cli, name="report")


def main() -> None:
    cli()
