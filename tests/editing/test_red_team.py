"""Regression tests for the red team's findings on editing (issue 15 items 1, 3 and 8).

Each failed before its fix: an official's new project skipped review, officials could take a
project out of other towns by declaring `towns`, and non-finite numbers or a constraint the
database enforces gave a 500 instead of a 422 naming the field.
"""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from app.auth.accounts import add_user
from app.editing.proposals import set_town_review
from tests.support.editing import PASSWORD, EditWorld, etag_of, new_feature, world

__all__ = ["world"]

_ids = itertools.count()
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]
JSON = {"Content-Type": "application/json"}


def _create(world: EditWorld, user: str = "planner", **props: Any) -> str:
    slug = f"red-team-{next(_ids)}"
    response = world.client.post("/api/projects", json=new_feature(slug, **props), headers=world.auth(user))
    assert response.status_code == 201, response.text
    return slug


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_numbers_in_edits_are_422_naming_the_field(world: EditWorld, literal: str) -> None:
    slug = _create(world)
    before = world.snapshot(slug)
    planner = {**world.auth("planner"), **JSON}
    cases = [
        ("PATCH", f"/api/projects/{slug}", f'{{"geometry": {{"type": "Point", "coordinates": [{literal}, 25.0]}}}}',
         "geometry"),
        ("PATCH", f"/api/projects/{slug}", f'{{"properties": {{"planned_investment_cny_100m": {literal}}}}}',
         "planned_investment_cny_100m"),
        ("PATCH", f"/api/projects/{slug}", f'{{"properties": {{"figures": {{"beds": {literal}}}}}}}', "figures"),
        ("POST", f"/api/projects/{slug}/status", f'{{"status": "preparing", "date": "2024-01-01", "note": {literal}}}',
         "note"),
    ]  # fmt: skip
    for method, url, body, field in cases:
        headers = {**planner, "If-Match": etag_of(world.client, slug)}
        response = world.client.request(method, url, content=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text
    assert world.snapshot(slug) == before


@pytest.mark.parametrize("status", ["postponed", "cancelled", "merged"])
def test_creating_a_project_that_needs_a_reason_is_422_not_500(world: EditWorld, status: str) -> None:
    slug = f"ended-{status}"
    response = world.client.post("/api/projects", json=new_feature(slug, status=status), headers=world.auth("planner"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "properties", "status"]
    assert "reason" in response.text
    assert world.client.get(f"/api/projects/{slug}").status_code == 404


@contextmanager
def review_in(world: EditWorld, town: str) -> Iterator[None]:
    """`planmap towns review <town> --on` for the length of a test."""
    with world.engine.begin() as conn:
        set_town_review(conn, town, True, actor="test")
    try:
        yield
    finally:
        with world.engine.begin() as conn:
            set_town_review(conn, town, False, actor="test")


def _public_everywhere(world: EditWorld, slug: str) -> list[str]:
    """Where the public can see the project: the API, its town's list, the town's feed."""
    seen = []
    if world.client.get(f"/api/projects/{slug}").status_code == 200:
        seen.append("api")
    if slug in [f["id"] for f in world.client.get("/api/projects", params={"town": "xingzi"}).json()["features"]]:
        seen.append("list")
    if slug in world.client.get("/feeds/towns/xingzi.atom").text:
        seen.append("feed")
    return seen


def test_an_officials_new_project_in_a_reviewed_town_waits_for_a_planner(world: EditWorld) -> None:
    """Issue 15 item 1: it was 201 and public at once, while a PATCH by the same official was held (202)."""
    slug, second = f"reviewed-new-{next(_ids)}", f"reviewed-new-{next(_ids)}"
    official = world.auth("official_xingzi")
    with review_in(world, "xingzi"):
        held = world.client.post("/api/projects", json=new_feature(slug), headers=official)
        assert held.status_code == 202, held.text
        assert held.json()["state"] == "pending"
        assert _public_everywhere(world, slug) == []
        again = world.client.post("/api/projects", json=new_feature(slug), headers=official)
        assert again.status_code == 409  # the same new project is already waiting
        invalid = world.client.post("/api/projects", json=new_feature(second, category="spaceport"), headers=official)
        assert invalid.status_code == 422  # checked as if it were created

        pending = world.client.get("/api/proposals", headers=world.auth("planner")).json()
        mine = [p for p in pending if p["slug"] == slug]
        assert [p["id"] for p in mine] == [held.json()["proposal"]]
        assert mine[0]["patch"]["kind"] == "create" and mine[0]["proposed_by"] == "official_xingzi"

        approved = world.client.post(f"/api/proposals/{held.json()['proposal']}/approve", headers=world.auth("planner"))
        assert approved.status_code == 200, approved.text
        assert approved.json()["version"] == 1
        assert _public_everywhere(world, slug) == ["api", "list", "feed"]
        created = world.client.get(f"/api/projects/{slug}/history").json()[0]
        assert created["action"] == "create" and created["actor"] == "official_xingzi"
        assert "approved by planner" in created["note"]

        rejected_id = world.client.post("/api/projects", json=new_feature(second), headers=official).json()["proposal"]
        refused = world.client.post(
            f"/api/proposals/{rejected_id}/reject", json={"reason": "not in the plan"}, headers=world.auth("planner")
        )
        assert refused.status_code == 200
        assert _public_everywhere(world, second) == []
        # Planners still publish directly in a reviewed town.
        assert (
            world.client.post("/api/projects", json=new_feature(second), headers=world.auth("planner")).status_code
            == 201
        )


XIAN_SEAT = [112.28844, 24.92056]
ROUTE = "g537-lianzhou-fengyang-section"  # a road through dongbei, fengyang, lianzhou and xian


@pytest.fixture(scope="module")
def official_xian(world: EditWorld) -> dict[str, str]:
    with world.engine.begin() as conn:
        add_user(conn, "official_xian", PASSWORD, "official", "Xi'an official", ["xian"], actor="test")
    return world.auth("official_xian")


def _patch(world: EditWorld, slug: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return world.client.patch(
        f"/api/projects/{slug}", json=body, headers={**headers, "If-Match": etag_of(world.client, slug)}
    )


def test_an_official_cannot_file_a_project_under_their_town_wherever_it_lies(
    world: EditWorld, official_xian: dict[str, str]
) -> None:
    """Issue 15 item 3: declared towns differing from the geometry were only a Warning header."""
    slug = _create(world)
    before = world.snapshot(slug)
    moved = _patch(
        world, slug, world.auth("official_xingzi"),
        {"geometry": {"type": "Point", "coordinates": XIAN_SEAT}, "properties": {"towns": ["xingzi"]}},
    )  # fmt: skip
    assert moved.status_code == 403, moved.text
    assert "xian" in moved.json()["detail"]
    assert world.snapshot(slug) == before
    assert _patch(world, slug, official_xian, {"properties": {"name_en": "Mine now"}}).status_code == 403

    elsewhere = new_feature(f"filed-{next(_ids)}", XIAN_SEAT, towns=["xingzi"])
    created = world.client.post("/api/projects", json=elsewhere, headers=world.auth("official_xingzi"))
    assert created.status_code == 403 and "xian" in created.json()["detail"]
    claimed = new_feature(f"filed-{next(_ids)}", towns=["lianzhou", "xingzi"])  # at the Xingzi seat only
    created = world.client.post("/api/projects", json=claimed, headers=world.auth("official_xingzi"))
    assert created.status_code == 422, created.text
    assert created.json()["detail"][0]["loc"] == ["body", "properties", "towns"]
    assert "lies in xingzi" in created.json()["detail"][0]["msg"]


def test_an_official_cannot_take_a_route_away_from_the_other_towns(
    world: EditWorld, official_xian: dict[str, str]
) -> None:
    before = world.snapshot(ROUTE)
    declared = _patch(world, ROUTE, official_xian, {"properties": {"towns": ["xian"]}})
    assert declared.status_code == 422, declared.text
    assert "dongbei, fengyang, lianzhou, xian" in declared.json()["detail"][0]["msg"]
    shortened = _patch(
        world, ROUTE, official_xian,
        {"geometry": {"type": "LineString", "coordinates": [[112.285, 24.918], [112.292, 24.923]]}},
    )  # fmt: skip
    assert shortened.status_code == 403, shortened.text
    assert "out of dongbei, fengyang, lianzhou" in shortened.json()["detail"]
    assert world.snapshot(ROUTE) == before
    # Each town's official still edits it, and declaring the towns the route really crosses is fine.
    same = _patch(world, ROUTE, official_xian, {"properties": {"towns": ["dongbei", "fengyang", "lianzhou", "xian"]}})
    assert same.status_code == 200, same.text
    assert _patch(world, ROUTE, world.auth("official_lianzhou"), {"note": "checked"}).status_code == 200


def test_an_officials_move_within_their_town_derives_the_towns(world: EditWorld) -> None:
    slug = _create(world)
    moved = _patch(
        world, slug, world.auth("official_xingzi"),
        {"geometry": {"type": "Point", "coordinates": [112.56, 25.01]}, "properties": {"towns": ["xingzi"]}},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["properties"]["towns"] == ["xingzi"] and "warning" not in moved.headers
