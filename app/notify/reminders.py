"""Daily reminders to the responsible units: a month's progress report due soon, or missing; a
supervision ticket near its deadline, or overdue (then the planners are told too).

One message per unit and month listing its projects (not one per project), to the unit's robot
and its officials' channels; the key (unit, month, kind) makes a second run of the day a no-op.
"""

from datetime import date, timedelta
from itertools import groupby

from sqlalchemy import Connection

from app.notify import daily_queries as sql
from app.notify.outbox import Notice, enqueue, staff_destinations, unit_destinations
from app.progress.deadlines import due_date, first_of_month
from app.supervision import queries as supervision_sql


def queue_report_reminders(
    conn: Connection, *, today: date, deadline_day: int, remind_days: int, public_url: str
) -> int:
    """Remind units of last month's reports: from `remind_days` before the deadline, and once the day after."""
    month = first_of_month(first_of_month(today) - timedelta(days=1))
    due = due_date(month, deadline_day)
    if today == due + timedelta(days=1):
        kind = "missing"
    elif timedelta(0) <= due - today <= timedelta(days=remind_days):
        kind = "due"
    else:
        return 0
    rows = conn.execute(sql.REPORTS_MISSING, {"year": month.year, "month": month}).mappings().all()
    queued = 0
    for unit_id, group in groupby(rows, key=lambda r: int(r["unit_id"])):
        projects = list(group)
        names_zh = "\n".join(f"- {p['name_zh']}:{public_url}/report/{p['slug']}" for p in projects)
        names_en = "\n".join(f"- {p['name_en']}: {public_url}/report/{p['slug']}?lang=en" for p in projects)
        if kind == "due":
            notice = Notice(
                subject_zh=f"{month:%Y年%m月}进度月报将于 {due:%m月%d日} 截止({len(projects)} 个项目未报)",
                body_zh=f"{projects[0]['unit_zh']}:以下项目尚未填报 {month:%Y年%m月} 进度月报,"
                f"截止日期 {due}:\n{names_zh}",
                subject_en=f"{month:%B %Y} progress reports due {due} ({len(projects)} not filed)",
                body_en=f"{projects[0]['unit_en']}: no {month:%B %Y} report yet for these projects, due {due}:\n"
                f"{names_en}",
            )
        else:
            notice = Notice(
                subject_zh=f"{month:%Y年%m月}进度月报逾期未报({len(projects)} 个项目)",
                body_zh=f"{projects[0]['unit_zh']}:以下项目的 {month:%Y年%m月} 进度月报已过截止日期 {due},仍未填报:\n"
                f"{names_zh}",
                subject_en=f"{month:%B %Y} progress reports missing ({len(projects)} projects)",
                body_en=f"{projects[0]['unit_en']}: the {month:%B %Y} reports of these projects were due {due} and "
                f"are missing:\n{names_en}",
            )
        queued += enqueue(conn, event=f"report.{kind}", key=f"report:{unit_id}:{month:%Y-%m}:{kind}", notice=notice,
                          destinations=unit_destinations(conn, unit_id))  # fmt: skip
    return queued


def queue_ticket_reminders(conn: Connection, *, today: date, remind_days: int, public_url: str) -> int:
    """Once when an open ticket comes within `remind_days` of its deadline, once when it is overdue."""
    rows = conn.execute(supervision_sql.DUE_TICKETS, {"today": today, "remind_days": remind_days}).mappings()
    planners = staff_destinations(conn, ["planner"])
    queued = 0
    for row in rows:
        overdue = row["flag"] == "overdue"
        notice = Notice(
            subject_zh=f"督办{'已逾期' if overdue else '即将到期'}:{row['name_zh']}(期限 {row['deadline']})",
            body_zh=row["request"],
            subject_en=f"Supervision {'overdue' if overdue else 'due soon'}: {row['name_en']} (by {row['deadline']})",
            body_en=row["request"],
            link=f"{public_url}/projects/{row['slug']}/tickets",
        )
        destinations = unit_destinations(conn, int(row["unit_id"])) + (planners if overdue else [])
        key = f"ticket:{row['id']}:{row['flag']}:{row['deadline']}"  # a new deadline is reminded of again
        queued += enqueue(conn, event=f"ticket.{row['flag']}", key=key, notice=notice,
                          destinations=sorted(set(destinations)))  # fmt: skip
    return queued
