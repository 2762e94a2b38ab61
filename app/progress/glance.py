"""The implementation cycle per project, as the maps need it, and the year summed by group.

One reading of the year's standing (`service.year_standing`) feeds three surfaces, so a project
flagged on the map is flagged the same in the API's filters and the dashboard:

- `report`: the report of the *report month* — the latest month whose deadline (the deadline day
  of the next month, Lianzhou's date, inclusive) has passed — is `missing`, `late` (filed after the
  deadline), `on_time`, or None when the project was not in that year's programme (nobody asked).
- `behind_target`: investment reported through the last month due, against the year's planned
  investment, is below the share of the year that month closes. None when it cannot be said (no
  planned investment, or no month of the year due yet); a project not in this year's programme
  has no target at all (`in_programme` false), which the pages say in words instead of "not behind".

A past day is judged as it stood (`year_standing`, `queries.IN_FORCE_BY`): reports filed or approved
after it do not count, and the report month is that day's.
"""

from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.core import clock
from app.core.errors import NotFound
from app.progress import deadlines
from app.progress import queries as q
from app.progress.service import judged, year_standing

NO_TOWN = "(no town)"
NO_LEAD = "(no lead unit)"


def _entry(slug: str) -> dict[str, Any]:
    return {
        "slug": slug, "in_programme": False, "report": None, "behind_target": None, "rate_through": None,
        "latest_progress_pct": None, "latest_month": None, "photo": None,
    }  # fmt: skip


def header(today: date, deadline_day: int) -> dict[str, Any]:
    """The day judged, its report month and deadline, and how much of the year the reports speak for.

    Pure calendar (no data): a map page whose projects come as vector tiles puts it in its config,
    and asks `/api/progress/projects` only for the project clicked.
    """
    month = deadlines.latest_due_month(today, deadline_day)
    through = deadlines.through_month(today.year, today, deadline_day)
    return {
        "as_of": today.isoformat(),
        "deadline_day": deadline_day,
        "report_month": f"{month:%Y-%m}",
        "report_due_on": deadlines.due_date(month, deadline_day).isoformat(),
        "year": today.year,
        "through_month": through.strftime("%Y-%m") if through else None,
        "year_share_through": round(deadlines.year_share_through(through), 4) if through else None,
    }


def flags(conn: Connection, today: date, deadline_day: int, slug: str | None = None) -> dict[str, Any]:
    """Each programme project's report of the report month and standing against this year's target,
    as they stood on `today` (year_standing counts only what was filed and approved by then)."""
    body = header(today, deadline_day)
    month = deadlines.latest_due_month(today, deadline_day)
    this_year = year_standing(conn, today.year, today, deadline_day, slug)
    same = month.year == today.year
    report_year = this_year if same else year_standing(conn, month.year, today, deadline_day, slug)
    key = body["report_month"]
    projects: dict[str, dict[str, Any]] = {}
    for item in report_year["items"]:
        entry = projects.setdefault(item["slug"], _entry(item["slug"]))
        late = key in item["late_months"]
        entry["report"] = "missing" if key in item["missing_months"] else "late" if late else "on_time"
    for item in this_year["items"]:
        entry = projects.setdefault(item["slug"], _entry(item["slug"]))
        entry.update(in_programme=True, behind_target=item["behind_target"], rate_through=item["rate_through"])
    return body | {"projects": projects}


