"""Plan monitoring: dated status timelines, planned versus actual, computed warnings, the
programme as of a date, honest endings, sensitive sites and review before publishing.

Expected values are computed by hand from the dates set up here. Recording dates cannot
be chosen through the API (the server stamps them), so after making the edits the test
moves each version's recording time to a fixed date, as if the edits had been made then.
"""

import itertools
import json
from typing import Any

import pyogrio
import pytest
from sqlalchemy import text

from app.core import clock
from tests.support.editing import EditWorld, etag_of, new_feature, record_dates

_ids = itertools.count()
SEAT = [112.55, 25.0]
SURVEYED = [112.5631, 25.0217]  # inside Xingzi, away from the seat
SECRET = [112.5587, 25.0163]  # a sensitive site's precise place, also in Xingzi


def _create(world: EditWorld, **props: Any) -> str:
    slug = f"monitored-{next(_ids)}"
    response = world.client.post("/api/projects", json=new_feature(slug, **props), headers=world.auth("planner"))
    assert response.status_code == 201, response.text
    return slug


def _patch(world: EditWorld, slug: str, user: str, body: dict[str, Any]) -> Any:
    return world.client.patch(
        f"/api/projects/{slug}", json=body, headers={**world.auth(user), "If-Match": etag_of(world.client, slug)}
    )


def _status(world: EditWorld, slug: str, user: str, **body: Any) -> Any:
    return world.client.post(
        f"/api/projects/{slug}/status", json=body, headers={**world.auth(user), "If-Match": etag_of(world.client, slug)}
    )


def _as_of(world: EditWorld, slug: str, day: str) -> dict[str, Any] | None:
    response = world.client.get(f"/api/projects/{slug}", params={"as_of": day})
    return response.json() if response.status_code == 200 else None


@pytest.fixture(scope="module")
def timeline(world: EditWorld) -> str:
    """Created planned; planned 2022-01-01 → 2024-06-30 for 10 亿元; preparing from 2022-03-01,
    under construction from 2023-06-15; moved to its surveyed site (recorded 2023-09-01)."""
    slug = _create(world)
    assert _patch(world, slug, "planner", {"properties": {
        "planned_start": "2022-01-01", "planned_end": "2024-06-30", "planned_investment_cny_100m": 10}}
    ).status_code == 200  # fmt: skip
    assert _status(world, slug, "official_xingzi", status="preparing", date="2022-03-01").status_code == 200
    assert _status(world, slug, "official_xingzi", status="under_construction", date="2023-06-15").status_code == 200
    moved = _patch(world, slug, "official_xingzi", {"geometry": {"type": "Point", "coordinates": SURVEYED}})
    assert moved.status_code == 200
    record_dates(world, slug, ["2022-01-10", "2022-01-11", "2022-03-02", "2023-06-16", "2023-09-01"])
    return slug


@pytest.mark.parametrize(
    ("day", "status", "where", "warnings", "rag"),
    [
        ("2022-02-01", "planned", SEAT, ["late_start"], "amber"),
        ("2022-06-30", "preparing", SEAT, ["late_start"], "amber"),
        ("2023-08-31", "under_construction", SEAT, [], "green"),
        ("2023-12-31", "under_construction", SURVEYED, [], "green"),
        ("2025-06-30", "under_construction", SURVEYED, ["late_completion", "stale"], "red"),
    ],
)
def test_as_of_shows_the_programme_as_it_stood(
    world: EditWorld, timeline: str, day: str, status: str, where: list[float], warnings: list[str], rag: str
) -> None:
    feature = _as_of(world, timeline, day)
    assert feature is not None
    props = feature["properties"]
    assert (props["status"], feature["geometry"]["coordinates"], props["warnings"], props["rag"]) == (
        status, where, warnings, rag,
    )  # fmt: skip


def test_as_of_before_the_project_was_recorded_has_no_project(world: EditWorld, timeline: str) -> None:
    assert _as_of(world, timeline, "2021-12-31") is None
    listed = world.client.get("/api/projects", params={"as_of": "2021-12-31", "town": "xingzi"}).json()
    assert timeline not in [f["id"] for f in listed["features"]]
    assert world.client.get("/api/projects", params={"as_of": "2999-01-01"}).status_code == 422


def test_the_seeded_catalog_counts_from_the_plan(world: EditWorld) -> None:
    before = world.client.get("/api/stats", params={"as_of": "2021-03-31"}).json()
    after = world.client.get("/api/stats", params={"as_of": "2021-06-30"}).json()
    assert before["total"] == 0
    assert after["total"] >= 167


