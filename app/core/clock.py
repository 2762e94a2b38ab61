"""Lianzhou's clock: its time zone, today's date there, and the current instant.

Warnings, `as_of`, file names and wall maps are judged on Lianzhou's calendar (China Standard
Time, UTC+8, no daylight saving), not the server's: a server in UTC would otherwise call
8 o'clock in the morning in Lianzhou "yesterday". Defined once so every part of planmap
agrees on what day it is.

Tests that need another day pass it explicitly where a function takes one (`today=`/`now=`
parameters), rather than patching this module.
"""

from datetime import UTC, date, datetime, timedelta, timezone

# A fixed offset, not ZoneInfo("Asia/Shanghai"): China has had no daylight saving since 1991, and
# the fixed offset needs no tz database on the server (slim containers often lack one).
LIANZHOU_TZ = timezone(timedelta(hours=8))


def now() -> datetime:
    """The current instant, time-zone aware (UTC); convert with `.astimezone(LIANZHOU_TZ)` for display."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Lianzhou, the day warnings are judged on and files are dated."""
    return now().astimezone(LIANZHOU_TZ).date()
