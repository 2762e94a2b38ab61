"""The OC4IDS project package: the whole catalog validates against the OC4IDS 0.9.5 schema, every planmap
status has its OC4IDS code, sensitive sites are generalised, and what planmap does not know is left out."""

import json
from typing import Any

import pytest
from sqlalchemy import text

from app.exports.oc4ids import ID_PREFIX, STATUS_CODES, validate_package
from tests.reports.conftest import CANCELLED, COMPLETED, MERGED, POSTPONED, REVISED, SENSITIVE, SUSPENDED
from tests.support.editing import EditWorld

# What each planmap status becomes in OC4IDS's projectStatus codelist; None: no code fits, so none is given.
EXPECTED_CODES = {
    "planned": "identification",
    "preparing": "preparation",
    "under_construction": "implementation",
    "completed": "completion",
    "existing": "maintenance",
    "suspended": None,
    "postponed": None,
    "cancelled": "cancelled",
    "merged": "cancelled",
}


@pytest.fixture(scope="module")
def package(bureau: EditWorld) -> dict[str, Any]:
    response = bureau.client.get("/api/export/oc4ids")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "oc4ids" in response.headers["content-disposition"]
    return dict(response.json())


def by_slug(package: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(p for p in package["projects"] if p["id"] == ID_PREFIX + slug)


def test_the_whole_catalog_validates_with_zero_errors(package: dict[str, Any], bureau: EditWorld) -> None:
    assert validate_package(package) == []
    with bureau.engine.connect() as conn:
        live = conn.execute(text("SELECT count(*) FROM projects WHERE deleted_at IS NULL")).scalar_one()
    assert len(package["projects"]) == live


def test_validation_finds_a_broken_package(package: dict[str, Any]) -> None:
    broken = {**package, "projects": [{**package["projects"][0], "status": "suspended"}]}
    problems = validate_package(broken)
    assert [p.path for p in problems] == ["/projects/0/status"]


@pytest.mark.parametrize("status", sorted(EXPECTED_CODES))
def test_each_planmap_status_maps_to_its_oc4ids_code(status: str, bureau: EditWorld) -> None:
    assert STATUS_CODES[status] == EXPECTED_CODES[status]
    with bureau.engine.connect() as conn:
        known = set(conn.execute(text("SELECT code FROM project_statuses")).scalars())
    assert known == set(STATUS_CODES), "a planmap status without an OC4IDS mapping"


@pytest.mark.parametrize(
    ("slug", "code"),
    [(COMPLETED, "completion"), (CANCELLED, "cancelled"), (MERGED, "cancelled"), (POSTPONED, None), (SUSPENDED, None)],
)
def test_the_package_carries_the_mapped_status(package: dict[str, Any], slug: str, code: str | None) -> None:
    assert by_slug(package, slug).get("status") == code


def test_a_sensitive_site_is_at_its_town_seat(package: dict[str, Any], bureau: EditWorld) -> None:
    location = by_slug(package, SENSITIVE)["locations"][0]
    with bureau.engine.connect() as conn:
        at_seat, at_site = conn.execute(
            text(
                """SELECT ST_Equals(t.seat, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)),
                          ST_Equals(p.geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326))
                   FROM projects p JOIN project_towns pt ON pt.project_id = p.id JOIN towns t ON t.id = pt.town_id
                   WHERE p.slug = :s ORDER BY t.slug LIMIT 1"""
            ),
            {"s": SENSITIVE, "g": json.dumps(location["geometry"])},
        ).one()
    assert at_seat and not at_site
    assert location["description"].startswith("Town seat only")


def test_completion_and_reasons(package: dict[str, Any]) -> None:
    done = by_slug(package, COMPLETED)
    assert done["completion"]["endDate"] == "2025-10-20T00:00:00+08:00"
    assert done["completion"]["finalValue"] == {"amount": 135_000_000, "currency": "CNY"}
    assert done["budget"]["amount"] == {"amount": 120_000_000, "currency": "CNY"}
    assert done["period"] == {"startDate": "2022-03-01T00:00:00+08:00", "endDate": "2025-06-30T23:59:59+08:00"}
    assert by_slug(package, CANCELLED)["completion"]["finalScopeDetails"] == "选址位于生态保护红线内"
    assert ID_PREFIX + "baoan-fushan-forest-park" in by_slug(package, MERGED)["completion"]["finalScopeDetails"]
    completion = next(m for m in by_slug(package, REVISED)["milestones"] if m["code"] == "completion")
    assert completion["dueDate"] == "2026-12-31T23:59:59+08:00" and "汛期延长施工" in completion["description"]
    postponed = by_slug(package, POSTPONED)
    assert "资金未落实" in next(m for m in postponed["milestones"] if m["code"] == "completion")["description"]


def test_missing_information_is_left_out(package: dict[str, Any]) -> None:
    """A seeded project with no dates, money or unit has no period, budget, completion or authority."""
    plain = [p for p in package["projects"] if "period" not in p]
    assert plain, "the seed has projects without dates"
    for project in plain:
        assert "completion" not in project or project.get("status") in ("cancelled", "completion")
    without_money = [p for p in package["projects"] if "budget" not in p]
    assert without_money
    assert all("amount" in p["budget"] for p in package["projects"] if "budget" in p)
