"""When a month's report is due, and how much of the year the reports can speak for.

All in Lianzhou's calendar (UTC+8): a report for October is due by the deadline day of November,
*inclusive*, Lianzhou's date. The year's standing compares investment reported through the last
month already due with the share of the year that month closes, so a warning never compares a
year's plan with months nobody was yet asked to report.

A past day (`as_of`) is judged as it stood: only what was filed (and, where review applies,
approved) before the end of that day in Lianzhou counts (`end_of_day`).
"""

from datetime import date, datetime, time, timedelta

from app.core.clock import LIANZHOU_TZ


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def due_date(month: date, deadline_day: int) -> date:
    """The last day on which the report for `month` is on time."""
    return next_month(month).replace(day=deadline_day)


def latest_due_month(today: date, deadline_day: int) -> date:
    """The latest month whose report was due before `today` (its deadline has passed)."""
    month = first_of_month(today)
    while due_date(month, deadline_day) >= today:
        month = first_of_month(month - timedelta(days=1))
    return month


def through_month(year: int, today: date, deadline_day: int) -> date | None:
    """The last month of `year` whose report is due by `today`; None before any is."""
    due = latest_due_month(today, deadline_day)
    if due.year < year:
        return None
    return min(due, date(year, 12, 1))


def year_share_through(month: date) -> float:
    """The share of the month's year that has passed at the end of `month` (days, not months)."""
    year_days = (date(month.year + 1, 1, 1) - date(month.year, 1, 1)).days
    return (next_month(month) - date(month.year, 1, 1)).days / year_days


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Lianzhou: a report filed or approved before it counts on `day`."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LIANZHOU_TZ)
