"""Filing, correcting and reviewing monthly progress reports, and reading them back with their sums.

A report says what happened in one month: the investment completed *that month* (万元; totals are
summed, never typed), physical progress (%), milestones, what was done (形象进度), problems and the
coordination needed (存在问题 / 需协调事项), and photos. A second report for the same month is a
correction: a new version with its reason, the earlier one kept. Where a unit or town requires
review, a version waits for a planner; what is in force is the latest approved version.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.core import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.editing.proposals import review_required
from app.history import audit
from app.progress import deadlines
from app.progress import queries as q


@dataclass(frozen=True)
class ReportIn:
    month: date  # the first of the month reported on
    invested_cny_10k: Decimal
    progress_pct: Decimal
    milestones: str = ""
    work_done: str = ""
    problems: str = ""
    coordination: str = ""
    photo_ids: list[int] = field(default_factory=list)
    correction_reason: str | None = None


def _invalid(name: str, message: str) -> Invalid:
    return Invalid(("body", name), message)


def locked_project(conn: Connection, principal: Principal | None, slug: str, *, lock: bool = True) -> Any:
    """The project (locked for a write); refused unless the principal may act for it (their town or unit)."""
    row = conn.execute(q.LOCK_PROJECT if lock else q.PROJECT, {"s": slug}).one_or_none()
    if row is None:
        raise NotFound(f"no project '{slug}'")
    if principal is not None and not principal.may_act_for(set(row.towns), set(row.units)):
        raise Forbidden(
            f"'{slug}' is not a project of your towns or units ({', '.join(sorted(principal.units)) or 'none'})"
        )
    return row


def _key(slug: str, month: date) -> str:
    return f"{slug}/{month:%Y-%m}"


def submit(conn: Connection, principal: Principal, slug: str, report: ReportIn, today: date) -> dict[str, Any]:
    """File a month's report (or a correction of it); returns id, version and state (approved or pending)."""
    project = locked_project(conn, principal, slug)
    if report.month > deadlines.first_of_month(today):
        raise _invalid("month", f"{report.month:%Y-%m} has not begun yet (today is {today} in Lianzhou)")
    programme = conn.execute(q.PROGRAMME_OF, {"year": report.month.year, "p": project.id}).one_or_none()
    if programme is None:
        raise _invalid("month", f"'{slug}' is not in the {report.month.year} annual programme: a planner adds it first")
    latest = conn.execute(q.LATEST_VERSION, {"p": project.id, "m": report.month}).scalar()
    reason = (report.correction_reason or "").strip() or None
    if latest is None and reason is not None:
        raise _invalid("correction_reason", f"there is no report for {report.month:%Y-%m} to correct yet")
    if latest is not None and reason is None:
        raise Conflict(
            f"{report.month:%Y-%m} already has a report (version {latest}); to correct it, send the corrected "
            "report with correction_reason saying why (the earlier version is kept)",
        )
    photos = sorted(set(report.photo_ids))
    own = set(conn.execute(q.OWN_PHOTOS, {"p": project.id, "ids": photos}).scalars())
    if stray := [p for p in photos if p not in own]:
        raise _invalid("photo_ids", f"photo(s) {', '.join(map(str, stray))} are not photos of '{slug}'")
    version = (latest or 0) + 1
    state = "pending" if review_required(conn, principal, slug) else "approved"
    report_id = int(
        conn.execute(
            q.INSERT_REPORT,
            {
                "project_id": project.id, "programme_id": programme.id, "month": report.month, "version": version,
                "invested_cny_10k": report.invested_cny_10k, "progress_pct": report.progress_pct,
                "milestones": report.milestones, "work_done": report.work_done, "problems": report.problems,
                "coordination": report.coordination, "correction_reason": reason, "state": state,
                "submitted_by": principal.user_id,
            },
        ).scalar_one()
    )  # fmt: skip
    for photo in photos:
        conn.execute(q.LINK_PHOTO, {"r": report_id, "ph": photo})
    audit.record(
        conn, actor=principal.username, user_id=principal.user_id,
        action="report" if version == 1 else "correct_report", object_type="progress_report",
        object_key=_key(slug, report.month), object_version=version, note=reason,
        changes={"invested_cny_10k": str(report.invested_cny_10k), "progress_pct": str(report.progress_pct),
                 "state": state, "photos": photos},
    )  # fmt: skip
    return {"id": report_id, "project": slug, "month": f"{report.month:%Y-%m}", "version": version, "state": state}


