"""The public following a project, a town, or a radius around a point, by email.

Double opt-in: a subscription does nothing until its owner opens the link mailed to the address
(so nobody can sign someone else up for mail). Every message carries a one-click unsubscribe link
(and the RFC 8058 List-Unsubscribe header); unsubscribing deletes the subscription and with it
the address and anything queued for it. Addresses are never returned by any read and never
appear in the audit log. Changes reach subscribers as one daily digest, not a mail per edit.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Connection

from app.auth import ratelimit
from app.catalog.vocab import load_vocab_sync
from app.core.errors import Invalid, NotFound, RateLimited
from app.history import audit
from app.notify import subscription_queries as sql
from app.notify.outbox import Notice, enqueue

Scope = Literal["project", "town", "near"]
CLIENT_PER_HOUR = 10
ADDRESS_PER_DAY = 3


@dataclass(frozen=True)
class NewSubscription:
    """A validated request (address syntax and ranges checked by the API model)."""

    email: str
    lang: Literal["zh", "en"]
    scope: Scope
    project: str | None = None
    town: str | None = None
    lon: float | None = None
    lat: float | None = None
    radius_m: int | None = None


def _limit(conn: Connection, key: str, limit: int, window: float, what: str) -> None:
    wait = ratelimit.take_from_window(conn, key, limit, window)
    if wait > 0:
        limited = ratelimit.Limited(what, wait)
        raise RateLimited(limited.message, limited.retry_after)


def unsubscribe_link(public_url: str, token: str) -> str:
    """The one link that unsubscribes: a page with one button (GET) and RFC 8058's one-click POST."""
    return f"{public_url}/subscriptions/unsubscribe?token={token}"


def subscribe(conn: Connection, item: NewSubscription, client: str, public_url: str) -> None:
    """Store an unconfirmed subscription and queue the confirmation mail.

    Rate-limited per client and per address (by a salted hash: the limiter never holds the
    address), so planmap cannot be used to flood someone's mailbox with confirmation requests.
    """
    project_id = town_id = None
    if item.scope == "project":
        project_id = conn.execute(sql.PUBLIC_PROJECT, {"slug": item.project}).scalar()
        if project_id is None:
            raise NotFound(f"no project '{item.project}'")
    elif item.scope == "town":
        town_id = conn.execute(sql.TOWN, {"slug": item.town}).scalar()
        if town_id is None:
            raise NotFound(f"no town '{item.town}'")
    elif not conn.execute(sql.POINT_IN_COUNTY, {"lon": item.lon, "lat": item.lat}).scalar_one():
        raise Invalid(("body", "near"), "the point lies outside Lianzhou")
    _limit(conn, f"subscribe:{client}", CLIENT_PER_HOUR, 3600.0, f"at most {CLIENT_PER_HOUR} subscriptions per hour")
    address_key = hmac.new(ratelimit.salt(conn).encode(), item.email.lower().encode(), hashlib.sha256).hexdigest()
    _limit(conn, f"subscribe-address:{address_key}", ADDRESS_PER_DAY, 86400.0,
           f"at most {ADDRESS_PER_DAY} confirmation mails per address a day")  # fmt: skip
    token = secrets.token_urlsafe(32)
    subscription_id = conn.execute(
        sql.INSERT_SUBSCRIPTION,
        {
            "scope": item.scope,
            "project_id": project_id,
            "town_id": town_id,
            "lon": item.lon,
            "lat": item.lat,
            "radius_m": item.radius_m if item.scope == "near" else None,
            "token": token,
        },
    ).scalar_one()
    destination = conn.execute(
        sql.INSERT_DESTINATION, {"subscription_id": subscription_id, "email": item.email, "lang": item.lang}
    ).scalar_one()
    what_zh, what_en = _describe(item)
    confirm = f"{public_url}/subscriptions/confirm?token={token}"
    notice = Notice(
        subject_zh=f"请确认订阅:{what_zh}",
        body_zh=f"有人(希望是您)用这个邮箱订阅了连州市规划项目动态:{what_zh}。\n"
        f"请打开下面的链接确认;如果不是您,请忽略本邮件,七天后地址将被删除。\n\n确认:{confirm}",
        subject_en=f"Please confirm: {what_en}",
        body_en=f"Someone (we hope you) subscribed this address to news of Lianzhou's plan projects: {what_en}.\n"
        f"Open the link below to confirm; if it was not you, ignore this mail: the address is deleted in "
        f"seven days.\n\nConfirm: {confirm}",
    )
    unsubscribe_url = unsubscribe_link(public_url, token)
    enqueue(conn, event="subscription.confirm", key=f"subscription:{subscription_id}:confirm", notice=notice,
            destinations=[destination], unsubscribe_url=unsubscribe_url)  # fmt: skip
    audit.record(conn, actor="public", action="subscribe", object_type="subscription",
                 object_key=str(subscription_id), changes=_audit_changes(item))  # fmt: skip


