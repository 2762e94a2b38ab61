"""The current day's summary is read from sums the database keeps per group (migration 0021): a few rows
per year instead of one per programme item. Those sums must be what summing the items says, for every
grouping, any last month due and any deadline day, after every kind of write: reports filed, approved,
corrected, rejected; items added, replanned, reclassed and removed; projects created, recategorised,
deleted, restored and merged; towns and lead units changed; `planmap dev synth` and its wipe; two
connections filing at once.

Two references: `/api/progress/summary` must answer what summing the year's standing item by item
gives (the computation before issue 23, `summarise`), and the kept sums must equal the per-item
query over the rows kept per project and year (`YEAR_SUMMARY_KEPT`) for months due and deadline
days today does not reach.
"""

import itertools
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, text

from app.catalog.synth import synthesize, synthesize_progress
from app.core import clock
from app.progress import queries as q
from app.progress.glance import NO_LEAD, NO_TOWN, year_summary
from app.progress.service import judged, year_standing
from tests.conftest import GEODATA
from tests.progress.test_summary import summarise
from tests.support.cycle import (
    CENTRE_BAOAN,
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    HYDRO_XINGZI,
    ROAD_LONGPING,
    ROAD_XINGZI,
    CycleWorld,
    open_cycle_world,
)
from tests.support.editing import etag_of, new_feature

BYS = ("town", "unit", "category", "class")
DEADLINES = (1, 5, 28)
_ids = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), prefix="planmap_summary_kept")


MONEY = ("planned_investment_cny_10k", "invested_through_cny_10k", "year_to_date_cny_10k")


def _as_read(body: dict[str, Any]) -> dict[str, Any]:
    """A summary with its sums of money as numbers: the API writes them as strings, the kept sums with
    their two decimals ("0.00") where the per-item sums wrote "0"."""
    groups = [{k: Decimal(v) if k in MONEY else v for k, v in g.items()} for g in [*body["groups"], body["total"]]]
    for money in groups:
        for k in MONEY:
            assert money[k] == money[k].quantize(Decimal("0.01")), money
    return body | {"groups": groups[:-1], "total": groups[-1]}


