"""Checking a username and password, the same way for the API's token endpoint and the site's login form."""

from sqlalchemy import Connection, text

from app.auth.passwords import verify_password


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
