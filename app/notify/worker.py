"""The delivery loop behind `planmap worker`: take one due message, send it, record the outcome.

Why plain `SELECT … FOR UPDATE SKIP LOCKED` and not procrastinate or pgqueuer (README,
"Libraries"): the outbox row must be written by the same SQLAlchemy transaction as the change it
reports. Both libraries enqueue through their own connector (procrastinate's job table and
functions, pgqueuer's queue table and LISTEN/NOTIFY), so sharing the app's transaction means
reaching into their internals; and delivery state (attempts, next attempt, failed) is what the
bureau wants to see next to the message. What they would add beyond that — a lock, a retry
schedule, a poll loop — is the twenty lines below, on a table the app already owns; no new
server, schema or daemon to operate.

At-least-once: a message is marked sent in the transaction that locked it, after the channel
accepted it. If the worker or the database dies between the two, the row stays pending and is
sent again with the same idempotency key (Message-ID, X-Planmap-Idempotency-Key), by which the
receiver drops the repeat. A message already marked sent is never taken again.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from app.core import clock
from app.core.settings import Settings
from app.notify import channels, daily
from app.notify import queries as sql
from app.notify.channels import DeliveryError, Outgoing

log = logging.getLogger("planmap.notify")

Sender = Callable[[Outgoing, Settings], None]


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Wait after the `attempts`-th failed attempt: base × 2^(attempts − 1), at most the cap."""
    return float(min(settings.notify_backoff_cap_seconds, settings.notify_backoff_seconds * 2.0 ** (attempts - 1)))


@dataclass(frozen=True)
class Outcome:
    key: str
    state: str  # sent | retry | failed
    error: str | None = None


def deliver_next(engine: Engine, settings: Settings, sender: Sender = channels.send) -> Outcome | None:
    """Deliver the most overdue message, if any; None when nothing is due."""
    with engine.begin() as conn:
        row = conn.execute(sql.CLAIM_DUE).mappings().first()
        if row is None:
            return None
        message = Outgoing(
            key=row["key"],
            event=row["event"],
            kind=row["kind"],
            target=row["target"],
            secret=row["secret"],
            lang=row["lang"],
            subject=row["subject"],
            body=row["body"],
            # a path (`/moderation`) is completed with the address people open planmap at
            link=settings.public_url + row["link"] if (row["link"] or "").startswith("/") else row["link"],
            unsubscribe_url=row["unsubscribe_url"],
        )
        try:
            sender(message, settings)
        except DeliveryError as exc:
            attempts = row["attempts"] + 1
            error = str(exc)[:500]
            if exc.permanent or attempts >= settings.notify_max_attempts:
                conn.execute(sql.MARK_FAILED, {"id": row["id"], "error": error})
                log.warning("notification failed for good", extra={"key": message.key, "error": error})
                return Outcome(message.key, "failed", error)
            delay = backoff_seconds(attempts, settings)
            conn.execute(sql.MARK_RETRY, {"id": row["id"], "error": error, "delay": delay})
            log.info("notification retry", extra={"key": message.key, "error": error, "delay": delay})
            return Outcome(message.key, "retry", error)
        conn.execute(sql.MARK_SENT, {"id": row["id"]})
        return Outcome(message.key, "sent")


def run(engine: Engine, settings: Settings, stop: threading.Event, sender: Sender = channels.send) -> None:
    """Deliver until `stop` is set: at once while messages are due, then every PLANMAP_NOTIFY_POLL_SECONDS.

    A database that goes away is waited for, not fatal: the worker logs it, sleeps a poll and
    tries again, so it needs no restart when PostgreSQL comes back.
    """
    done_day = None
    while not stop.is_set():
        try:
            if done_day != (today := clock.today()):
                ran = daily.run_if_due(engine, settings, clock.now())
                # Claimed by this worker or another, the day is done; before the hour it is tried again.
                if ran is not None or clock.now().astimezone(clock.LIANZHOU_TZ).time() >= settings.notify_daily_at:
                    done_day = today
            outcome = deliver_next(engine, settings, sender)
        except DBAPIError as exc:
            log.warning("database unavailable; notifications wait", extra={"error": str(exc.orig or exc)[:200]})
            stop.wait(settings.notify_poll_seconds)
            continue
        if outcome is None:
            stop.wait(settings.notify_poll_seconds)
