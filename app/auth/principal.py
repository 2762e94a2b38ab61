"""Who is making a request: the user behind a bearer token, with role and towns."""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.tokens import hash_token

ROLES = ("admin", "planner", "official")


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    towns: frozenset[str]

    @property
    def edits_everywhere(self) -> bool:
        return self.role in ("admin", "planner")

    def may_edit_towns(self, towns: set[str] | frozenset[str]) -> bool:
        """An official may edit a project only when it lies in one of their towns."""
        return self.edits_everywhere or bool(self.towns & set(towns))


# A disabled user or a revoked or expired token matches nothing: access stops at once.
_BY_TOKEN = text(
    """SELECT u.id, u.username, u.display_name, u.role,
              ARRAY(SELECT t.slug FROM user_towns ut JOIN towns t ON t.id = ut.town_id
                    WHERE ut.user_id = u.id ORDER BY t.slug) AS towns
       FROM auth_tokens k JOIN users u ON u.id = k.user_id
       WHERE k.token_hash = :h AND k.revoked_at IS NULL AND k.expires_at > now() AND u.is_active"""
)


async def principal_for_token(conn: AsyncConnection, token: str) -> Principal | None:
    row = (await conn.execute(_BY_TOKEN, {"h": hash_token(token)})).one_or_none()
    if row is None:
        return None
    return Principal(row.id, row.username, row.display_name, row.role, frozenset(row.towns))