def glance(conn: Connection, today: date, deadline_day: int, slug: str | None = None) -> dict[str, Any]:
    """`flags` plus every project's latest progress in force on `today`, its month, and its latest public
    photo (of a report in force then); with `slug`, that project alone (a vector-tile map's popup)."""
    if slug is not None and conn.execute(q.PROJECT, {"s": slug}).one_or_none() is None:
        raise NotFound(f"no project '{slug}'")
    body = flags(conn, today, deadline_day, slug)
    projects: dict[str, dict[str, Any]] = body["projects"]
    if slug is not None:
        projects.setdefault(slug, _entry(slug))  # said outright: nothing to show, rather than absent
    params = {"until": deadlines.end_of_day(today), "slug": slug}
    for r in conn.execute(q.LATEST_BY_PROJECT, params):
        entry = projects.setdefault(r.slug, _entry(r.slug))
        entry.update(latest_progress_pct=r.progress_pct, latest_month=r.month)
        if r.photo_id is not None:
            version = r.photo_sha256[:12]
            entry["photo"] = {
                "id": r.photo_id, "month": r.photo_month, "caption": r.photo_caption,
                "thumbnail": f"/api/photos/{r.photo_id}/thumb.jpg?v={version}",
                "url": f"/api/photos/{r.photo_id}.jpg?v={version}",
            }  # fmt: skip
    return body | {"projects": [projects[slug] for slug in sorted(projects)]}


def flagged_slugs(conn: Connection, today: date, deadline_day: int, *, no_report: bool, behind: bool) -> set[str]:
    """The projects matching every flag asked for: no report (missing or late) and/or behind the target."""
    found = set()
    for slug, entry in flags(conn, today, deadline_day)["projects"].items():
        if no_report and entry["report"] not in ("missing", "late"):
            continue
        if behind and entry["behind_target"] is not True:
            continue
        found.add(slug)
    return found


def year_summary(
    conn: Connection, year: int, today: date, deadline_day: int, by: str, *, per_item: bool = False
) -> dict[str, Any]:
    """The year's standing summed by town, lead unit, category or class, with the county's total, as it
    stood on `today` (only what was filed and approved by its end: `queries.YEAR_SUMMARY`).

    A project in several towns counts in each town (the groups then add up to more than the total,
    which is counted once per project). Reports: the months due so far (through `through_month`),
    those filed (on time or late), still missing, and filed after their deadline. The database sums
    (one pass, GROUPING SETS), from the rows it keeps per project and year for the current day and from
    the reports for a past one; the figures are those of summing `year_standing`'s items.

    The current day reads the sums the database keeps per group (`queries.YEAR_SUMMARY_SUMS`, a few
    rows whatever the number of items); a past day reads the reports (`queries.YEAR_SUMMARY`).
    `per_item` sums the current day item by item instead (`queries.YEAR_SUMMARY_KEPT`, over the rows kept
    per project and year): the reference the kept sums are checked against, and a way round them.
    """
    header, params = judged(year, today, deadline_day)
    due_months = params["due_months"]
    groups: list[dict[str, Any]] = []
    total: dict[str, Any] = {}
    kept = today >= clock.today()  # the current day: the sums the database keeps (a past day reads the reports)
    summary = (q.YEAR_SUMMARY_KEPT if per_item else q.YEAR_SUMMARY_SUMS) if kept else q.YEAR_SUMMARY
    for r in conn.execute(summary, params | {"no_town": NO_TOWN, "no_lead": NO_LEAD}):
        if r.grouping not in (by, "total"):
            continue
        group = _group(r, due_months)
        if r.grouping == "total":
            total = group
        else:
            groups.append({"key": r.key, **group})
    note = "a project in several towns counts in each town" if by == "town" else None
    return header | {
        "by": by, "note": note, "reports_due_per_project": due_months,
        "groups": sorted(groups, key=lambda g: str(g["key"])), "total": total,
    }  # fmt: skip


def _group(r: Any, due_months: int) -> dict[str, Any]:
    """A summary row as the API gives it: the sums, and the reports due and filed from the months due."""
    projects, missing = int(r.projects), int(r.missing_reports)
    return {
        "projects": projects, "planned_investment_cny_10k": r.planned_investment_cny_10k,
        "invested_through_cny_10k": r.invested_through_cny_10k, "year_to_date_cny_10k": r.year_to_date_cny_10k,
        "reports_due": projects * due_months, "reports_filed": projects * due_months - missing,
        "missing_reports": missing, "late_reports": int(r.late_reports), "behind_target": int(r.behind_target),
        "not_planned": int(r.not_planned),
    }  # fmt: skip
