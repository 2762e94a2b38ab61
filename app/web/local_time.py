"""Times as Lianzhou reads them: Beijing time (UTC+8, no daylight saving), never raw UTC.

The database and the API keep UTC; a page shows a moderator or an editor the clock on their wall
(issue 18, items 6 and 8), labelled so no one wonders which clock it is.
"""

from datetime import UTC, datetime

from app.core.clock import LIANZHOU_TZ as BEIJING


def beijing(moment: datetime | str | None) -> str:
    """`YYYY-MM-DD HH:MM` in Beijing time, from a datetime or an ISO 8601 string ('' for nothing)."""
    if moment is None or moment == "":
        return ""
    when = datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the database's clock
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
