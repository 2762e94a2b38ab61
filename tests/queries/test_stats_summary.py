"""The statistics the database keeps (migration 0018) equal the live aggregates, whatever wrote the projects.

`/api/stats`, the facets, the dashboard and the towns' counts read `stats_summary` (a few hundred
rows) instead of every project. Its warnings are applied at read time from stored dates, so the
check is made on many reference days, before, on and after the dates the catalog's warnings
turn on, and with several `stale_days`: the summary's figures must equal those the live query
computes project by project with `project_warnings()`, for the public and for staff, for each plan.
It is repeated after every kind of write: API creation, edit, status change, merge, deletion and
restore; plan carry-over; towns changed in SQL; an import; `planmap dev synth` and its wipe; and
two connections writing at once.
"""

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, text

from app.catalog.importer import ImportOptions, import_file
from app.catalog.synth import synthesize
from app.catalog.vocab import Category, Status, WarningKind
from app.core import clock
from app.queries.facets import facets_sql
from app.queries.project_filter import ProjectFilter
from app.queries.stats import STARTED, _live_rows, _stats_sql
from app.queries.summary import summary_applies, summary_params, summary_rows
from tests.conftest import GEODATA, write_collection
from tests.support.editing import EditWorld, new_feature, open_world, planner_write
from tests.support.plans import FIXTURE_PLAN, add_fixture_plan

# Reference days around the catalog's dates (its years start 1 January and end 31 December; the 14th
# plan ends 2025-12-31, the fixture plan 2030-12-31), and far on either side.
DAYS = [
    date(2020, 1, 1),
    date(2021, 6, 30),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2030, 12, 31),
    date(2031, 1, 1),
    date(2045, 1, 1),
]
# (reference day, stale_days): every day with the default, and one day with a short and a long stale_days.
CASES = [(day, 180) for day in DAYS] + [(date(2026, 1, 1), 30), (date(2026, 1, 1), 4000)]
FACET_DAYS = (date(2021, 6, 30), date(2026, 1, 2), date(2045, 1, 1))
PLANS = (None, "lianzhou-14th", FIXTURE_PLAN)
FACET_FILTERS = (
    {},
    {"towns": ["xingzi"]},
    {"towns": ["lianzhou", "xingzi"], "statuses": [Status("planned"), Status("under_construction")]},
    {"categories": [Category("road"), Category("health")]},
    {"warnings": [WarningKind("stale")]},
    {"warnings": [WarningKind("late_completion"), WarningKind("plan_period_ended")], "towns": ["lianzhou"]},
)
_ids = itertools.count()

LIVE_TOWN_COUNTS = """
    SELECT t.slug, p.status, count(*) FROM project_towns pt JOIN projects p ON p.id = pt.project_id
    JOIN towns t ON t.id = pt.town_id WHERE p.deleted_at IS NULL GROUP BY 1, 2"""


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_summary") as w:
        yield w


