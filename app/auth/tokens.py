"""Opaque bearer tokens, stored hashed.

Why opaque rather than signed (JWT): a token must stop working the moment its user is
disabled or logs out. With a row per token that is one UPDATE; with signed tokens it
needs a deny-list consulted on every request anyway. The row lookup is one indexed
query, and only the SHA-256 of the token is stored, so a copy of the database holds no
usable credential.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_token(conn: Connection, user_id: int, ttl_minutes: int) -> IssuedToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = datetime.now(UTC) + timedelta(minutes=ttl_minutes)
    conn.execute(
        text("INSERT INTO auth_tokens (user_id, token_hash, expires_at) VALUES (:u, :h, :e)"),
        {"u": user_id, "h": hash_token(token), "e": expires_at},
    )
    return IssuedToken(token, expires_at)


def revoke_token(conn: Connection, token: str) -> bool:
    result = conn.execute(
        text("UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = :h AND revoked_at IS NULL"),
        {"h": hash_token(token)},
    )
    return bool(result.rowcount)


def revoke_all(conn: Connection, user_id: int) -> int:
    result = conn.execute(
        text("UPDATE auth_tokens SET revoked_at = now() WHERE user_id = :u AND revoked_at IS NULL"), {"u": user_id}
    )
    return int(result.rowcount)