def test_warnings_today_and_the_warning_filter(world: EditWorld, timeline: str) -> None:
    today = world.client.get(f"/api/projects/{timeline}").json()["properties"]
    # Edited today in the live record, so not stale; its planned end (2024-06-30) has passed.
    assert today["warnings"] == ["late_completion"] and today["rag"] == "red"
    spent = _patch(world, timeline, "official_xingzi", {"properties": {"actual_spend_cny_100m": 12.5}})
    assert spent.status_code == 200
    assert "over_budget" in spent.json()["properties"]["warnings"]
    # Officials record what happened; only planners set what was planned.
    refused = _patch(world, timeline, "official_xingzi", {"properties": {"planned_investment_cny_100m": 20}})
    assert refused.status_code == 403

    late = _create(world)
    assert _patch(world, late, "planner", {"properties": {"planned_start": "2023-01-01"}}).status_code == 200
    found = world.client.get("/api/projects", params={"warning": "late_start", "town": "xingzi"}).json()
    ids = [f["id"] for f in found["features"]]
    assert late in ids and timeline not in ids
    assert all("late_start" in f["properties"]["warnings"] for f in found["features"])


def test_stats_roll_warnings_up_by_town_and_chapter(world: EditWorld, timeline: str) -> None:
    stats = world.client.get("/api/stats").json()
    xingzi = next(t for t in stats["by_town"] if t["town"] == "xingzi")
    listed = world.client.get("/api/projects", params={"town": "xingzi"}).json()["features"]
    expected: dict[str, int] = {}
    for f in listed:
        for w in f["properties"]["warnings"]:
            expected[w] = expected.get(w, 0) + 1
    assert xingzi["warnings"] == expected
    assert sum(xingzi["rag"].values()) == len(listed)
    chapters = {c["chapter"]: c for c in stats["by_chapter"]}
    assert sum(c["total"] for c in chapters.values()) == stats["total"]


def test_compare_two_dates(world: EditWorld, timeline: str) -> None:
    body = world.client.get("/api/stats/compare", params={"from": "2022-06-30", "to": "2023-12-31"}).json()
    changed = {c["slug"]: (c["status_before"], c["status_after"]) for c in body["status_changes"]}
    assert changed[timeline] == ("preparing", "under_construction")
    xingzi = next(t for t in body["by_town_change"] if t["town"] == "xingzi")
    assert xingzi["counts"]["under_construction"] >= 1 and xingzi["counts"]["preparing"] <= -1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2023-12-31", "to": "2022-06-30"}, "date_order"),
        ({"from": "2022-06-30", "to": "2999-01-01"}, "date_in_future"),
    ],
)
def test_compare_names_its_refusals_for_pages(world: EditWorld, params: dict[str, str], code: str) -> None:
    """A page says these in its reader's language: the refusal carries a stable name beside the English."""
    response = world.client.get("/api/stats/compare", params=params)
    assert response.status_code == 422 and response.headers["X-Planmap-Error"] == code
    if code == "date_in_future":
        assert json.loads(response.headers["X-Planmap-Error-Params"]) == {"today": clock.today().isoformat()}


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"status": "postponed"}, 422, "needs a reason"),
        ({"status": "cancelled", "reason": "  "}, 422, "needs a reason"),
        ({"status": "merged", "reason": "combined"}, 422, "merged into"),
        ({"status": "merged", "reason": "combined", "merged_into": "no-such"}, 422, "no other project"),
        ({"status": "postponed", "reason": "land acquisition pending"}, 200, None),
    ],
)
def test_honest_endings_need_a_reason(world: EditWorld, body: dict[str, Any], code: int, words: str | None) -> None:
    slug = _create(world)
    response = _status(world, slug, "planner", date="2024-01-01", **body)
    assert response.status_code == code, response.text
    if words:
        assert words in response.text
    else:
        assert response.json()["properties"]["status_reason"] == "land acquisition pending"


def test_a_merger_names_its_target(world: EditWorld) -> None:
    slug, target = _create(world), _create(world)
    response = _status(
        world, slug, "planner", date="2024-02-01", status="merged", reason="one site", merged_into=target
    )
    assert response.status_code == 200
    assert response.json()["properties"]["merged_into"] == target
    assert "merged" not in response.json()["properties"]["warnings"]


def _public_texts(world: EditWorld, slug: str) -> dict[str, str]:
    c = world.client
    return {
        "feature": c.get(f"/api/projects/{slug}").text,
        "list": c.get("/api/projects", params={"town": "xingzi"}).text,
        "bbox": c.get("/api/projects", params={"bbox": "112.555,25.012,112.562,25.02"}).text,
        "near": c.get("/api/projects", params={"near": "112.5580,25.0170", "radius_m": 500}).text,
        "csv": c.get("/api/projects", params={"format": "csv", "town": "xingzi"}).text,
        "export-geojson": c.get("/api/export", params={"format": "geojson", "town": "xingzi"}).text,
        "export-kml": c.get("/api/export", params={"format": "kml", "town": "xingzi"}).text,
        "ogc-items": c.get("/ogc/collections/projects/items", params={"limit": 1000}).text,
        "ogc-item": c.get(f"/ogc/collections/projects/items/{slug}").text,
        "history": c.get(f"/api/projects/{slug}/history").text,
        "page": c.get(f"/projects/{slug}").text,
        "as-of": c.get(f"/api/projects/{slug}", params={"as_of": clock.today().isoformat()}).text,
    }


