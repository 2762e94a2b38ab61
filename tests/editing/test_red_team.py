"""Regression tests for the red team's findings on editing (issue 15 items 1, 3 and 8).

Each failed before its fix: an official's new project skipped review, officials could take a
project out of other towns by declaring `towns`, and non-finite numbers or a constraint the
database enforces gave a 500 instead of a 422 naming the field.
"""

import itertools
from typing import Any

import pytest

from tests.support.editing import EditWorld, etag_of, new_feature, world

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