def _json(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    return orjson.loads(conn.execute(text(sql), params).scalar_one())


def _plan_stats_both_ways(conn: Connection, flt: ProjectFilter, day: date, stale: int) -> tuple[Any, Any]:
    over = {"f_ref_date": day, "f_stale_days": stale, "started": list(STARTED)}
    source, live_params = flt.source()
    live = _json(conn, _stats_sql(_live_rows(source)), {**live_params, **over})
    kept = _json(conn, _stats_sql(summary_rows(flt)), {**summary_params(flt), **over})
    return kept, live


def _facets_both_ways(conn: Connection, flt: ProjectFilter, day: date) -> tuple[Any, Any]:
    over = {"f_ref_date": day}
    kept_sql, kept_params = facets_sql(flt, summary=True)
    live_sql, live_params = facets_sql(flt)
    return _json(conn, kept_sql, {**kept_params, **over}), _json(conn, live_sql, {**live_params, **over})


def _town_counts(world: EditWorld) -> dict[str, dict[str, int]]:
    towns = world.client.get("/api/towns").json()["features"]
    return {t["id"]: t["properties"]["counts_by_status"] for t in towns if t["properties"]["project_count"]}


def assert_summary_is_live(world: EditWorld) -> set[str]:
    """Every figure from the summary equals the live one; returns the warnings seen, to show the check bites."""
    seen: set[str] = set()
    with world.engine.connect() as conn:
        # What each project contributes is stored exactly as its current record says.
        drift = conn.execute(
            text("""SELECT count(*) FROM ((TABLE stats_project_keys EXCEPT TABLE stats_project_keys_live)
                    UNION ALL (TABLE stats_project_keys_live EXCEPT TABLE stats_project_keys)) d""")
        ).scalar_one()
        assert drift == 0
        assert conn.execute(text("SELECT count(*) FROM stats_summary WHERE n <= 0")).scalar_one() == 0
        for plan, (day, stale) in itertools.product(PLANS, CASES):
            flt = ProjectFilter(plan=plan, stale_days=stale)
            kept, live = _plan_stats_both_ways(conn, flt, day, stale)
            assert kept == live, (plan, day, stale)
            seen.update(w for chapter in live["by_chapter"] or [] for w in chapter["warnings"])
        # Staff read the same figures (the public view only moves sensitive sites' geometry).
        kept, live = _plan_stats_both_ways(conn, ProjectFilter(staff=True), date(2026, 1, 2), 180)
        assert kept == live
        for filters, day in itertools.product(FACET_FILTERS, FACET_DAYS):
            flt = ProjectFilter(**filters)
            assert summary_applies(flt)
            kept, live = _facets_both_ways(conn, flt, day)
            assert kept == live, (filters, day)
        live_towns: dict[str, dict[str, int]] = {}
        for town, status, n in conn.execute(text(LIVE_TOWN_COUNTS)):
            live_towns.setdefault(town, {})[status] = n
    assert _town_counts(world) == live_towns
    # The API answers from the summary what the live query says for today.
    today = clock.today()
    with world.engine.connect() as conn:
        kept, live = _plan_stats_both_ways(conn, ProjectFilter(), today, 180)
        facets, _ = _facets_both_ways(conn, ProjectFilter(towns=["xingzi"]), today)
    stats = world.client.get("/api/stats").json()
    staff_stats = world.client.get("/api/stats", headers=world.auth("planner")).json()
    for answer in (stats, staff_stats):
        answer["by_town"] = [{k: v for k, v in t.items() if k != "started_share"} for t in answer["by_town"]]
        assert answer == live
    assert world.client.get("/api/stats/facets", params={"town": "xingzi"}).json() == facets
    return seen


def test_summary_equals_the_live_figures_after_every_kind_of_write(world: EditWorld, tmp_path: Path) -> None:
    seen = assert_summary_is_live(world)
    assert {"late_completion", "plan_period_ended", "stale"} <= seen

    # A second plan in force today, with a project carried over into it (a project in two plans).
    add_fixture_plan(world.engine)
    assert_summary_is_live(world)

    created = f"summary-{next(_ids)}"
    inserted = world.client.post("/api/projects", json=new_feature(created), headers=world.auth("planner"))
    assert inserted.status_code == 201, inserted.text
    planner_write(world, "PATCH", f"/api/projects/{created}", created,
           {"properties": {"category": "education", "planned_start": "2023-01-01", "planned_end": "2027-06-30",
                           "planned_investment_cny_100m": 1, "actual_spend_cny_100m": 2}})  # fmt: skip
    assert "late_start" in assert_summary_is_live(world)
    planner_write(world, "POST", f"/api/projects/{created}/status", created,
           {"status": "under_construction", "date": "2026-10-01"})  # fmt: skip
    seen = assert_summary_is_live(world)
    assert {"over_budget", "no_recorded_start"} <= seen

    merged = f"summary-{next(_ids)}"
    assert world.client.post("/api/projects", json=new_feature(merged), headers=world.auth("planner")).is_success
    planner_write(world, "POST", f"/api/projects/{merged}/status", merged,
           {"status": "merged", "date": "2026-11-01", "reason": "one project now", "merged_into": created})  # fmt: skip
    assert_summary_is_live(world)

    deleted = planner_write(world, "DELETE", f"/api/projects/{created}", created)
    assert_summary_is_live(world)
    restored = world.client.post(
        f"/api/projects/{created}/restore", headers={**world.auth("planner"), "If-Match": deleted}
    )
    assert restored.status_code == 200, restored.text
    assert_summary_is_live(world)

    # Towns changed behind the app's back: the summary follows the table, not the API.
    with world.engine.begin() as conn:
        conn.execute(
            text("""INSERT INTO project_towns (project_id, town_id)
                    SELECT p.id, t.id FROM projects p, towns t WHERE p.slug = :s AND t.slug = 'lianzhou'"""),
            {"s": created},
        )
        conn.execute(text("UPDATE plan_projects SET chapter = 'moved by hand' WHERE project_id IN "
                          "(SELECT id FROM projects WHERE slug = :s)"), {"s": merged})  # fmt: skip
    assert_summary_is_live(world)

    # An import: a town's projects again under new slugs (inserted), then updated.
    wanted = {"format": "geojson", "town": "xingzi", "plan": "lianzhou-14th"}
    exported = world.client.get("/api/export", params=wanted).json()["features"]
    renamed = [{**f, "properties": {**f["properties"], "slug": "imported-" + f["properties"]["slug"]}}
               for f in exported]  # fmt: skip
    options = ImportOptions(skip_invalid=True, plan="lianzhou-14th")
    result = import_file(world.engine, write_collection(tmp_path / "import.geojson", renamed), options)
    assert not result.refused and result.report.inserted, result.lines()
    assert_summary_is_live(world)
    recategorised = [{**f, "properties": {**f["properties"], "category": "education"}} for f in renamed]
    options = ImportOptions(skip_invalid=True, update=True, plan="lianzhou-14th")
    result = import_file(world.engine, write_collection(tmp_path / "update.geojson", recategorised), options)
    assert not result.refused and result.report.updated, result.lines()
    assert_summary_is_live(world)

    synthesize(world.engine, GEODATA, 300, seed=7)
    assert_summary_is_live(world)
    synthesize(world.engine, GEODATA, 0, wipe_first=True)
    assert_summary_is_live(world)


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _blocked(thread: threading.Thread) -> bool:
    time.sleep(0.5)
    return thread.is_alive()


@pytest.mark.parametrize("towns_first", [True, False])
def test_two_connections_writing_one_project_leave_the_summary_right(world: EditWorld, towns_first: bool) -> None:
    """One transaction adds a town to a project while another changes its status: whichever goes first,
    the second must count the project with both changes (a trigger reading a stale key would not)."""
    slug = f"summary-{next(_ids)}"
    assert world.client.post("/api/projects", json=new_feature(slug), headers=world.auth("planner")).is_success
    add_town = text("""INSERT INTO project_towns (project_id, town_id) SELECT p.id, t.id FROM projects p, towns t
                       WHERE p.slug = :s AND t.slug = 'dongbei'""")
    set_status = text("UPDATE projects SET status = 'preparing', version = version + 1 WHERE slug = :s")
    first, second = (add_town, set_status) if towns_first else (set_status, add_town)
    with world.engine.connect() as one, world.engine.connect() as two:
        one.execute(first, {"s": slug})
        errors: list[BaseException] = []

        def write_second() -> None:
            two.execute(second, {"s": slug})
            two.commit()

        thread = _in_thread(write_second, errors)
        assert _blocked(thread), f"the second writer should wait for the first ({errors})"
        one.commit()
        thread.join(timeout=30)
        assert not thread.is_alive() and not errors, errors
    with world.engine.connect() as conn:
        key = conn.execute(
            text("SELECT k.status, k.towns FROM stats_project_keys k JOIN projects p ON p.id = k.project_id "
                 "WHERE p.slug = :s"), {"s": slug}).one()  # fmt: skip
    assert key.status == "preparing" and len(key.towns) == 2
    assert_summary_is_live(world)


def test_two_connections_adding_projects_of_one_kind_both_count(world: EditWorld) -> None:
    """Two transactions add projects with the same summary key at once: both are counted."""
    before = _town_counts(world)["xingzi"].get("planned", 0)
    slugs = [f"summary-{next(_ids)}" for _ in range(2)]
    copy = text("""INSERT INTO projects (slug, name_zh, name_en, category, status, geom, location_precision,
                                         location_note, source_quote, start_year, end_year)
                   SELECT :s, name_zh, name_en, category, status, geom, location_precision, location_note,
                          source_quote, start_year, end_year FROM projects WHERE slug = :template""")
    link = text("""INSERT INTO project_towns (project_id, town_id) SELECT p.id, t.id FROM projects p, towns t
                   WHERE p.slug = :s AND t.slug = 'xingzi'""")
    with world.engine.connect() as conn:
        template = conn.execute(text("SELECT slug FROM projects WHERE status = 'planned' LIMIT 1")).scalar_one()
    params = [{"s": s, "template": template} for s in slugs]
    with world.engine.connect() as one, world.engine.connect() as two:
        one.execute(copy, params[0])
        one.execute(link, params[0])

        def add_second() -> None:
            two.execute(copy, params[1])
            two.execute(link, params[1])
            two.commit()

        errors: list[BaseException] = []
        thread = _in_thread(add_second, errors)
        assert _blocked(thread), f"the second writer should wait on the shared summary row ({errors})"
        one.commit()
        thread.join(timeout=30)
        assert not thread.is_alive() and not errors, errors
    assert _town_counts(world)["xingzi"]["planned"] == before + 2
    assert_summary_is_live(world)


def test_reads_the_summary_cannot_answer_stay_live(world: EditWorld) -> None:
    """A past day, a bbox, a text search: the summary does not hold them, and the figures say so by
    still matching what the projects say (the API computes them from the projects)."""
    assert not summary_applies(ProjectFilter(as_of=date(2024, 1, 1)))
    assert not summary_applies(ProjectFilter(bbox=(112.3, 24.7, 112.5, 24.9)))
    assert not summary_applies(ProjectFilter(q="高速"))
    past = world.client.get("/api/stats", params={"as_of": "2022-06-30"})
    assert past.status_code == 200 and past.json()["as_of"] == "2022-06-30"
    boxed = world.client.get("/api/stats/facets", params={"bbox": "112.3,24.7,112.5,24.9"}).json()
    listed = world.client.get("/api/projects", params={"bbox": "112.3,24.7,112.5,24.9", "limit": 10000}).json()
    assert boxed["total"] == listed["numberMatched"]
