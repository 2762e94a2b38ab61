"""The year's summary, now summed in the database in one pass, gives exactly the figures of summing the
year's standing item by item (the computation `/api/progress/summary` made until issue 23), on a small
world with late and missing reports, corrections, pending and rejected versions, reports filed or
approved after the day judged, a project in several towns, one in none, a zero plan and a deleted project.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.core import clock
from app.progress.glance import NO_LEAD, NO_TOWN, year_summary
from app.progress.service import FLAG_WALK, StandingPage, standing_page, year_standing
from tests.support.cycle import (
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    ROAD_LONGPING,
    ROAD_XINGZI,
    CycleWorld,
    open_cycle_world,
)
from tests.support.editing import etag_of

MANY_TOWNS = "ancient-road-beautiful-villages"  # five towns in the seeded plan
TWO_TOWNS = "dadongshan-national-nature-reserve"
NO_TOWNS = "ethnic-industrial-park-circular-retrofit"  # its towns taken away below
DELETED = "lianzhou-airport"
DAYS = ("2025-01-03", "2025-02-06", "2025-04-05", "2025-06-06", "2025-08-10", "2025-12-31", "2026-03-01")
BYS = ("town", "unit", "category", "class")


# --- the reference: the summary as app/progress/glance.py computed it before issue 23 (from every item) ---


def _keys(item: dict[str, Any], by: str) -> list[str]:
    if by == "town":
        return list(item["towns"]) or [NO_TOWN]
    if by == "unit":
        return [item["lead_unit"] or NO_LEAD]
    return [item["category" if by == "category" else "item_class"]]


def _group() -> dict[str, Any]:
    return {
        "projects": 0, "planned_investment_cny_10k": Decimal(0), "invested_through_cny_10k": Decimal(0),
        "year_to_date_cny_10k": Decimal(0), "reports_due": 0, "reports_filed": 0, "missing_reports": 0,
        "late_reports": 0, "behind_target": 0, "not_planned": 0,
    }  # fmt: skip


def _add(group: dict[str, Any], item: dict[str, Any], due_months: int) -> None:
    missing = len(item["missing_months"])
    group["projects"] += 1
    if item["planned_investment_cny_10k"] is None:
        group["not_planned"] += 1
    else:
        group["planned_investment_cny_10k"] += item["planned_investment_cny_10k"]
    group["invested_through_cny_10k"] += item["invested_through_cny_10k"]
    group["year_to_date_cny_10k"] += item["year_to_date_cny_10k"]
    group["reports_due"] += due_months
    group["reports_filed"] += due_months - missing
    group["missing_reports"] += missing
    group["late_reports"] += len(item["late_months"])
    group["behind_target"] += item["behind_target"] is True


def summarise(standing: dict[str, Any], by: str) -> dict[str, Any]:
    through = standing["through_month"]
    due_months = int(through[5:7]) if through else 0
    groups: dict[str, dict[str, Any]] = defaultdict(_group)
    total = _group()
    for item in standing["items"]:
        for key in _keys(item, by):
            _add(groups[key], item, due_months)
        _add(total, item, due_months)
    note = "a project in several towns counts in each town" if by == "town" else None
    return {k: v for k, v in standing.items() if k != "items"} | {
        "by": by, "note": note, "reports_due_per_project": due_months,
        "groups": [{"key": k, **v} for k, v in sorted(groups.items())], "total": total,
    }  # fmt: skip


# --- the world ---


def _file(world: CycleWorld, user: str, slug: str, month: str, invested: str, at: str, **extra: Any) -> int:
    """File a report and date its filing (Lianzhou time) as if it had been filed then."""
    filed = world.report(user, slug, month, invested, **extra)
    assert filed.status_code == 201, filed.text
    report_id = int(filed.json()["id"])
    world.sql("UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz) WHERE id = :id",
              at=f"{at}+08:00", id=report_id)  # fmt: skip
    return report_id


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    for world in open_cycle_world(tmp_path_factory.mktemp("data"), prefix="planmap_summary"):
        planner = world.auth("planner")
        for slug, cls, planned in ((MANY_TOWNS, "continuing", "1200.00"), (TWO_TOWNS, "new_start", "0"),
                                   (NO_TOWNS, "completion", "90.50"), (DELETED, "continuing", "5000.00")):  # fmt: skip
            body = {"class": cls, "planned_investment_cny_10k": planned, "target": "test"}
            assert world.client.put(f"/api/programmes/2025/items/{slug}", json=body, headers=planner).status_code == 200
        world.sql("DELETE FROM project_towns WHERE project_id = (SELECT id FROM projects WHERE slug = :s)", s=NO_TOWNS)
        # On time, late (after the 5th of the next month, Lianzhou), a month skipped, corrections.
        for month, invested, at in (
            ("2025-01", "50.25", "2025-02-03T09:00"),
            ("2025-02", "80", "2025-03-07T09:00"),
            ("2025-04", "199.75", "2025-05-05T23:59"),
            ("2025-05", "10", "2025-06-06T00:00"),
        ):
            _file(world, "official_xingzi", ROAD_XINGZI, month, invested, at)  # fmt: skip
        _file(world, "official_xingzi", ROAD_XINGZI, "2025-02", "95", "2025-07-01T10:00", correction_reason="漏报")
        for month, invested, at in (
            ("2025-01", "300", "2025-02-01T08:00"),
            ("2025-02", "310", "2025-03-02T08:00"),
            ("2025-03", "320", "2025-04-02T08:00"),
            ("2025-06", "700", "2025-07-20T08:00"),
        ):
            _file(world, "official_jiaotong", ROAD_LONGPING, month, invested, at)  # fmt: skip
        _file(world, "official_xingzi", EXIT_XINGZI, "2025-03", "12.5", "2025-04-04T12:00")
        for month, at in (("2025-01", "2025-02-02T08:00"), ("2025-02", "2025-03-02T08:00"),
                          ("2025-03", "2025-04-10T08:00")):  # fmt: skip
            _file(world, "planner", MANY_TOWNS, month, "100", at)
            _file(world, "planner", TWO_TOWNS, month, "3", at)
            _file(world, "planner", NO_TOWNS, month, "1.25", at)
            _file(world, "planner", DELETED, month, "999", at)
        # Review: one approved (after the day it was filed), one pending, one rejected.
        approved = _file(world, "official_zhujian", CENTRE_DONGBEI, "2025-01", "30", "2025-02-03T08:00")
        world.client.post(f"/api/progress/{approved}/approve", headers=planner)
        world.sql("UPDATE progress_reports SET reviewed_at = '2025-02-20T10:00+08:00' WHERE id = :id", id=approved)
        _file(world, "official_zhujian", CENTRE_DONGBEI, "2025-02", "40", "2025-03-03T08:00")  # stays pending
        rejected = _file(world, "official_zhujian", CENTRE_DONGBEI, "2025-03", "50", "2025-04-03T08:00")
        world.client.post(f"/api/progress/{rejected}/reject", json={"reason": "数字不符"}, headers=planner)
        world.sql("UPDATE progress_reports SET reviewed_at = '2025-04-04T10:00+08:00' WHERE id = :id", id=rejected)
        deleted = world.client.delete(
            f"/api/projects/{DELETED}", headers={**planner, "If-Match": etag_of(world.client, DELETED)}
        )
        assert deleted.status_code in (200, 204), deleted.text
        yield world


def _flags_same(world: CycleWorld) -> None:
    """The current day's flagged pages (prefiltered from the kept rows) hold what the standing flags."""
    rules = {"missing": "missing_months", "late": "late_months", "behind": "behind_target"}
    with world.engine.connect() as conn:
        whole = year_standing(conn, 2025, clock.today(), 5)["items"]
        for flag, field in rules.items():
            page = standing_page(conn, 2025, clock.today(), 5, StandingPage(100, None, flag))
            assert [i["slug"] for i in page["items"]] == [i["slug"] for i in whole if i[field]], flag


