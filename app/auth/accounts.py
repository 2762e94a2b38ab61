"""Managing staff accounts (the `planmap users` commands); every change is audited."""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.auth.passwords import hash_password
from app.auth.principal import ROLES
from app.auth.tokens import revoke_all
from app.history import audit


class AccountError(ValueError):
    """A refused account change, with a message for the person at the terminal."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    is_active: bool
    towns: list[str]


def _user_id(conn: Connection, username: str) -> int:
    user_id = conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar()
    if user_id is None:
        raise AccountError(f"no user '{username}'")
    return int(user_id)


def _check_towns(conn: Connection, towns: list[str]) -> None:
    known = set(conn.execute(text("SELECT slug FROM towns WHERE slug = ANY(:t)"), {"t": towns}).scalars())
    if unknown := [t for t in towns if t not in known]:
        raise AccountError(f"unknown town slug(s): {', '.join(unknown)}")


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    display_name: str,
    towns: list[str],
    actor: str,
    departments: list[str] | None = None,
) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if conn.execute(text("SELECT 1 FROM users WHERE username = :u"), {"u": username}).scalar():
        raise AccountError(f"user '{username}' already exists")
    departments = departments or []
    if role == "official" and not towns and not departments:
        raise AccountError("an official needs at least one town (--town) or department (--department)")
    _check_towns(conn, towns)
    known = set(
        conn.execute(
            text("SELECT slug FROM units WHERE kind = 'department' AND slug = ANY(:d)"), {"d": departments}
        ).scalars()
    )
    if unknown := [d for d in departments if d not in known]:
        raise AccountError(f"unknown department slug(s): {', '.join(unknown)}")
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    user_id = conn.execute(
        text(
            """INSERT INTO users (username, display_name, role, password_hash)
               VALUES (:u, :d, :r, :p) RETURNING id"""
        ),
        {"u": username, "d": display_name or username, "r": role, "p": password_hash},
    ).scalar_one()
    _add_towns(conn, user_id, towns)
    conn.execute(
        text("INSERT INTO user_units (user_id, unit_id) SELECT :u, id FROM units WHERE slug = ANY(:d)"),
        {"u": user_id, "d": departments},
    )
    changes: dict[str, object] = {"role": role, "towns": sorted(towns)}
    if departments:
        changes["departments"] = sorted(departments)
    audit.record(conn, actor=actor, action="create", object_type="user", object_key=username, changes=changes)


def _add_towns(conn: Connection, user_id: int, towns: list[str]) -> None:
    conn.execute(
        text(
            """INSERT INTO user_towns (user_id, town_id) SELECT :u, id FROM towns WHERE slug = ANY(:t)
               ON CONFLICT DO NOTHING"""
        ),
        {"u": user_id, "t": towns},
    )


def assign_towns(conn: Connection, username: str, towns: list[str], actor: str) -> None:
    user_id = _user_id(conn, username)
    _check_towns(conn, towns)
    _add_towns(conn, user_id, towns)
    audit.record(
        conn,
        actor=actor,
        action="assign_town",
        object_type="user",
        object_key=username,
        changes={"towns": sorted(towns)},
    )


def set_active(conn: Connection, username: str, active: bool, actor: str) -> int:
    """Enable or disable a user; disabling revokes every token at once. Returns tokens revoked."""
    user_id = _user_id(conn, username)
    conn.execute(text("UPDATE users SET is_active = :a, updated_at = now() WHERE id = :i"), {"a": active, "i": user_id})
    revoked = 0 if active else revoke_all(conn, user_id)
    audit.record(conn, actor=actor, action="enable" if active else "disable", object_type="user", object_key=username)
    return revoked


def set_password(conn: Connection, username: str, password: str, actor: str) -> None:
    user_id = _user_id(conn, username)
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    conn.execute(
        text("UPDATE users SET password_hash = :p, updated_at = now() WHERE id = :i"),
        {"p": password_hash, "i": user_id},
    )
    revoke_all(conn, user_id)
    audit.record(conn, actor=actor, action="set_password", object_type="user", object_key=username)


def list_accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(
        text(
            """SELECT u.username, u.display_name, u.role, u.is_active,
                      ARRAY(SELECT t.slug FROM user_towns ut JOIN towns t ON t.id = ut.town_id
                            WHERE ut.user_id = u.id ORDER BY t.slug) AS towns
               FROM users u ORDER BY u.username"""
        )
    ).all()
    return [Account(r.username, r.display_name, r.role, r.is_active, list(r.towns)) for r in rows]
