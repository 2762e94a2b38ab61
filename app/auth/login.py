"""Checking a username and password, the same way for the API's token endpoint and the site's login form."""

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import login_throttle
from app.auth.passwords import verify_password
from app.catalog.text_policy import text_problem
from app.core.errors import Invalid
from app.core.settings import Settings


def check_credentials(conn: Connection, username: str, password: str) -> int | None:
    """The user's id when the password is right and the account active; None otherwise.

    The caller learns nothing about *why* it failed (unknown user, wrong password, disabled
    account), and a password is verified even for an unknown user, so neither the answer nor
    its timing tells which usernames exist.
    """
    row = conn.execute(
        text("SELECT id, password_hash, is_active FROM users WHERE username = :u"),
        {"u": username.strip().lower()},
    ).one_or_none()
    ok = verify_password(row.password_hash if row else None, password)
    if not ok or row is None or not row.is_active:
        return None
    return int(row.id)


async def log_in(engine: AsyncEngine, username: str, password: str, client: str, settings: Settings) -> int | None:
    """`check_credentials` behind the failed-login backoff (`login_throttle`), for every login form of the app.

    Raises `app.auth.ratelimit.Limited` (before any password is checked) when this attempt must wait.
    The attempt is counted in a transaction of its own, committed before the slow password check,
    so the counters are not held locked while Argon2 runs. A username no account could have (a NUL,
    a control character) is refused first, as any bad input is: it is not an attempt to count.
    """
    if (problem := text_problem(username)) is not None:
        raise Invalid(("body", "username"), problem)
    async with engine.begin() as conn:
        await conn.run_sync(login_throttle.reserve, username, client, settings)
    async with engine.begin() as conn:
        user_id = await conn.run_sync(check_credentials, username, password)
        await conn.run_sync(login_throttle.settle, username, client, user_id is not None, settings)
    return user_id
