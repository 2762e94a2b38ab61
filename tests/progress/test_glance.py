"""The cycle per project (what the maps show) and the year summed: `/api/progress/projects`, the
`no_report` and `behind` filters of `/api/projects`, and `/api/progress/summary`'s groups and totals,
all judged on a day given as `as_of` and checked against values worked out by hand."""

from decimal import Decimal
from typing import Any

from tests.support.cycle import (
    CENTRE_BAOAN,
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    HYDRO_XINGZI,
    ROAD_LONGPING,
    ROAD_XINGZI,
    CycleWorld,
    cycle,
    jpeg,
)

__all__ = ["cycle"]  # the module-scoped fixture

AS_OF = "2025-07-10"  # June's reports were due by 5 July: June is the report month, and the year's through month


def _backdate(cycle: CycleWorld, slug: str, month: str, moment: str) -> None:
    cycle.sql("""UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz)
                 WHERE project_id = (SELECT id FROM projects WHERE slug = :s) AND month = CAST(:m AS date)""",
              s=slug, m=f"{month}-01", at=moment)  # fmt: skip


def _glance(cycle: CycleWorld, as_of: str = AS_OF) -> dict[str, Any]:
    response = cycle.client.get("/api/progress/projects", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _slugs(cycle: CycleWorld, **params: Any) -> set[str]:
    response = cycle.client.get("/api/projects", params={"as_of": AS_OF, "limit": 10000, **params})
    assert response.status_code == 200, response.text
    return {f["properties"]["slug"] for f in response.json()["features"]}


def test_the_maps_read_progress_photo_report_and_target_per_project(cycle: CycleWorld) -> None:
    official = "official_xingzi"
    upload = cycle.client.post(f"/api/projects/{EXIT_XINGZI}/photos", headers=cycle.auth(official),
                               files={"photo": ("site.jpg", jpeg(), "image/jpeg")},
                               data={"caption": "<b>桥墩</b>", "lon": "112.4", "lat": "24.9"})  # fmt: skip
    assert upload.status_code == 201, upload.text
    photo = upload.json()["id"]
    # EXIT_XINGZI (500 planned): 100 through June, filed on time, with the photo. 100 / 500 = 0.2 < 181/365.
    for month, invested, pct in (("2025-05", "40", "20"), ("2025-06", "60", "30.5")):
        extra = {"photo_ids": [photo]} if month == "2025-06" else {}
        assert cycle.report(official, EXIT_XINGZI, month, invested, pct, **extra).status_code == 201
        _backdate(cycle, EXIT_XINGZI, month, f"{month}-28T10:00:00+08:00")
    # ROAD_XINGZI (1000 planned): 600 through June, but June's report came on 6 July, a day late. 0.6 > 0.4959.
    assert cycle.report(official, ROAD_XINGZI, "2025-06", "600", "70").status_code == 201
    _backdate(cycle, ROAD_XINGZI, "2025-06", "2025-07-06T00:00:01+08:00")

    body = _glance(cycle)
    assert (body["report_month"], body["report_due_on"], body["year"]) == ("2025-06", "2025-07-05", 2025)
    assert (body["through_month"], body["year_share_through"]) == ("2025-06", round(181 / 365, 4))
    projects = {p["slug"]: p for p in body["projects"]}
    exit_ = projects[EXIT_XINGZI]
    assert (exit_["report"], exit_["behind_target"], exit_["rate_through"]) == ("on_time", True, 0.2)
    assert (exit_["latest_progress_pct"], exit_["latest_month"]) == ("30.50", "2025-06")
    assert exit_["photo"]["thumbnail"].startswith(f"/api/photos/{photo}/thumb.jpg?v=")
    assert exit_["photo"]["caption"] == "<b>桥墩</b>"  # as typed: the page sets it as text
    assert "lon" not in str(exit_["photo"]) and "112.4" not in str(body)  # where it was taken: never here
    assert cycle.client.get(exit_["photo"]["thumbnail"]).status_code == 200  # public: an approved report shows it
    road = projects[ROAD_XINGZI]
    assert (road["report"], road["behind_target"], road["rate_through"]) == ("late", False, 0.6)
    assert projects[CENTRE_BAOAN]["report"] == "missing" and projects[CENTRE_BAOAN]["behind_target"] is None
    assert projects[HYDRO_XINGZI]["report"] == "missing" and projects[HYDRO_XINGZI]["behind_target"] is True
    # A project in no programme is not listed at all: neither missing nor behind.
    assert "tanling-pumped-storage" not in projects

    # The same flags filter /api/projects, alone or together (both must hold).
    no_report = {CENTRE_BAOAN, HYDRO_XINGZI, ROAD_XINGZI, CENTRE_DONGBEI, ROAD_LONGPING}
    assert _slugs(cycle, no_report="true") == no_report
    assert _slugs(cycle, behind="true") == {EXIT_XINGZI, HYDRO_XINGZI, ROAD_LONGPING, CENTRE_DONGBEI}
    assert _slugs(cycle, no_report="true", behind="true") == {HYDRO_XINGZI, ROAD_LONGPING, CENTRE_DONGBEI}
    assert _slugs(cycle, no_report="true", town="xingzi") == {HYDRO_XINGZI, ROAD_XINGZI}
    # On 5 July June's report is not yet due: the report month is May, which EXIT_XINGZI filed on time.
    early = {p["slug"]: p for p in _glance(cycle, "2025-07-05")["projects"]}
    assert early[EXIT_XINGZI]["report"] == "on_time" and early[ROAD_XINGZI]["report"] == "missing"


def test_the_flags_are_refused_when_not_booleans_and_as_of_must_not_be_future(cycle: CycleWorld) -> None:
    bad = cycle.client.get("/api/projects", params={"no_report": "sometimes"})
    assert bad.status_code == 422 and "no_report" in bad.text
    future = cycle.client.get("/api/progress/projects", params={"as_of": "2999-01-01"})
    assert future.status_code == 422 and "as_of" in future.text


def test_the_summary_sums_groups_and_totals_against_hand_computed_values(cycle: CycleWorld) -> None:
    body = cycle.client.get("/api/progress/summary", params={"year": 2025, "by": "class", "as_of": AS_OF}).json()
    groups = {g["key"]: g for g in body["groups"]}
    assert (groups["new_start"]["label_zh"], groups["new_start"]["label_en"]) == ("新开工", "new start")
    # Preparatory (CENTRE_BAOAN) plans no investment: counted as such, never summed as 0 planned.
    preparatory = groups["preparatory"]
    assert preparatory["not_planned"] == 1 and Decimal(preparatory["planned_investment_cny_10k"]) == 0
    total = body["total"]
    assert total["projects"] == 6 and body["reports_due_per_project"] == 6
    assert Decimal(total["planned_investment_cny_10k"]) == Decimal("5000.00")  # 1000 + 500 + 2400 + 300 + 800
    assert total["reports_due"] == 36
    assert total["reports_filed"] + total["missing_reports"] == 36
    by_town = cycle.client.get("/api/progress/summary", params={"year": 2025, "by": "town", "as_of": AS_OF}).json()
    xingzi = next(g for g in by_town["groups"] if g["key"] == "xingzi")
    assert (xingzi["label_zh"], xingzi["projects"]) == ("星子镇", 3)
    assert by_town["note"] and by_town["as_of"] == AS_OF


def _filed(cycle: CycleWorld, report: Any, moment: str) -> int:
    """The report's filing moved to `moment` (a Lianzhou time): as if it had been filed then."""
    assert report.status_code == 201, report.text
    report_id = int(report.json()["id"])
    cycle.sql("UPDATE progress_reports SET submitted_at = CAST(:at AS timestamptz) WHERE id = :id",
              at=moment, id=report_id)  # fmt: skip
    return report_id


def test_a_past_day_shows_the_cycle_as_it_stood_then(cycle: CycleWorld) -> None:
    """Reports filed, corrected or approved after the day asked for change nothing on that day.

    ROAD_LONGPING (2400 planned; the transport department, no review): May 600 filed 3 June; June 300
    filed 4 July; June corrected to 1200 on 20 August; July 300 filed 12 August (due 5 August: late).
    CENTRE_DONGBEI (300 planned; housing department, reviewed): June 200 with a photo, filed 3 July,
    approved 15 July."""
    official = "official_jiaotong"
    _filed(cycle, cycle.report(official, ROAD_LONGPING, "2025-05", "600", "20"), "2025-06-03T10:00:00+08:00")
    _filed(cycle, cycle.report(official, ROAD_LONGPING, "2025-06", "300", "40"), "2025-07-04T10:00:00+08:00")
    fix = cycle.report(official, ROAD_LONGPING, "2025-06", "1200", "45", correction_reason="漏报设备款")
    _filed(cycle, fix, "2025-08-20T10:00:00+08:00")
    _filed(cycle, cycle.report(official, ROAD_LONGPING, "2025-07", "300", "50"), "2025-08-12T10:00:00+08:00")
    photo = cycle.client.post(f"/api/projects/{CENTRE_DONGBEI}/photos", headers=cycle.auth("official_zhujian"),
                              files={"photo": ("f.jpg", jpeg(colour="navy"), "image/jpeg")})  # fmt: skip
    assert photo.status_code == 201, photo.text
    pending = cycle.report("official_zhujian", CENTRE_DONGBEI, "2025-06", "200", "60", photo_ids=[photo.json()["id"]])
    dongbei = _filed(cycle, pending, "2025-07-03T10:00:00+08:00")
    approved = cycle.client.post(f"/api/progress/{dongbei}/approve", headers=cycle.auth("planner"))
    assert approved.status_code == 200, approved.text
    cycle.sql("UPDATE progress_reports SET reviewed_at = '2025-07-15T09:00:00+08:00' WHERE id = :id", id=dongbei)

    # 10 July: June is the report month and the year's through month (181/365 = 0.4959 of the year gone).
    # ROAD_LONGPING: (600 + 300) / 2400 = 0.375, behind; June on time; progress 40 % (June, first version).
    # CENTRE_DONGBEI: June filed on time, but not yet approved: nothing in force, 0 / 300, no progress, no photo.
    july = {p["slug"]: p for p in _glance(cycle, "2025-07-10")["projects"]}
    road, centre = july[ROAD_LONGPING], july[CENTRE_DONGBEI]
    assert (road["report"], road["rate_through"], road["behind_target"]) == ("on_time", 0.375, True)
    assert (road["latest_progress_pct"], road["latest_month"]) == ("40.00", "2025-06")
    assert (centre["report"], centre["rate_through"], centre["behind_target"]) == ("on_time", 0.0, True)
    assert (centre["latest_progress_pct"], centre["photo"]) == (None, None)

    # 10 August: July is due (5 August) and not filed yet: missing, not late. 212/365 = 0.5808 gone.
    # ROAD_LONGPING: the correction is 10 days away, so still 900 / 2400 = 0.375; progress still June's 40 %.
    # CENTRE_DONGBEI: June approved on 15 July, in force: 200 / 300 = 0.6667, not behind; its photo shows.
    body = _glance(cycle, "2025-08-10")
    assert (body["report_month"], body["through_month"], body["year_share_through"]) == (
        "2025-07", "2025-07", round(212 / 365, 4))  # fmt: skip
    august = {p["slug"]: p for p in body["projects"]}
    road, centre = august[ROAD_LONGPING], august[CENTRE_DONGBEI]
    assert (road["report"], road["rate_through"], road["behind_target"]) == ("missing", 0.375, True)
    assert (road["latest_progress_pct"], road["latest_month"]) == ("40.00", "2025-06")
    assert (centre["report"], centre["rate_through"], centre["behind_target"]) == ("missing", 0.6667, False)
    assert (centre["latest_progress_pct"], centre["photo"]["id"]) == ("60.00", photo.json()["id"])

    # Today everything filed counts: 600 + 1200 + 300 = 2100 in force; July's report came late.
    now = {p["slug"]: p for p in _glance(cycle, "2025-08-25")["projects"]}
    assert (now[ROAD_LONGPING]["report"], now[ROAD_LONGPING]["rate_through"]) == ("late", 0.875)
    assert now[ROAD_LONGPING]["latest_progress_pct"] == "50.00"

    # The filters of /api/projects judge the same day the same way; the dashboard's standing too.
    params = {"as_of": "2025-07-10", "limit": 10000, "behind": "true", "town": "longping"}
    listed = cycle.client.get("/api/projects", params=params).json()["features"]
    assert ROAD_LONGPING in {f["properties"]["slug"] for f in listed}
    standing = cycle.client.get("/api/progress/standing", params={"year": 2025, "as_of": "2025-08-10"}).json()
    item = next(i for i in standing["items"] if i["slug"] == ROAD_LONGPING)
    assert (Decimal(item["invested_through_cny_10k"]), item["missing_months"][-1]) == (Decimal(900), "2025-07")


def test_one_projects_glance_for_a_vector_tile_popup(cycle: CycleWorld) -> None:
    one = cycle.client.get("/api/progress/projects", params={"as_of": AS_OF, "project": EXIT_XINGZI})
    assert one.status_code == 200, one.text
    whole = {p["slug"]: p for p in _glance(cycle)["projects"]}
    assert one.json()["projects"] == [whole[EXIT_XINGZI]]
    assert one.json()["report_month"] == "2025-06"
    # A project with nothing to show is said to have nothing; an unknown one is refused by name.
    quiet = cycle.client.get("/api/progress/projects", params={"project": "tanling-pumped-storage"}).json()
    assert quiet["projects"] == [{"slug": "tanling-pumped-storage", "in_programme": False, "report": None,
                                  "behind_target": None, "rate_through": None, "latest_progress_pct": None,
                                  "latest_month": None, "photo": None}]  # fmt: skip
    unknown = cycle.client.get("/api/progress/projects", params={"project": "no-such-project"})
    assert unknown.status_code == 404 and "no-such-project" in unknown.text
