"""Low-zoom tiles counted from the keys the database keeps (migration 0019) equal the tiles counted live.

A public tile up to z=10 reads its cells' counts from `stats_project_keys` (one index range per
tile) instead of visiting every project in it. Whatever wrote the projects, the tile must be the
same bytes as the one the live query builds project by project: the same cells with the same
counts and warning mixes, the same projects drawn whole or alone in their cell, for every filter
the keys answer (town, status, category, warning) and on reference days before and after the
catalog's warnings turn on. Checked after API creation, a move, a status change, deletion and
restore, a site made sensitive (the public sees it at its town seat) and that seat moved, towns
changed in SQL, and `planmap dev synth` with its wipe.
"""

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from app.catalog.synth import synthesize
from app.catalog.vocab import Category, Status, WarningKind
from app.queries.project_filter import ProjectFilter
from app.queries.tiles import keys_apply, tile_sql
from tests.conftest import GEODATA
from tests.support.editing import EditWorld, new_feature, open_world, planner_write

# The county at z=8 (two tiles), and the tiles holding Lianzhou's and Xingzi's seats below it.
TILES = [(8, 207, 109), (8, 208, 109), (10, 831, 439), (9, 415, 219), (6, 51, 27), (10, 830, 438)]
FILTERS = [
    {},
    {"towns": ["xingzi"]},
    {"statuses": [Status("planned"), Status("under_construction")]},
    {"categories": [Category("road"), Category("health")], "towns": ["lianzhou", "xingzi"]},
    {"warnings": [WarningKind("stale")]},
    {"warnings": [WarningKind("late_start"), WarningKind("over_budget")]},
]
DAYS = [date(2021, 6, 30), date(2026, 1, 2), date(2045, 1, 1)]
_ids = itertools.count()


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_tilekeys") as w:
        yield w


def _tile(world: EditWorld, flt: ProjectFilter, tile: tuple[int, int, int], day: date, keys: bool) -> bytes:
    z, x, y = tile
    sql, params = tile_sql(flt, z, keys=keys)
    with world.engine.connect() as conn:
        body = conn.execute(text(sql), {**params, "f_ref_date": day, "z": z, "x": x, "y": y}).scalar_one()
    return bytes(body or b"")


def assert_tiles_are_live(world: EditWorld) -> int:
    """Every tile from the keys is byte for byte the live one; returns how many projects the tiles counted."""
    counted = 0
    for filters, tile, day in itertools.product(FILTERS, TILES, DAYS):
        flt = ProjectFilter(**filters)
        assert keys_apply(flt)
        kept, live = _tile(world, flt, tile, day, keys=True), _tile(world, flt, tile, day, keys=False)
        assert kept == live, (filters, tile, day)
        if not filters and day == DAYS[0] and tile[0] == 8:
            clusters = mapbox_vector_tile.decode(kept).get("clusters", {}).get("features", [])
            counted += sum(f["properties"]["count"] for f in clusters)
    return counted


def _tile_counts(world: EditWorld, z: int, x: int, y: int) -> dict[str, Any]:
    response = world.client.get(f"/tiles/{z}/{x}/{y}.pbf", headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200
    decoded: dict[str, Any] = mapbox_vector_tile.decode(response.content)
    return decoded


def test_tiles_from_the_keys_equal_the_live_tiles_after_every_kind_of_write(world: EditWorld) -> None:
    assert assert_tiles_are_live(world) > 0  # the county's seats are crowded: the check compares real counts

    # Ten projects at one spot make one cell of ten more; the API's tile (from the keys) shows them.
    before = _tile_counts(world, 10, 831, 439)
    slugs = [f"tilekeys-{next(_ids)}" for _ in range(10)]
    for slug in slugs:
        created = world.client.post(
            "/api/projects", json=new_feature(slug, [112.3811, 24.7711]), headers=world.auth("planner")
        )
        assert created.status_code == 201, created.text
    after = _tile_counts(world, 10, 831, 439)
    total = sum(f["properties"]["count"] for f in after.get("clusters", {}).get("features", []))
    assert total == sum(f["properties"]["count"] for f in before.get("clusters", {}).get("features", [])) + 10
    assert_tiles_are_live(world)

    moved, status, deleted_one, sensitive = slugs[:4]
    planner_write(
        world, "PATCH", f"/api/projects/{moved}", moved, {"geometry": {"type": "Point", "coordinates": [112.35, 24.90]}}
    )
    planner_write(
        world, "POST", f"/api/projects/{status}/status", status, {"status": "under_construction", "date": "2026-10-01"}
    )
    planner_write(world, "PATCH", f"/api/projects/{status}", status,
           {"properties": {"planned_investment_cny_100m": 1, "actual_spend_cny_100m": 2}})  # fmt: skip
    assert_tiles_are_live(world)

    deleted = planner_write(world, "DELETE", f"/api/projects/{deleted_one}", deleted_one)
    assert_tiles_are_live(world)
    restored = world.client.post(
        f"/api/projects/{deleted_one}/restore", headers={**world.auth("planner"), "If-Match": deleted}
    )
    assert restored.status_code == 200, restored.text
    assert_tiles_are_live(world)

    # A sensitive site: the public's tile counts it at its town's seat, and follows the seat when it moves.
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET sensitive = true, version = version + 1 WHERE slug = :s"),
                     {"s": sensitive})  # fmt: skip
    assert_tiles_are_live(world)
    with world.engine.begin() as conn:
        conn.execute(text("""UPDATE towns SET seat = ST_SetSRID(ST_MakePoint(112.45, 24.70), 4326)
                             WHERE id = (SELECT pt.town_id FROM project_towns pt JOIN projects p ON p.id = pt.project_id
                                         WHERE p.slug = :s LIMIT 1)"""), {"s": sensitive})  # fmt: skip
    assert_tiles_are_live(world)

    # Towns changed behind the app's back, then synthetic projects and their wipe.
    with world.engine.begin() as conn:
        conn.execute(text("""INSERT INTO project_towns (project_id, town_id) SELECT p.id, t.id
                             FROM projects p, towns t WHERE p.slug = :s AND t.slug = 'lianzhou'
                             ON CONFLICT DO NOTHING"""), {"s": moved})  # fmt: skip
    assert_tiles_are_live(world)
    synthesize(world.engine, GEODATA, 300, seed=11)
    assert_tiles_are_live(world)
    synthesize(world.engine, GEODATA, 0, wipe_first=True)
    assert_tiles_are_live(world)


def test_tiles_the_keys_cannot_answer_stay_live(world: EditWorld) -> None:
    """Staff (precise geometry), a past day, a bbox, a text search, the cycle's flags (no_report, behind): the keys
    hold none of them."""
    for flt in (
        ProjectFilter(slugs=("lianzhou-hospital",)),
        ProjectFilter(staff=True),
        ProjectFilter(as_of=date(2024, 1, 1)),
        ProjectFilter(bbox=(112.3, 24.7, 112.5, 24.9)),
        ProjectFilter(q="高速"),
    ):
        assert not keys_apply(flt)
    staff = world.client.get("/tiles/8/207/109.pbf", headers={**world.auth("planner"), "Cache-Control": "no-cache"})
    assert staff.status_code == 200 and mapbox_vector_tile.decode(staff.content)["projects"]["features"]