def _describe(item: NewSubscription) -> tuple[str, str]:
    if item.scope == "project":
        return f"项目 {item.project}", f"project {item.project}"
    if item.scope == "town":
        return f"乡镇 {item.town}", f"town {item.town}"
    km = (item.radius_m or 0) / 1000
    return f"({item.lon:.4f}, {item.lat:.4f}) 周边 {km:g} 公里", f"within {km:g} km of ({item.lon:.4f}, {item.lat:.4f})"


def _audit_changes(item: NewSubscription) -> dict[str, object]:
    """What was followed, never by whom (no address in the audit log)."""
    changes: dict[str, object] = {"scope": item.scope}
    if item.scope == "project":
        changes["project"] = item.project
    elif item.scope == "town":
        changes["town"] = item.town
    else:
        changes["radius_m"] = item.radius_m  # the point itself may be someone's home: not recorded
    return changes


def confirm(conn: Connection, token: str) -> str:
    """Confirm a subscription (again: no harm); its scope."""
    row = conn.execute(sql.BY_TOKEN, {"token": token}).mappings().first()
    if row is None:
        raise NotFound("no such subscription (the link may be old, or you unsubscribed)")
    if row["confirmed_at"] is None:
        conn.execute(sql.CONFIRM, {"id": row["id"]})
        audit.record(conn, actor="public", action="confirm", object_type="subscription", object_key=str(row["id"]))
    return str(row["scope"])


def unsubscribe(conn: Connection, token: str) -> None:
    """Delete the subscription, its address and whatever was queued for it."""
    row = conn.execute(sql.BY_TOKEN, {"token": token}).mappings().first()
    if row is None:
        raise NotFound("no such subscription (already unsubscribed?)")
    conn.execute(sql.DELETE, {"id": row["id"]})
    audit.record(conn, actor="public", action="unsubscribe", object_type="subscription", object_key=str(row["id"]))


def queue_digests(conn: Connection, *, day: date, until: datetime, public_url: str) -> int:
    """One digest per confirmed subscription whose projects changed since its last one; how many.

    The key is the subscription and the Lianzhou day, so running twice on one day queues once.
    Only public fields are told (name, status, a link to the public page): never what changed in
    detail, which for a sensitive site could be its precise place.
    """
    rows = conn.execute(sql.DIGEST_CHANGES, {"until": until}).mappings().all()
    zh, en = load_vocab_sync(conn, "zh"), load_vocab_sync(conn, "en")
    by_subscription: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        by_subscription.setdefault(int(row["subscription_id"]), []).append(dict(row))
    for subscription_id, changes in by_subscription.items():
        lines_zh = [
            f"- {c['name_zh']}({zh.status_label(str(c['status']))},更新 {c['changes']} 次)\n"
            f"  {public_url}/projects/{c['slug']}"
            for c in changes
        ]
        lines_en = [
            f"- {c['name_en']} ({en.status_label(str(c['status']))}, {c['changes']} update(s))\n"
            f"  {public_url}/projects/{c['slug']}?lang=en"
            for c in changes
        ]
        notice = Notice(
            subject_zh=f"连州规划项目动态 {day:%Y-%m-%d}:{len(changes)} 个项目有更新",
            body_zh="您关注的范围内,以下项目自上次摘要以来有更新:\n\n" + "\n".join(lines_zh),
            subject_en=f"Lianzhou plan projects, {day:%Y-%m-%d}: {len(changes)} project(s) changed",
            body_en="These projects you follow changed since your last digest:\n\n" + "\n".join(lines_en),
        )
        enqueue(conn, event="subscription.digest", key=f"digest:{subscription_id}:{day:%Y-%m-%d}", notice=notice,
                destinations=[int(str(changes[0]["destination_id"]))],
                unsubscribe_url=unsubscribe_link(public_url, str(changes[0]["token"])))  # fmt: skip
    conn.execute(sql.ADVANCE_DIGEST, {"until": until})
    conn.execute(sql.DELETE_UNCONFIRMED)
    return len(by_subscription)
