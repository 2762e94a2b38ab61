"""Monthly progress reports: who may file, sums against hand-computed values, deadlines in Lianzhou's
time, corrections that keep the earlier version, and review where a department requires it."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from app.progress import deadlines
from tests.support.cycle import (
    CENTRE_BAOAN,
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    ROAD_LONGPING,
    ROAD_XINGZI,
    CycleWorld,
    cycle,
)
from tests.support.editing import etag_of

__all__ = ["cycle"]  # the module-scoped fixture

_months = {slug: itertools.count(1) for slug in (EXIT_XINGZI, ROAD_LONGPING)}

# EXIT_XINGZI lies in Xingzi (no department); ROAD_LONGPING lies in Longping, led by the transport department.
REPORT = {
    EXIT_XINGZI: {"admin": 201, "planner": 201, "official_xingzi": 201, "official_lianzhou": 403,
                  "official_jiaotong": 403, None: 401},
    ROAD_LONGPING: {"admin": 201, "planner": 201, "official_xingzi": 403, "official_lianzhou": 403,
                    "official_jiaotong": 201, None: 401},
}  # fmt: skip
CASES = [(slug, user, code) for slug, by_user in REPORT.items() for user, code in by_user.items()]


@pytest.mark.parametrize(("slug", "user", "expected"), CASES, ids=[f"{s[:14]}-{u}" for s, u, _ in CASES])
def test_report_permission_matrix_with_department_officials(
    cycle: CycleWorld, slug: str, user: str | None, expected: int
) -> None:
    month = f"2025-{next(_months[slug]) if expected == 201 else 12:02d}"
    before = cycle.sql("SELECT count(*) FROM progress_reports UNION ALL SELECT count(*) FROM audit_log")
    response = cycle.report(user, slug, month, "12.5")
    assert response.status_code == expected, response.text
    after = cycle.sql("SELECT count(*) FROM progress_reports UNION ALL SELECT count(*) FROM audit_log")
    assert (after == before) == (expected != 201)


EDIT = {"official_jiaotong": {ROAD_LONGPING: 200, EXIT_XINGZI: 403}, "official_xingzi": {ROAD_LONGPING: 403}}


@pytest.mark.parametrize(("user", "slug"), [(u, s) for u, by in EDIT.items() for s in by])
def test_department_officials_edit_their_units_projects_wherever_they_lie(
    cycle: CycleWorld, user: str, slug: str
) -> None:
    headers = {**cycle.auth(user), "If-Match": etag_of(cycle.client, slug)}
    response = cycle.client.patch(f"/api/projects/{slug}", json={"properties": {"name_en": f"Renamed by {user}"}},
                                  headers=headers)  # fmt: skip
    assert response.status_code == EDIT[user][slug], response.text
    deleted = cycle.client.delete(f"/api/projects/{slug}", headers={**headers, "If-Match": etag_of(cycle.client, slug)})
    assert deleted.status_code == 403


def test_units_list_towns_and_the_departments_planners_added(cycle: CycleWorld) -> None:
    units = cycle.client.get("/api/units").json()
    towns = [u for u in units if u["kind"] == "town"]
    assert len(towns) == 12 and {"xingzi", "lianzhou"} <= {u["slug"] for u in towns}
    departments = {u["slug"]: u for u in units if u["kind"] == "department"}
    assert set(departments) == {"jiaotong-ju", "zhujian-ju"}  # nothing seeded: the plan names no department
    assert departments["jiaotong-ju"]["leads"] == 1
    assert cycle.client.post("/api/units", json={"slug": "x"}, headers=cycle.auth("official_xingzi")).status_code == 403
    dup = {"slug": "xingzi", "name_zh": "星子", "name_en": "Xingzi", "source": "test"}
    assert cycle.client.post("/api/units", json=dup, headers=cycle.auth("planner")).status_code == 409


def test_cumulative_and_year_to_date_sums_match_hand_computed_values(cycle: CycleWorld) -> None:
    planner = cycle.auth("planner")
    body = {"class": "continuing", "planned_investment_cny_10k": "800", "target": "路基"}
    assert cycle.client.put(f"/api/programmes/2024/items/{ROAD_XINGZI}", json=body, headers=planner).status_code == 200
    for month, invested in (("2024-11", "120.50"), ("2024-12", "80.00"), ("2025-01", "50.25"), ("2025-02", "0"),
                            ("2025-03", "199.75")):  # fmt: skip
        filed = cycle.report("official_xingzi", ROAD_XINGZI, month, invested)
        assert filed.status_code == 201
        # Filed on the 1st of the next month: a past day counts only what was filed by then.
        on_time = f"{deadlines.next_month(date.fromisoformat(f'{month}-01'))}T10:00:00+08:00"
        cycle.sql("UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz) WHERE id = :id",
                  at=on_time, id=filed.json()["id"])  # fmt: skip
    months = cycle.client.get(f"/api/projects/{ROAD_XINGZI}/progress").json()["months"]
    assert [(m["month"], Decimal(m["cumulative_cny_10k"]), Decimal(m["year_to_date_cny_10k"])) for m in months] == [
        ("2024-11", Decimal("120.50"), Decimal("120.50")),
        ("2024-12", Decimal("200.50"), Decimal("200.50")),
        ("2025-01", Decimal("250.75"), Decimal("50.25")),
        ("2025-02", Decimal("250.75"), Decimal("50.25")),
        ("2025-03", Decimal("450.50"), Decimal("250.00")),
    ]
    # 2025 plans 1000 万元. On 6 April (March due on the 5th) 250.00 of 1000 = 25.00 % against 90/365 = 24.66 %
    # of the year: on track. On 5 April only February is due: 50.25 of 1000 = 5.03 % against 59/365 = 16.16 %.
    on_6 = _standing(cycle, "2025-04-06", ROAD_XINGZI)
    assert (on_6["through"], on_6["rate_through"], on_6["share"], on_6["behind_target"]) == (
        "2025-03", 0.25, 0.2466, False)  # fmt: skip
    on_5 = _standing(cycle, "2025-04-05", ROAD_XINGZI)
    assert (on_5["through"], on_5["rate_through"], on_5["share"], on_5["behind_target"]) == (
        "2025-02", 0.0503, 0.1616, True)  # fmt: skip
    behind = cycle.client.get("/api/progress/standing", params={"year": 2025, "as_of": "2025-04-05", "flag": "behind"})
    assert ROAD_XINGZI in [i["slug"] for i in behind.json()["items"]]


def _standing(cycle: CycleWorld, as_of: str, slug: str) -> dict[str, object]:
    body = cycle.client.get("/api/progress/standing", params={"year": 2025, "as_of": as_of}).json()
    item = next(i for i in body["items"] if i["slug"] == slug)
    return {**item, "through": body["through_month"], "share": body["year_share_through"]}


def test_late_and_missing_reports_are_flagged_on_the_right_day_in_lianzhou(cycle: CycleWorld) -> None:
    # May's report is due by 5 June, Lianzhou's date: 15:59:59 UTC on 5 June is 23:59:59 in Lianzhou.
    assert cycle.report("official_xingzi", EXIT_XINGZI, "2025-05", "5").status_code == 201
    cycle.sql("""UPDATE progress_reports SET submitted_at = '2025-06-05T15:59:59Z'
                 WHERE project_id = (SELECT id FROM projects WHERE slug = :s) AND month = '2025-05-01'""",
              s=EXIT_XINGZI)  # fmt: skip
    assert "2025-05" not in _standing(cycle, "2025-06-30", EXIT_XINGZI)["late_months"]
    cycle.sql("""UPDATE progress_reports SET submitted_at = '2025-06-05T16:00:00Z'
                 WHERE project_id = (SELECT id FROM projects WHERE slug = :s) AND month = '2025-05-01'""",
              s=EXIT_XINGZI)  # fmt: skip
    assert "2025-05" in _standing(cycle, "2025-06-30", EXIT_XINGZI)["late_months"]
    # A project that never reports: May is missing from 6 June on, not on the 5th.
    assert _standing(cycle, "2025-06-05", CENTRE_BAOAN)["missing_months"] == ["2025-01", "2025-02", "2025-03",
                                                                              "2025-04"]  # fmt: skip
    assert _standing(cycle, "2025-06-06", CENTRE_BAOAN)["missing_months"][-1] == "2025-05"
    # No planned investment for the year: whether it is behind is unknown, not guessed.
    assert _standing(cycle, "2025-06-06", CENTRE_BAOAN)["behind_target"] is None
    missing = cycle.client.get(
        "/api/progress/standing", params={"year": 2025, "as_of": "2025-06-06", "flag": "missing"}
    )
    assert CENTRE_BAOAN in {i["slug"] for i in missing.json()["items"]}
    files = cycle.client.get(f"/api/projects/{EXIT_XINGZI}/progress").json()["months"]
    may = next(m for m in files if m["month"] == "2025-05")
    assert (may["due_on"], may["first_filed_on"], may["filed_late"]) == ("2025-06-05", "2025-06-06", True)


def test_a_correction_is_a_new_version_and_keeps_the_earlier_one(cycle: CycleWorld) -> None:
    official = "official_xingzi"
    assert cycle.report(official, ROAD_XINGZI, "2025-06", "100", "40").status_code == 201
    before = cycle.sql("SELECT count(*) FROM progress_reports")
    again = cycle.report(official, ROAD_XINGZI, "2025-06", "110", "41")
    assert again.status_code == 409 and "correction_reason" in again.text
    assert cycle.sql("SELECT count(*) FROM progress_reports") == before
    fixed = cycle.report(official, ROAD_XINGZI, "2025-06", "110", "41", correction_reason="漏报设备款 10 万元")
    assert fixed.status_code == 201 and fixed.json()["version"] == 2
    staff = cycle.client.get(f"/api/projects/{ROAD_XINGZI}/progress", headers=cycle.auth(official)).json()
    june = [v for v in staff["versions"] if v["month"] == "2025-06"]
    assert [(v["version"], Decimal(v["invested_cny_10k"]), v["correction_reason"]) for v in june] == [
        (1, Decimal("100.00"), None), (2, Decimal("110.00"), "漏报设备款 10 万元")]  # fmt: skip
    public = cycle.client.get(f"/api/projects/{ROAD_XINGZI}/progress").json()
    assert "versions" not in public
    in_force = next(m for m in public["months"] if m["month"] == "2025-06")
    assert (in_force["version"], Decimal(in_force["invested_cny_10k"])) == (2, Decimal("110.00"))


def test_a_department_that_requires_review_publishes_only_what_a_planner_approves(cycle: CycleWorld) -> None:
    filed = cycle.report("official_zhujian", CENTRE_DONGBEI, "2025-07", "30", "55", work_done="立面改造过半")
    assert filed.status_code == 201 and filed.json()["state"] == "pending"
    assert cycle.client.get(f"/api/projects/{CENTRE_DONGBEI}/progress").json()["months"] == []
    pending = cycle.client.get("/api/progress/pending", headers=cycle.auth("planner")).json()
    assert filed.json()["id"] in [p["id"] for p in pending]
    assert cycle.client.get("/api/progress/pending", headers=cycle.auth("official_zhujian")).status_code == 403
    report_id = filed.json()["id"]
    no_reason = cycle.client.post(f"/api/progress/{report_id}/reject", json={}, headers=cycle.auth("planner"))
    assert no_reason.status_code == 422
    approved = cycle.client.post(f"/api/progress/{report_id}/approve", headers=cycle.auth("planner"))
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    months = cycle.client.get(f"/api/projects/{CENTRE_DONGBEI}/progress").json()["months"]
    assert [(m["month"], m["progress_pct"], m["work_done"]) for m in months] == [("2025-07", "55.00", "立面改造过半")]


def test_bad_reports_are_refused_with_the_reason_and_nothing_is_stored(cycle: CycleWorld) -> None:
    before = cycle.sql("SELECT count(*) FROM progress_reports")
    cases = {
        ("2025-13", "1", "1"): "YYYY-MM",
        ("2025-08", "-1", "1"): "invested_cny_10k",
        ("2025-08", "1", "101"): "progress_pct",
        ("2099-01", "1", "1"): "has not begun",
        ("2023-08", "1", "1"): "not in the 2023 annual programme",
    }
    for (month, invested, pct), words in cases.items():
        response = cycle.report("official_xingzi", EXIT_XINGZI, month, invested, pct)
        assert response.status_code == 422 and words in response.text, (month, response.text)
    assert cycle.sql("SELECT count(*) FROM progress_reports") == before


def test_summary_sums_the_year_by_class_and_unit(cycle: CycleWorld) -> None:
    by_class = cycle.client.get("/api/progress/summary", params={"year": 2025, "by": "class"}).json()
    groups = {g["key"]: g for g in by_class["groups"]}
    assert groups["preparatory"]["projects"] == 1 and Decimal(groups["preparatory"]["planned_investment_cny_10k"]) == 0
    by_unit = cycle.client.get("/api/progress/summary", params={"year": 2025, "by": "unit"}).json()
    assert {"jiaotong-ju", "zhujian-ju", "(no lead unit)"} == {g["key"] for g in by_unit["groups"]}


def test_the_standing_is_read_a_page_at_a_time_with_and_without_a_flag(cycle: CycleWorld) -> None:
    params = {"year": 2025, "as_of": "2025-06-06"}
    whole = cycle.client.get("/api/progress/standing", params=params).json()
    assert whole["numberMatched"] == whole["numberReturned"] == len(whole["items"]) == 6
    slugs = [i["slug"] for i in whole["items"]]
    assert slugs == sorted(slugs)
    for flag in (None, "missing"):
        first = {**params, "limit": 2} | ({} if flag is None else {"flag": flag})
        pages = [cycle.client.get("/api/progress/standing", params=first).json()]
        while nxt := [link["href"] for link in pages[-1]["links"] if link["rel"] == "next"]:
            assert "as_of=2025-06-06" in nxt[0] and "limit=2" in nxt[0]
            pages.append(cycle.client.get(nxt[0]).json())
        paged = [i for p in pages for i in p["items"]]
        expected = [i for i in whole["items"] if flag is None or i["missing_months"]]
        assert paged == expected and all(len(p["items"]) == 2 for p in pages[:-1])
        assert ("numberMatched" in pages[0]) == (flag is None)
        assert all("numberMatched" not in p for p in pages[1:])
    for bad in ({"limit": 0}, {"limit": 10_001}, {"cursor": "eA"}):
        refused = cycle.client.get("/api/progress/standing", params={**params, **bad})
        assert refused.status_code == 422 and next(iter(bad)) in refused.text, refused.text


@pytest.mark.parametrize("path", ["/api/progress/standing", "/api/progress/summary"])
@pytest.mark.parametrize(
    ("as_of", "code"), [("0001-01-01", None), ("1999-12-31", None), ("2999-01-01", "date_in_future")]
)
def test_a_day_outside_the_cycles_calendar_is_refused_by_name(
    cycle: CycleWorld, path: str, as_of: str, code: str | None
) -> None:
    """A day before 2000 or after today is a 422 naming `as_of` (day 1 of year 1 was a 500: the deadline arithmetic
    stepped off the calendar); a day in the future says so by code, for pages in their reader's language."""
    response = cycle.client.get(path, params={"year": 2025, "as_of": as_of})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert response.headers.get("X-Planmap-Error") == code