def review(conn: Connection, reviewer: Principal, report_id: int, approve: bool, reason: str | None) -> dict[str, Any]:
    row = conn.execute(q.REPORT_FOR_REVIEW, {"id": report_id}).one_or_none()
    if row is None:
        raise NotFound(f"no progress report {report_id}")
    if row.state != "pending":
        raise Conflict(f"progress report {report_id} is already {row.state}")
    if not approve and not (reason and reason.strip()):
        raise _invalid("reason", "say why the report is rejected, so its author can file it again")
    state = "approved" if approve else "rejected"
    conn.execute(q.CLOSE_REVIEW, {"state": state, "u": reviewer.user_id, "reason": reason, "id": report_id})
    audit.record(conn, actor=reviewer.username, user_id=reviewer.user_id, action=state,
                 object_type="progress_report", object_key=_key(row.slug, row.month), object_version=row.version,
                 note=reason)  # fmt: skip
    return {"id": report_id, "project": row.slug, "month": f"{row.month:%Y-%m}", "version": row.version,
            "state": state}  # fmt: skip


def pending(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(q.PENDING)]


def project_reports(conn: Connection, slug: str, staff: bool, deadline_day: int) -> dict[str, Any]:
    """The months in force with their sums, and (staff only) every version filed, pending and rejected too."""
    months = []
    for r in conn.execute(q.IN_FORCE, {"s": slug}):
        month = dict(r._mapping)
        due = deadlines.due_date(month.pop("month_date"), deadline_day)
        month["due_on"] = due.isoformat()
        month["filed_late"] = month["first_filed_on"] > due
        months.append(month)
    body: dict[str, Any] = {"project": slug, "months": months}
    if staff:
        body["versions"] = [dict(r._mapping) for r in conn.execute(q.VERSIONS, {"s": slug})]
    return body