def _rows(conn: Connection, sql: Any, params: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    found = {}
    for r in conn.execute(sql, params | {"no_town": NO_TOWN, "no_lead": NO_LEAD}):
        row = dict(r._mapping)
        group = (row.pop("grouping"), row.pop("key"))
        found[group] = {k: Decimal(v) for k, v in row.items()}
    return found


def _days(year: int) -> list[date]:
    """Days on which no month, one month, several and the whole year of `year` are due."""
    return [date(year, 1, 3), date(year, 2, 6), date(year, 6, 1), date(year, 9, 30), date(year + 1, 2, 1)]


def assert_kept_is_live(world: CycleWorld, years: tuple[int, ...] = (2025, 2026)) -> None:
    """The kept keys are each item's current contribution; the kept sums equal the per-item sums for
    any last month due and deadline day; the API's summary for today is what the standing sums to."""
    with world.engine.connect() as conn:
        drift = conn.execute(
            text("""SELECT count(*) FROM ((TABLE progress_summary_keys EXCEPT TABLE progress_summary_keys_live)
                    UNION ALL (TABLE progress_summary_keys_live EXCEPT TABLE progress_summary_keys)) d""")
        ).scalar_one()
        assert drift == 0
        assert conn.execute(text("SELECT count(*) FROM progress_summary WHERE projects <= 0")).scalar_one() == 0
        for year in years:
            for day, deadline in itertools.product(_days(year), DEADLINES):
                _, params = judged(year, day, deadline)
                kept, per_item = _rows(conn, q.YEAR_SUMMARY_SUMS, params), _rows(conn, q.YEAR_SUMMARY_KEPT, params)
                assert kept == per_item, (year, day, deadline)
            for by in BYS:
                today = clock.today()
                reference = summarise(year_standing(conn, year, today, 5), by)
                assert year_summary(conn, year, today, 5, by) == reference, (year, by)
                assert year_summary(conn, year, today, 5, by, per_item=True) == reference, (year, by)
    for year, by in itertools.product(years, BYS):
        answer = world.client.get("/api/progress/summary", params={"year": year, "by": by})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        for group in body["groups"]:
            assert group.pop("label_zh") and group.pop("label_en")
        with world.engine.connect() as conn:
            reference = summarise(year_standing(conn, year, clock.today(), 5), by)
        assert _as_read(body) == reference, (year, by)
        assert all(len(str(g["planned_investment_cny_10k"]).split(".")[1]) == 2 for g in body["groups"])


def _planner(world: CycleWorld) -> dict[str, str]:
    return world.auth("planner")


def _put_item(world: CycleWorld, year: int, slug: str, cls: str, planned: str | None) -> None:
    body = {"class": cls, "planned_investment_cny_10k": planned, "target": "test"}
    put = world.client.put(f"/api/programmes/{year}/items/{slug}", json=body, headers=_planner(world))
    assert put.status_code == 200, put.text


def _filed(world: CycleWorld, user: str, slug: str, month: str, invested: str, **extra: Any) -> int:
    filed = world.report(user, slug, month, invested, **extra)
    assert filed.status_code == 201, filed.text
    return int(filed.json()["id"])


def _edit(world: CycleWorld, method: str, url: str, slug: str, body: dict[str, Any] | None = None) -> str:
    headers = {**_planner(world), "If-Match": etag_of(world.client, slug)}
    response = world.client.request(method, url, json=body, headers=headers)
    assert response.status_code in (200, 201, 204), response.text
    return str(response.headers.get("etag"))


def test_the_kept_sums_follow_reports_items_projects_towns_units_and_synth(world: CycleWorld) -> None:
    assert_kept_is_live(world)
    totals = world.client.get("/api/progress/summary", params={"year": 2025, "by": "class"}).json()["total"]
    assert totals["projects"] == 6 and totals["reports_due"] == 6 * 12

    # Reports: filed (on time and not), one approved after review, one rejected, one corrected; a second
    # year whose last month due today is not December.
    planner = _planner(world)
    for month, invested in (("2025-01", "50.25"), ("2025-02", "80"), ("2025-04", "199.75")):
        _filed(world, "official_xingzi", ROAD_XINGZI, month, invested)
    _filed(world, "official_xingzi", ROAD_XINGZI, "2025-02", "95", correction_reason="漏报")
    _filed(world, "official_jiaotong", ROAD_LONGPING, "2025-01", "2400")
    approved = _filed(world, "official_zhujian", CENTRE_DONGBEI, "2025-01", "30")
    pending = _filed(world, "official_zhujian", CENTRE_DONGBEI, "2025-02", "40")
    rejected = _filed(world, "official_zhujian", CENTRE_DONGBEI, "2025-03", "50")
    assert_kept_is_live(world)
    assert world.client.post(f"/api/progress/{approved}/approve", headers=planner).status_code == 200
    reason = {"reason": "数字不符"}
    assert world.client.post(f"/api/progress/{rejected}/reject", json=reason, headers=planner).status_code == 200
    # (No seeded plan covers 2026, so its programme is written in SQL; the reports go through the API.)
    world.sql("INSERT INTO annual_programmes (plan_id, year) SELECT id, 2026 FROM plans ORDER BY id LIMIT 1")
    for slug, cls, planned in ((ROAD_XINGZI, "continuing", "1000"), (HYDRO_XINGZI, "completion", None),
                               (CENTRE_BAOAN, "new_start", "0")):  # fmt: skip
        world.sql("""INSERT INTO programme_items (programme_id, project_id, class, planned_investment_cny_10k)
                     SELECT g.id, p.id, :c, CAST(:v AS numeric) FROM annual_programmes g, projects p
                     WHERE g.year = 2026 AND p.slug = :s""", s=slug, c=cls, v=planned)  # fmt: skip
    for month in ("2026-01", "2026-02", "2026-09", "2026-10"):
        _filed(world, "official_xingzi", ROAD_XINGZI, month, "120")
    assert_kept_is_live(world)
    assert world.client.post(f"/api/progress/{pending}/approve", headers=planner).status_code == 200
    assert_kept_is_live(world)

    # Programme items: replanned and reclassed, removed, put back.
    _put_item(world, 2025, EXIT_XINGZI, "completion", "20.50")
    _put_item(world, 2025, CENTRE_BAOAN, "preparatory", "10")
    assert world.client.delete(f"/api/programmes/2025/items/{HYDRO_XINGZI}", headers=planner).status_code in (200, 204)
    assert_kept_is_live(world)
    _put_item(world, 2025, HYDRO_XINGZI, "completion", "800")
    assert_kept_is_live(world)

    # Projects: a new one in the programme, recategorised, merged, deleted and restored.
    created, merged = f"kept-{next(_ids)}", f"kept-{next(_ids)}"
    for slug in (created, merged):
        posted = world.client.post("/api/projects", json=new_feature(slug), headers=planner)
        assert posted.status_code == 201, posted.text
        _put_item(world, 2025, slug, "new_start", "300")
    _filed(world, "planner", created, "2025-03", "75")
    assert_kept_is_live(world)
    _edit(world, "PATCH", f"/api/projects/{created}", created, {"properties": {"category": "education"}})
    _edit(world, "POST", f"/api/projects/{merged}/status", merged,
          {"status": "merged", "date": "2026-11-01", "reason": "one project now", "merged_into": created})  # fmt: skip
    assert_kept_is_live(world)
    deleted = _edit(world, "DELETE", f"/api/projects/{created}", created)
    gone = world.client.get("/api/progress/summary", params={"year": 2025, "by": "category"}).json()
    assert "education" not in {g["key"] for g in gone["groups"]}
    assert_kept_is_live(world)
    restored = world.client.post(f"/api/projects/{created}/restore", headers={**planner, "If-Match": deleted})
    assert restored.status_code == 200, restored.text
    back = world.client.get("/api/progress/summary", params={"year": 2025, "by": "category"}).json()
    assert {g["key"]: g["projects"] for g in back["groups"]}["education"] == 1
    assert_kept_is_live(world)

    # Towns and lead units: a project's towns taken away and given two; a lead unit set, changed, cleared.
    world.sql("DELETE FROM project_towns WHERE project_id = (SELECT id FROM projects WHERE slug = :s)", s=EXIT_XINGZI)
    world.sql("""INSERT INTO project_towns (project_id, town_id) SELECT p.id, t.id FROM projects p, towns t
                 WHERE p.slug = :s AND t.slug IN ('lianzhou', 'dongbei')""", s=HYDRO_XINGZI)  # fmt: skip
    assert_kept_is_live(world)
    towns = world.client.get("/api/progress/summary", params={"year": 2025, "by": "town"}).json()
    assert {g["key"]: g["projects"] for g in towns["groups"]}[NO_TOWN] == 1
    for lead in ("jiaotong-ju", "zhujian-ju", None):
        units: dict[str, Any] = {"lead": lead, "others": []}
        put = world.client.put(f"/api/projects/{ROAD_XINGZI}/units", json=units, headers=planner)
        assert put.status_code == 200, put.text
        assert_kept_is_live(world)

    # `planmap dev synth` with a year of reports, and its wipe.
    synthesize(world.engine, GEODATA, 200, seed=5)
    synthesize_progress(world.engine, 2025, seed=5)
    assert_kept_is_live(world)
    many = world.client.get("/api/progress/summary", params={"year": 2025, "by": "class"}).json()["total"]
    assert many["projects"] == 208
    synthesize(world.engine, GEODATA, 0, wipe_first=True)
    assert_kept_is_live(world)
    # A project's hard deletion: its items, reports and kept rows cascade.
    world.sql("DELETE FROM projects WHERE slug = :s", s=merged)
    assert_kept_is_live(world)
    # The sums kept through all those writes are the sums built from nothing.
    kept = "SELECT * FROM progress_summary ORDER BY year, grouping, key, ref"
    before = world.sql(kept)
    world.sql("DELETE FROM progress_summary_keys")
    world.sql("DELETE FROM progress_summary")
    world.sql("SELECT progress_summary_refresh(ARRAY(SELECT id FROM projects))")
    assert world.sql(kept) == before and before


def test_two_connections_filing_at_once_both_count(world: CycleWorld) -> None:
    """Two transactions file reports for two projects of one town at once: both write the year's total
    and their town's row; the second waits for the first and both are counted, no deadlock."""
    insert = text(
        """INSERT INTO progress_reports (project_id, programme_id, month, version, invested_cny_10k, progress_pct,
                                        state, submitted_at)
           SELECT p.id, g.id, DATE '2025-11-01', 1, :v, 50, 'approved', now()
           FROM projects p, annual_programmes g WHERE p.slug = :s AND g.year = 2025"""
    )

    def year_to_date() -> Decimal:
        body = world.client.get("/api/progress/summary", params={"year": 2025, "by": "town"}).json()
        return Decimal(str(body["total"]["year_to_date_cny_10k"]))

    before = year_to_date()
    errors: list[BaseException] = []
    with world.engine.connect() as one, world.engine.connect() as two:
        one.execute(insert, {"s": ROAD_XINGZI, "v": 11})

        def second() -> None:
            try:
                two.execute(insert, {"s": HYDRO_XINGZI, "v": 22})
                two.commit()
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), f"the second writer should wait on the shared total ({errors})"
        one.commit()
        thread.join(timeout=30)
        assert not thread.is_alive() and not errors, errors
    assert year_to_date() == before + 33
    assert_kept_is_live(world)
