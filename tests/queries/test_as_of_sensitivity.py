"""`?as_of=` applies *today's* sensitivity and deletions to every past version (issue 15, item 5).

A project recorded at its precise site and marked sensitive only later must not reappear at that
site when the public asks for a day before the marking: not on the API, the exports, the tiles
or the page. A project deleted today is gone from every past day too. Staff still read the past
precisely. Recording dates cannot be chosen through the API, so the test moves each version's
recording time to a fixed day after making the edits, as if they had been made then.
"""

import itertools
import math
from typing import Any

import mapbox_vector_tile
import pytest

from tests.support.editing import EditWorld, etag_of, new_feature, record_dates

_ids = itertools.count()
SEAT = [112.55, 25.0]  # Xingzi's town seat, where the public sees a sensitive site
SECRET = [112.5587, 25.0163]  # the precise site, recorded before anyone marked it sensitive
SECRET_TEXTS = ("112.5587", "25.0163")
BEFORE_MARKING = "2023-12-31"
DAYS = ["2022-01-10", "2023-03-01", "2024-05-01"]  # created at the seat, moved to SECRET, marked sensitive


def _create(world: EditWorld) -> str:
    slug = f"as-of-sensitive-{next(_ids)}"
    response = world.client.post("/api/projects", json=new_feature(slug), headers=world.auth("planner"))
    assert response.status_code == 201, response.text
    return slug


def _patch(world: EditWorld, slug: str, body: dict[str, Any]) -> None:
    headers = {**world.auth("planner"), "If-Match": etag_of(world.client, slug)}
    response = world.client.patch(f"/api/projects/{slug}", json=body, headers=headers)
    assert response.status_code == 200, response.text


def _moved_then_marked(world: EditWorld) -> str:
    slug = _create(world)
    _patch(world, slug, {"geometry": {"type": "Point", "coordinates": SECRET}})
    _patch(world, slug, {"properties": {"sensitive": True}})
    record_dates(world, slug, DAYS)
    return slug


@pytest.fixture(scope="module")
def marked(world: EditWorld) -> str:
    return _moved_then_marked(world)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def _tile_slugs(world: EditWorld, lon: float, lat: float, headers: dict[str, str] | None = None) -> set[str]:
    z = 16  # a tile about 600 m wide: the precise site and the town seat fall in different tiles
    x, y = _tile_of(lon, lat, z)
    response = world.client.get(f"/tiles/{z}/{x}/{y}.pbf", params={"as_of": BEFORE_MARKING}, headers=headers)
    assert response.status_code == 200, response.text
    layer = mapbox_vector_tile.decode(response.content).get("projects", {"features": []})
    return {f["properties"]["slug"] for f in layer["features"]}


def _public_surfaces(world: EditWorld, slug: str) -> dict[str, str]:
    """What the public receives about Xingzi's projects as of a day before the marking, surface by surface."""
    c, day = world.client, {"as_of": BEFORE_MARKING}
    return {
        "api-item": c.get(f"/api/projects/{slug}", params=day).text,
        "api-list": c.get("/api/projects", params={**day, "town": "xingzi"}).text,
        "api-csv": c.get("/api/projects", params={**day, "town": "xingzi", "format": "csv"}).text,
        "export-geojson": c.get("/api/export", params={**day, "town": "xingzi", "format": "geojson"}).text,
        "export-csv": c.get("/api/export", params={**day, "town": "xingzi", "format": "csv"}).text,
        "export-kml": c.get("/api/export", params={**day, "town": "xingzi", "format": "kml"}).text,
        "page": c.get(f"/projects/{slug}", params=day).text,
    }


def test_the_public_never_sees_a_past_precise_site_of_a_site_marked_sensitive_later(
    world: EditWorld, marked: str
) -> None:
    surfaces = _public_surfaces(world, marked)
    for name, body in surfaces.items():
        assert marked in body, name  # the project is there…
        assert not any(t in body for t in SECRET_TEXTS), name  # …but never at its precise site
    item = world.client.get(f"/api/projects/{marked}", params={"as_of": BEFORE_MARKING}).json()
    assert item["geometry"]["coordinates"] == SEAT
    assert item["properties"]["location_precision"] == "town"
    assert "Sensitive site" in item["properties"]["location_note"]
    near = world.client.get(
        "/api/projects", params={"as_of": BEFORE_MARKING, "near": "112.5587,25.0163", "radius_m": 300}
    ).json()
    assert marked not in {f["id"] for f in near["features"]}  # not found by searching around its real site


def test_public_tiles_of_a_past_day_draw_the_site_at_its_town_seat(world: EditWorld, marked: str) -> None:
    assert marked not in _tile_slugs(world, *SECRET)
    assert marked in _tile_slugs(world, *SEAT)


def test_staff_still_read_the_past_precisely(world: EditWorld, marked: str) -> None:
    staff = world.auth("planner")
    item = world.client.get(f"/api/projects/{marked}", params={"as_of": BEFORE_MARKING}, headers=staff).json()
    assert item["geometry"]["coordinates"] == SECRET
    assert item["properties"]["sensitive"] is True  # today's marking, shown on the past record
    assert marked in _tile_slugs(world, *SECRET, headers=staff)
    early = world.client.get(f"/api/projects/{marked}", params={"as_of": "2022-06-30"}, headers=staff).json()
    assert early["geometry"]["coordinates"] == SEAT  # where it was recorded then


def test_a_project_deleted_today_is_gone_from_every_past_day(world: EditWorld) -> None:
    slug = _create(world)
    _patch(world, slug, {"geometry": {"type": "Point", "coordinates": SECRET}})
    record_dates(world, slug, DAYS[:2])
    headers = {**world.auth("planner"), "If-Match": etag_of(world.client, slug)}
    assert world.client.delete(f"/api/projects/{slug}", headers=headers).status_code == 200
    day = {"as_of": BEFORE_MARKING}
    for auth in (None, "planner"):
        headers = world.auth(auth)
        assert world.client.get(f"/api/projects/{slug}", params=day, headers=headers).status_code == 404, auth
        listed = world.client.get("/api/projects", params={**day, "town": "xingzi"}, headers=headers).text
        exported = world.client.get("/api/export", params={**day, "format": "csv"}, headers=headers).text
        assert slug not in listed and slug not in exported, auth
    assert world.client.get(f"/projects/{slug}", params=day).status_code == 404
