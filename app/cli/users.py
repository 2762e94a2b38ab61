"""`planmap users …`: staff accounts from the command line (the first admin starts here)."""

import sys
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Connection

from app.auth.accounts import AccountError, add_user, assign_towns, list_accounts, set_active, set_password
from app.cli.engine import cli_engine

users_cli = typer.Typer(help="Staff accounts: admins, planners, and officials scoped to towns.", no_args_is_help=True)

T = TypeVar("T")
CLI_ACTOR = "cli"
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
]


def _in_transaction(work: Callable[[Connection], T]) -> T:
    try:
        with cli_engine() as engine, engine.begin() as conn:
            return work(conn)
    except AccountError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_cli.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, planner or official.")],
    town: Annotated[list[str] | None, typer.Option(help="Town slug an official edits; repeat for several.")] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: PasswordStdin = False,
    department: Annotated[
        list[str] | None, typer.Option(help="Department (unit slug) an official belongs to; repeat for several.")
    ] = None,
) -> None:
    """Create an account."""
    password = _password(password_stdin)
    towns = town or []
    departments = department or []
    _in_transaction(lambda c: add_user(c, username.lower(), password, role, name, towns, CLI_ACTOR, departments))
    scope = f" for {', '.join(towns + departments)}" if towns or departments else ""
    typer.echo(f"user {username.lower()} added as {role}{scope}")


@users_cli.command("list")
def users_list() -> None:
    """List accounts with role, towns and whether they are active."""
    for account in _in_transaction(list_accounts):
        state = "active" if account.is_active else "disabled"
        towns = ",".join(account.towns) or "-"
        typer.echo(f"{account.username}\t{account.role}\t{towns}\t{state}\t{account.display_name}")


@users_cli.command("disable")
def users_disable(username: str) -> None:
    """Disable an account; its tokens stop working at once."""
    revoked = _in_transaction(lambda c: set_active(c, username, False, CLI_ACTOR))
    typer.echo(f"user {username} disabled; {revoked} token(s) revoked")


@users_cli.command("enable")
def users_enable(username: str) -> None:
    """Enable a disabled account again."""
    _in_transaction(lambda c: set_active(c, username, True, CLI_ACTOR))
    typer.echo(f"user {username} enabled")


@users_cli.command("set-password")
def users_set_password(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; existing tokens are revoked."""
    password = _password(password_stdin)
    _in_transaction(lambda c: set_password(c, username, password, CLI_ACTOR))
    typer.echo(f"password of {username} changed; existing tokens revoked")


@users_cli.command("assign-town")
def users_assign_town(username: str, town: Annotated[list[str], typer.Argument(help="Town slug(s).")]) -> None:
    """Give an official more towns to edit."""
    _in_transaction(lambda c: assign_towns(c, username, town, CLI_ACTOR))
    typer.echo(f"user {username} now also edits {', '.join(town)}")
