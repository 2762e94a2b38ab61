"""Where staff are reached: each user's own channels, and each unit's group robots.

A user may add email addresses and WeCom/DingTalk robots for themselves; generic webhooks and a
unit's robots are for planners and admins only, because a webhook makes the server call an
address of the caller's choosing (it must not become a way to reach the bureau's internal
network). Secrets are written, never read back. Every change is audited, without the secret.
"""

from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.history import audit
from app.notify import queries as sql

ROBOT_HOSTS = {"wecom": "https://qyapi.weixin.qq.com/", "dingtalk": "https://oapi.dingtalk.com/"}


def _check(principal: Principal, kind: str, target: str, secret: str | None, for_unit: bool) -> None:
    if (kind == "webhook" or for_unit) and not principal.edits_everywhere:
        raise Forbidden("only planners and admins may add webhooks or a unit's robots")
    if kind == "email" and for_unit:
        raise Invalid(("body", "kind"), "a unit is reached by its robots and its officials' own channels")
    if kind in ROBOT_HOSTS and not principal.edits_everywhere and not target.startswith(ROBOT_HOSTS[kind]):
        raise Invalid(("body", "target"), f"a {kind} robot's address starts with {ROBOT_HOSTS[kind]}")
    if kind == "email" and "@" not in target:
        raise Invalid(("body", "target"), "not an email address")
    if kind != "email" and not target.startswith(("https://", "http://")):
        raise Invalid(("body", "target"), "a robot or webhook address is an http(s) URL")
    if kind == "webhook" and not secret:
        raise Invalid(("body", "secret"), "a webhook needs a secret to sign its messages with")


def _rows(conn: Connection, query: Any, owner: object) -> list[dict[str, Any]]:
    out = []
    for row in conn.execute(query, {"owner": owner}).mappings():
        item = dict(row)
        item["created_at"] = item["created_at"].isoformat()
        out.append(item)
    return out


def my_channels(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    return _rows(conn, sql.USER_DESTINATIONS, principal.user_id)


def unit_robots(conn: Connection, unit: str) -> list[dict[str, Any]]:
    if conn.execute(sql.UNIT_ID, {"slug": unit}).scalar() is None:
        raise NotFound(f"no unit '{unit}'")
    return _rows(conn, sql.UNIT_ROBOTS, unit)


def add(conn: Connection, principal: Principal, *, unit: str | None, kind: str, target: str, secret: str | None,
        lang: str) -> int:  # fmt: skip
    _check(principal, kind, target, secret, unit is not None)
    unit_id = None
    if unit is not None:
        unit_id = conn.execute(sql.UNIT_ID, {"slug": unit}).scalar()
        if unit_id is None:
            raise NotFound(f"no unit '{unit}'")
    new_id = conn.execute(
        sql.INSERT_DESTINATION,
        {"user_id": None if unit else principal.user_id, "unit_id": unit_id, "kind": kind, "target": target,
         "secret": secret, "lang": lang},
    ).scalar()  # fmt: skip
    if new_id is None:
        raise Conflict(f"that {kind} destination is already there")
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="add", object_type="channel",
                 object_key=str(new_id), changes={"unit": unit, "kind": kind, "signed": bool(secret)})  # fmt: skip
    return int(new_id)


def remove(conn: Connection, principal: Principal, destination_id: int, unit: str | None) -> None:
    unit_id = None
    if unit is not None:
        if not principal.edits_everywhere:
            raise Forbidden("only planners and admins may remove a unit's robots")
        unit_id = conn.execute(sql.UNIT_ID, {"slug": unit}).scalar()
    user_id = None if unit else principal.user_id
    kind = conn.execute(sql.DELETE_DESTINATION, {"id": destination_id, "user_id": user_id, "unit_id": unit_id}).scalar()
    if kind is None:
        raise NotFound(f"no channel {destination_id} here")
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="remove", object_type="channel",
                 object_key=str(destination_id), changes={"unit": unit, "kind": kind})  # fmt: skip


def undelivered(conn: Connection, principal: Principal, limit: int) -> list[dict[str, Any]]:
    """Messages that failed for good or are being retried, newest first (planners and admins)."""
    if not principal.edits_everywhere:
        raise Forbidden("only planners and admins see undelivered messages")
    out = []
    for row in conn.execute(sql.UNDELIVERED, {"limit": limit}).mappings():
        item = dict(row)
        item["created_at"] = item["created_at"].isoformat()
        item["next_attempt_at"] = item["next_attempt_at"].isoformat()
        out.append(item)
    return out
