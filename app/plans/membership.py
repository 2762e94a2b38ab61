"""Joining projects to a plan on import: a slug already known is the same project continuing (续建),
recognised rather than duplicated."""

from typing import Any

import orjson
from sqlalchemy import Connection

from app.plans import queries as q


def plan_known(conn: Connection, slug: str) -> bool:
    return conn.execute(q.PLAN_KNOWN, {"s": slug}).scalar() is not None


def join_plan(conn: Connection, plan: str, rows: list[dict[str, Any]]) -> list[str]:
    """Make each known project of `rows` a continuing member of `plan`; returns the slugs that joined."""
    joined = []
    for row in rows:
        params = {**row, "plan": plan, "figures": orjson.dumps(row.get("figures") or {}).decode()}
        if conn.execute(q.JOIN_AS_CONTINUING, params).scalar() is not None:
            joined.append(str(row["slug"]))
    return joined
