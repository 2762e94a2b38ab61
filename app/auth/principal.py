"""Who is making a request: the user behind a bearer token, with role, towns and departments."""

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
    # The departments (units of kind `department`) an official belongs to; their towns are units too.
    departments: frozenset[str] = frozenset()

    @property
    def edits_everywhere(self) -> bool:
        return self.role in ("admin", "planner")

    def may_edit_towns(self, towns: set[str] | frozenset[str]) -> bool:
        """An official may edit a project only when it lies in one of their towns."""
        return self.edits_everywhere or bool(self.towns & set(towns))

    @property
    def units(self) -> frozenset[str]:
        """Every unit the user acts for: a town's unit slug is the town's slug."""
        return self.towns | self.departments

    def may_act_for(self, towns: set[str] | frozenset[str], units: set[str] | frozenset[str]) -> bool:
        """Edit and report on a project in one of their towns, or one their department is responsible for."""
        return self.edits_everywhere or bool(self.towns & set(towns)) or bool(self.departments & set(units))


# A disabled user or a revoked or expired token matches nothing: access stops at once.
_BY_TOKEN = text(
    """SELECT u.id, u.username, u.display_name, u.role,
              ARRAY(SELECT t.slug FROM user_towns ut JOIN towns t ON t.id = ut.town_id
                    WHERE ut.user_id = u.id ORDER BY t.slug) AS towns,
              ARRAY(SELECT n.slug FROM user_units uu JOIN units n ON n.id = uu.unit_id
                    WHERE uu.user_id = u.id AND n.kind = 'department' ORDER BY n.slug) AS departments
       FROM auth_tokens k JOIN users u ON u.id = k.user_id
       WHERE k.token_hash = :h AND k.revoked_at IS NULL AND k.expires_at > now() AND u.is_active"""
)


async def principal_for_token(conn: AsyncConnection, token: str) -> Principal | None:
    row = (await conn.execute(_BY_TOKEN, {"h": hash_token(token)})).one_or_none()
    if row is None:
        return None
    return Principal(row.id, row.username, row.display_name, row.role, frozenset(row.towns), frozenset(row.departments))
