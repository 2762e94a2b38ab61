"""The once-a-day work of the worker, at PLANMAP_NOTIFY_DAILY_AT in Lianzhou: digests and reminders.

Claimed by inserting the Lianzhou day into `notify_daily_runs` in the same transaction as the
messages it queues: with several workers exactly one does it, and a worker that dies half-way
leaves the day unclaimed for the next try (nothing queued without the claim, nor the reverse).
"""

from datetime import date, datetime

from sqlalchemy import Engine

from app.core.clock import LIANZHOU_TZ
from app.core.settings import Settings
from app.notify import daily_queries as sql
from app.notify.reminders import queue_report_reminders, queue_ticket_reminders
from app.notify.subscriptions import queue_digests


def run_if_due(engine: Engine, settings: Settings, now: datetime) -> date | None:
    """Queue today's digests and reminders if it is time and no worker has; the day it ran for, or None."""
    local = now.astimezone(LIANZHOU_TZ)
    if local.time() < settings.notify_daily_at:
        return None
    day = local.date()
    with engine.begin() as conn:
        if conn.execute(sql.CLAIM_DAY, {"day": day}).first() is None:
            return None
        digests = queue_digests(conn, day=day, until=now, public_url=settings.public_url)
        reminders = queue_report_reminders(
            conn,
            today=day,
            deadline_day=settings.report_deadline_day,
            remind_days=settings.notify_remind_days,
            public_url=settings.public_url,
        )
        reminders += queue_ticket_reminders(
            conn, today=day, remind_days=settings.notify_remind_days, public_url=settings.public_url
        )
        conn.execute(sql.RECORD_DAY, {"day": day, "digests": digests, "reminders": reminders})
    return day