def judged(year: int, today: date, deadline_day: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header every reading of the year carries (the day judged, the last month due, the share of
    the year it closes) and the SQL parameters that say the same: `:through`, `:until` and the share
    as whole days (`:share_days` of `:year_days`) for a comparison made exactly in the database."""
    through = deadlines.through_month(year, today, deadline_day)
    share = deadlines.year_share_through(through) if through else None
    header = {
        "year": year,
        "as_of": today.isoformat(),
        "deadline_day": deadline_day,
        "through_month": through.strftime("%Y-%m") if through else None,
        "year_share_through": None if share is None else round(share, 4),
    }
    params = {
        "year": year, "through": through, "deadline_day": deadline_day,
        "until": deadlines.end_of_day(today),  # a past day as it stood: nothing filed or approved after it
        "due_months": through.month if through else 0,
        "share_days": (deadlines.next_month(through) - date(year, 1, 1)).days if through else None,
        "year_days": (date(year + 1, 1, 1) - date(year, 1, 1)).days,
    }  # fmt: skip
    return header, params


def standing_items(conn: Connection, params: dict[str, Any], share: float | None) -> list[dict[str, Any]]:
    """The items of YEAR_STANDING for `params` (with `slug`, `after` and `limit`), each with its rate and flag."""
    items = []
    for r in conn.execute(q.YEAR_STANDING, params):
        item = dict(r._mapping)
        planned = item["planned_investment_cny_10k"]
        invested = item["invested_through_cny_10k"]
        rate = float(invested / planned) if planned else None
        item["rate_through"] = None if rate is None else round(rate, 4)
        item["behind_target"] = None if rate is None or share is None else rate < share
        items.append(item)
    return items


def year_standing(
    conn: Connection, year: int, today: date, deadline_day: int, slug: str | None = None
) -> dict[str, Any]:
    """Each programme item's standing in `year` as it stood on `today` (Lianzhou): see queries.YEAR_STANDING.

    Only reports filed by the end of `today` count, and only versions approved by then are in force,
    so a past day shows what the bureau could have seen that day, not what was filed since.

    `behind_target` compares investment reported through the last month already due with the share
    of the year that month closes; it is null (unknown) when the year's planned investment is not
    given or no month is due yet, rather than a guess.
    """
    header, params = judged(year, today, deadline_day)
    through = params["through"]
    share = deadlines.year_share_through(through) if through else None
    everything = {"slug": slug, "after": None, "limit": None, "flag": None, "kept": False, "ids": None}
    items = standing_items(conn, params | everything, share)
    return header | {"items": items}


@dataclass(frozen=True)
class StandingPage:
    """Which page of the standing: up to `limit` items after the slug `after`, only `flag`ged ones if given."""

    limit: int
    after: str | None = None
    flag: str | None = None


# How many items a past day's flagged page looks at, at most (each with its own reports: ~50 µs an item at
# 1 M items, so ~0.3 s for a page of a rare flag). Reading every item's reports to fill a page of a rare
# flag took 49–53 s at 1 M items (bench/NOTES.md, seventh session): a bound, said in the page, instead.
FLAG_WALK = 5_000


def flagged_ids(conn: Connection, asked: dict[str, Any], walk: int = FLAG_WALK) -> tuple[list[int], str | None]:
    """The ids of the first `asked["limit"]` items after `asked["after"]` with `asked["flag"]` on a past
    day among the next `walk` items (queries.FLAGGED_WALK), and, when that window ended before the page
    was full and more items follow, the slug of its last item (the next page continues after it)."""
    wanted, window = asked["limit"], max(walk, asked["limit"])
    found = list(conn.execute(q.FLAGGED_WALK, asked | {"window": window}).scalars())
    if len(found) == wanted:
        return found, None
    edge = conn.execute(q.WINDOW_END, asked | {"window": window}).scalar()
    return found, edge[0] if edge is not None and len(edge) == 2 else None


def standing_page(
    conn: Connection, year: int, today: date, deadline_day: int, page: StandingPage, walk: int = FLAG_WALK
) -> dict[str, Any]:
    """One page of the year's standing in slug order: `page.limit` items after the slug `page.after`,
    only those with `page.flag` when given; `more` says whether another page follows, `matched` is
    the year's number of items (counted on a first page without a flag only, where it is cheap).

    A flagged page of a past day is read in two steps: which items (`flagged_ids`, among the next `walk`
    items at most), then their standing (YEAR_STANDING for those ids). When the walk stops at that bound
    (before it found the item after the page's last), the page says how far it looked (`searched_through`,
    a slug: the next page continues after it), so a rare flag's page may hold fewer than `limit` items, or
    none, and still have a next page."""
    header, params = judged(year, today, deadline_day)
    through = params["through"]
    share = deadlines.year_share_through(through) if through else None
    kept = today >= clock.today()  # the current day: flags prefiltered from the rows the database keeps
    asked = params | {"slug": None, "after": page.after, "limit": page.limit + 1, "flag": page.flag, "kept": kept}
    searched = None
    if page.flag is not None and not kept:
        asked["ids"], searched = flagged_ids(conn, asked, walk)
        asked["after"] = None
    items = standing_items(conn, {"ids": None} | asked, share)
    matched = None
    if page.after is None and page.flag is None:
        matched = int(conn.execute(q.STANDING_COUNT, {"year": year}).scalar_one())
    more = len(items) > page.limit or searched is not None
    body = header | {"items": items[: page.limit], "more": more, "matched": matched}
    return body if searched is None else body | {"searched_through": searched}
