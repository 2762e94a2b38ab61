"""Plans in use: baseline and revisions with reasons, closing the 14th plan (refused while a project has no
decision), carrying its unfinished work into the next plan as the same projects, `as_of` before the
carry-over, and every read surface taking `?plan=`.

The "next plan" here is a FIXTURE (`fixture-15th`, named 测试夹具): the 15th plan's text is not in the
repository, so no real 15th-plan project is invented; the fixture only receives carried-over projects.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from app.plans.service import NewPlan, create_plan, decide
from tests.support.editing import EditWorld, etag_of, open_world

FIXTURE_PLAN = "fixture-15th"
CARRIED = "yuebei-dazhou-trade-city"  # a seeded project the plan says is under way (加快推进)


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_plans") as w:
        yield w


def _planmap(world: EditWorld, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": world.url}
    return subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, check=False)


def _patch(world: EditWorld, slug: str, properties: dict[str, Any]) -> Any:
    return world.client.patch(
        f"/api/projects/{slug}",
        json={"properties": properties},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, slug)},
    )


def _slugs(world: EditWorld, **params: str) -> set[str]:
    response = world.client.get("/api/projects", params={"limit": "10000", **params})
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def test_baseline_kept_and_a_revision_needs_its_reason(world: EditWorld) -> None:
    slug = "lianzhou-sports-centre" if _slugs(world) >= {"lianzhou-sports-centre"} else sorted(_slugs(world))[0]
    # First statement of a planned end: it becomes the baseline, no reason needed.
    assert _patch(world, slug, {"planned_end": "2025-12-31"}).status_code == 200
    before = world.snapshot(slug)
    refused = _patch(world, slug, {"planned_end": "2027-12-31"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "properties.revision_reason"]
    assert "征地延误" in refused.json()["detail"][0]["msg"]
    assert world.snapshot(slug) == before  # nothing stored
    done = _patch(world, slug, {"planned_end": "2027-12-31", "revision_reason": "征地延误"})
    assert done.status_code == 200, done.text
    body = world.client.get(f"/api/projects/{slug}/plans").json()
    (membership,) = body["plans"]
    assert (membership["slug"], membership["baseline_planned_end"]) == ("lianzhou-14th", "2025-12-31")
    (revision,) = body["revisions"]
    assert (revision["field"], revision["baseline_value"], revision["revised_value"], revision["reason"]) == (
        "planned_end", "2025-12-31", "2027-12-31", "征地延误",
    )  # fmt: skip
    assert world.client.get(f"/api/projects/{slug}").json()["properties"]["planned_end"] == "2027-12-31"


def test_closing_refused_while_a_project_has_no_decision(world: EditWorld) -> None:
    with world.engine.begin() as conn:
        create_plan(
            conn,
            NewPlan(FIXTURE_PLAN, "测试夹具：第十五个五年规划", "FIXTURE: a next plan", 2026, 2030, "test fixture"),
            actor="test",
        )
    done = _planmap(world, "plans", "close", "lianzhou-14th", "--into", FIXTURE_PLAN)
    assert done.returncode == 1
    assert "have no decision" in done.stderr and CARRIED in done.stderr
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plan_projects pp JOIN plans pl ON pl.id = pp.plan_id "
                                 "WHERE pl.slug = :p"), {"p": FIXTURE_PLAN}).scalar() == 0  # fmt: skip
        assert conn.execute(text("SELECT closed_at FROM plans WHERE slug = 'lianzhou-14th'")).scalar() is None


def test_close_carries_unfinished_work_into_the_next_plan(world: EditWorld) -> None:
    with world.engine.begin() as conn:
        rows = conn.execute(
            text("""SELECT p.slug, p.status FROM plan_projects pp JOIN projects p ON p.id = pp.project_id
                    JOIN plans pl ON pl.id = pp.plan_id WHERE pl.slug = 'lianzhou-14th'
                    AND p.status NOT IN ('completed', 'existing', 'cancelled', 'merged')""")
        ).all()
        for slug, status in rows:
            if status == "under_construction":
                decide(conn, "lianzhou-14th", slug, "continuing", "测试：仍在建设，转入下一规划续建", actor="test")
            else:
                decide(conn, "lianzhou-14th", slug, "dropped", "测试：规划期内未启动", actor="test")
    continuing = {slug for slug, status in rows if status == "under_construction"}
    versions_before = world.client.get(f"/api/projects/{CARRIED}").json()["properties"]["version"]

    done = _planmap(world, "plans", "close", "lianzhou-14th", "--into", FIXTURE_PLAN)
    assert done.returncode == 0, done.stderr
    assert f"{len(continuing)} continuing" in done.stdout and "27 completed" in done.stdout

    # The same project, one history, now continuing (续建) in the next plan; the 14th still lists it.
    carried = world.client.get(f"/api/projects/{CARRIED}").json()["properties"]
    assert (carried["plan"], carried["plan_role"], carried["version"]) == (FIXTURE_PLAN, "continuing", versions_before)
    plans = world.client.get(f"/api/projects/{CARRIED}/plans").json()["plans"]
    assert [(p["slug"], p["role"], p["decision"]) for p in plans] == [
        ("lianzhou-14th", "new", "continuing"), (FIXTURE_PLAN, "continuing", None),
    ]  # fmt: skip
    assert _slugs(world, plan=FIXTURE_PLAN) == continuing
    assert len(_slugs(world, plan="lianzhou-14th")) == 180
    # Today the fixture plan is in force (its period began in 2026); the day before, it was not recorded.
    assert _slugs(world) == continuing
    assert len(_slugs(world, as_of="2026-11-29")) == 180
    assert _slugs(world, as_of="2026-11-29", plan=FIXTURE_PLAN) == set()
    # In the next plan its period is not over: no plan_period_ended there, but still in the 14th.
    assert "plan_period_ended" not in carried["warnings"]
    in_14th = world.client.get(f"/api/projects/{CARRIED}", params={"plan": "lianzhou-14th"}).json()["properties"]
    assert "plan_period_ended" in in_14th["warnings"]
    again = _planmap(world, "plans", "close", "lianzhou-14th")
    assert again.returncode == 1 and "was closed" in again.stderr


def test_every_read_surface_takes_the_plan(world: EditWorld) -> None:
    n14, n15 = len(_slugs(world, plan="lianzhou-14th")), len(_slugs(world, plan=FIXTURE_PLAN))
    assert n14 == 180 and 0 < n15 < n14
    for plan, n in (("lianzhou-14th", n14), (FIXTURE_PLAN, n15)):
        assert world.client.get("/api/stats", params={"plan": plan}).json()["total"] == n
        ogc = world.client.get("/ogc/collections/projects/items", params={"plan": plan, "limit": 1000}).json()
        assert ogc["numberMatched"] == n
        csv = world.client.get("/api/export", params={"plan": plan, "format": "csv"}).text
        assert len([line for line in csv.strip().splitlines()[1:] if line]) == n
        tile = world.client.get("/tiles/8/211/109.pbf", params={"plan": plan})
        assert tile.status_code in (200, 204)
        layers = mapbox_vector_tile.decode(tile.content) if tile.content else {}
        features = sum(len(layer["features"]) for layer in layers.values())
        assert features <= n
    unknown = world.client.get("/api/projects", params={"plan": "no-such-plan"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "plan"]
    assert world.client.get("/ogc/collections/projects/items", params={"plan": "nope"}).status_code == 400