def _same(world: CycleWorld, today: date, deadline_days: tuple[int, ...] = (5,)) -> None:
    with world.engine.connect() as conn:
        for deadline in deadline_days:
            for by in BYS:
                reference = summarise(year_standing(conn, 2025, today, deadline), by)
                assert year_summary(conn, 2025, today, deadline, by) == reference, (today, deadline, by)


@pytest.mark.parametrize("day", DAYS)
def test_a_past_day_sums_to_what_its_standing_says(busy: CycleWorld, day: str) -> None:
    _same(busy, date.fromisoformat(day), (1, 5, 28))


FLAGGED = {"missing": "missing_months", "late": "late_months", "behind": "behind_target"}


def _walk(conn: Any, today: date, deadline: int, flag: str, limit: int, walk: int) -> list[dict[str, Any]]:
    """Every page of a flagged standing, each continuing after the last slug of the one before."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = standing_page(conn, 2025, today, deadline, StandingPage(limit, after, flag), walk)
        searched = page.get("searched_through")
        assert len(page["items"]) == limit or not page["more"] or searched, "a page is full unless it says why"
        assert searched is None or page["more"], "a page that stopped looking has a next page"
        items += page["items"]
        if not page["more"]:
            return items
        after = searched or page["items"][-1]["slug"]


@pytest.mark.parametrize("day", DAYS)
def test_a_past_days_flagged_pages_hold_what_its_standing_flags(busy: CycleWorld, day: str) -> None:
    """A past day's flagged page finds its items first (walking at most `walk` items with their own reports),
    then reads their standing: joined page after page (after the last item, or after the last item looked at
    when the walk ended first), the pages are the day's whole standing filtered by the flag, item for item,
    for every flag, page size, deadline day and window (one or three items, or the default: all at once)."""
    today = date.fromisoformat(day)
    with busy.engine.connect() as conn:
        for deadline in (1, 5, 28):
            whole = year_standing(conn, 2025, today, deadline)["items"]
            for flag, field in FLAGGED.items():
                expected = [item for item in whole if item[field]]
                for limit, walk in itertools.product((1, 2, 100), (1, 3, FLAG_WALK)):
                    found = _walk(conn, today, deadline, flag, limit, walk)
                    assert found == expected, (deadline, flag, limit, walk)


def test_a_past_days_flagged_pages_follow_their_next_links(busy: CycleWorld) -> None:
    """The same through the API: `next` links (a cursor after the page's last slug) until there are none."""
    seen: set[str] = set()
    for day in ("2025-04-05", "2025-08-10"):
        params = {"year": 2025, "as_of": day}
        whole = busy.client.get("/api/progress/standing", params=params).json()["items"]
        for flag, field in FLAGGED.items():
            pages = [busy.client.get("/api/progress/standing", params={**params, "flag": flag, "limit": 1}).json()]
            while nxt := [link["href"] for link in pages[-1]["links"] if link["rel"] == "next"]:
                pages.append(busy.client.get(nxt[0]).json())
            expected = [item for item in whole if item[field]]
            assert [item for page in pages for item in page["items"]] == expected, (day, flag)
            seen |= {flag} if expected else set()
    assert seen == set(FLAGGED), "the world has items of every flag to page through"


def test_the_summary_counts_what_the_world_holds(busy: CycleWorld) -> None:
    """Spot checks a reader can follow: the deleted project is nowhere; the five-town project counts in
    five towns and once in the total; pending and rejected versions count as filed but not as invested."""
    body = busy.client.get("/api/progress/summary", params={"year": 2025, "by": "town", "as_of": "2025-04-06"}).json()
    assert body["total"]["projects"] == 9  # six of the fixture, three added, the deleted one not counted
    towns = {g["key"]: g for g in body["groups"]}
    assert towns[NO_TOWN]["projects"] == 1 and towns[NO_TOWN]["label_zh"] == NO_TOWN
    assert sum(g["projects"] for g in body["groups"]) > body["total"]["projects"]
    by_unit = busy.client.get("/api/progress/summary", params={"year": 2025, "by": "unit", "as_of": "2025-04-06"})
    zhujian = next(g for g in by_unit.json()["groups"] if g["key"] == "zhujian-ju")
    invested = Decimal(str(zhujian["invested_through_cny_10k"]))
    assert (zhujian["reports_filed"], zhujian["missing_reports"], invested) == (3, 0, Decimal("30"))
    assert body["total"]["reports_due"] == 9 * 3 and body["through_month"] == "2025-03"


def test_today_from_the_kept_rows_equals_the_standing_and_follows_every_write(busy: CycleWorld) -> None:
    """Last in this module: it writes to the world.

    The current day reads `progress_years` (kept by triggers on progress_reports): equal to the live
    standing for any deadline day, and still equal after an approval, a correction, a review reversed in
    SQL, a project's reports deleted, and a bulk insert; equal too to those rows rebuilt from scratch."""
    _same(busy, clock.today(), (1, 5, 28))
    _flags_same(busy)
    planner = busy.auth("planner")
    pending = busy.sql("SELECT id FROM progress_reports WHERE state = 'pending'")[0][0]
    assert busy.client.post(f"/api/progress/{pending}/approve", headers=planner).status_code == 200
    _file(busy, "official_xingzi", EXIT_XINGZI, "2025-03", "13", "2025-08-01T10:00", correction_reason="更正")
    busy.sql("UPDATE progress_reports SET state = 'approved', review_reason = NULL WHERE state = 'rejected'")
    _same(busy, clock.today(), (1, 5, 28))
    busy.sql("DELETE FROM progress_reports WHERE project_id = (SELECT id FROM projects WHERE slug = :s)", s=TWO_TOWNS)
    busy.sql(
        """INSERT INTO progress_reports (project_id, programme_id, month, version, invested_cny_10k, progress_pct,
                                        state, submitted_at)
           SELECT p.id, g.id, m, 1, 7.5, 20, 'approved', m + interval '40 days'
           FROM projects p, annual_programmes g, generate_series(DATE '2025-06-01', DATE '2025-09-01', '1 month') m
           WHERE p.slug = :s AND g.year = 2025""",
        s=MANY_TOWNS,
    )
    _same(busy, clock.today(), (1, 5, 28))
    _flags_same(busy)
    busy.sql("DELETE FROM projects WHERE slug = :s", s=DELETED)  # hard: its reports and kept rows cascade
    assert busy.sql("SELECT count(*) FROM progress_years y JOIN projects p ON p.id = y.project_id "
                    "WHERE p.slug = :s", s=DELETED) == [(0,)]  # fmt: skip
    _same(busy, clock.today(), (5,))
    kept = "SELECT project_id, year, invested_cum, filed_cum, late_after FROM progress_years ORDER BY 1, 2"
    before = busy.sql(kept)
    busy.sql("""SELECT progress_years_refresh(array_agg(project_id), array_agg(year))
                FROM (SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year
                      FROM progress_reports) t""")  # fmt: skip
    assert busy.sql(kept) == before and before