def test_the_public_never_receives_a_sensitive_sites_coordinates(world: EditWorld, tmp_path: Any) -> None:
    slug = _create(world)
    assert _patch(world, slug, "planner", {"geometry": {"type": "Point", "coordinates": SECRET}}).status_code == 200
    marked = _patch(world, slug, "planner", {"properties": {"sensitive": True}})
    assert marked.status_code == 200
    assert marked.json()["geometry"]["coordinates"] == SECRET  # staff see it precisely

    texts = _public_texts(world, slug)
    for name, body in texts.items():
        assert "112.5587" not in body and "25.0163" not in body, name
    assert slug not in texts["near"] and slug not in texts["bbox"]  # searched by its generalized place only
    public = world.client.get(f"/api/projects/{slug}").json()
    assert public["geometry"]["coordinates"] == SEAT and public["properties"]["location_precision"] == "town"
    gpkg = tmp_path / "x.gpkg"
    gpkg.write_bytes(world.client.get("/api/export", params={"format": "gpkg", "town": "xingzi"}).content)
    frame = pyogrio.read_dataframe(gpkg)
    point = frame[frame["slug"] == slug].geometry.iloc[0]
    assert (round(point.x, 4), round(point.y, 4)) == tuple(SEAT)
    staff = world.client.get(f"/api/projects/{slug}", headers=world.auth("official_xingzi")).json()
    assert staff["geometry"]["coordinates"] == SECRET


def test_review_before_publishing_holds_an_officials_edit(world: EditWorld) -> None:
    slug = _create(world)
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE towns SET review_required = true WHERE slug = 'xingzi'"))
    try:
        held = _patch(world, slug, "official_xingzi", {"properties": {"name_en": "Proposed name"}})
        assert held.status_code == 202
        proposal = held.json()["proposal"]
        assert world.client.get(f"/api/projects/{slug}").json()["properties"]["name_en"] == "Test health centre"
        bad = _patch(world, slug, "official_xingzi", {"properties": {"status": "finished"}})
        assert bad.status_code == 422  # a proposal is validated like an edit
        assert world.client.get("/api/proposals", headers=world.auth("official_xingzi")).status_code == 403
        pending = world.client.get("/api/proposals", headers=world.auth("planner")).json()
        assert [p["id"] for p in pending if p["slug"] == slug] == [proposal]

        approved = world.client.post(f"/api/proposals/{proposal}/approve", headers=world.auth("planner"))
        assert approved.status_code == 200
        assert world.client.get(f"/api/projects/{slug}").json()["properties"]["name_en"] == "Proposed name"
        last = world.client.get(f"/api/projects/{slug}/history").json()[-1]
        assert last["actor"] == "official_xingzi" and "approved by planner" in last["note"]

        second = _patch(world, slug, "official_xingzi", {"properties": {"name_en": "Rejected name"}}).json()
        rejected = world.client.post(
            f"/api/proposals/{second['proposal']}/reject", json={"reason": "not the official name"},
            headers=world.auth("planner"),
        )  # fmt: skip
        assert rejected.status_code == 200
        assert world.client.get(f"/api/projects/{slug}").json()["properties"]["name_en"] == "Proposed name"
        # Planners publish directly even in a reviewed town.
        assert _patch(world, slug, "planner", {"properties": {"name_en": "Direct"}}).status_code == 200
    finally:
        with world.engine.begin() as conn:
            conn.execute(text("UPDATE towns SET review_required = false WHERE slug = 'xingzi'"))


def test_version_snapshots_keep_every_column(world: EditWorld) -> None:
    def columns(table: str) -> list[str]:
        with world.engine.connect() as conn:
            return sorted(
                conn.execute(
                    text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"), {"t": table}
                ).scalars()
            )

    versions = [c for c in columns("project_versions") if c not in ("valid_from", "valid_to")]
    assert versions == columns("projects") == columns("projects_public")


@pytest.mark.parametrize("session_zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
@pytest.mark.parametrize(
    ("info_date", "precision", "stale"),
    [
        ("2026-01-04", "day", True),  # the day before 5 January: more than 180 days before 4 July
        ("2026-01-05", "day", False),
        ("2025-12-01", "month", True),  # December 2025: at the latest 31 December
        ("2026-01-01", "month", False),  # January 2026: it may date from 31 January
        ("2025-01-01", "year", True),  # 2025: at the latest 31 December 2025
    ],
)
def test_stale_counts_from_the_latest_day_the_information_may_date_from(
    world: EditWorld, session_zone: str, info_date: str, precision: str, stale: bool
) -> None:
    """180 days before 4 July 2026 is 5 January; information known only to its month or year is taken at
    its latest possible day, so `stale` never claims more age than the data proves, in any session zone."""
    with world.engine.connect() as conn:
        conn.execute(text("SELECT set_config('TimeZone', :z, false)"), {"z": session_zone})
        warnings = conn.execute(
            text(
                "SELECT project_warnings('under_construction', 2021, 2030, NULL, NULL, NULL, DATE '2021-05-01', "
                "NULL, NULL, CAST(:d AS date), :p, DATE '2025-12-31', DATE '2026-07-04', 180)"
            ),
            {"d": info_date, "p": precision},
        ).scalar_one()
    assert ("stale" in warnings) is stale
