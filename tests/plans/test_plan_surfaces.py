"""`?plan=` on the surfaces read outside the API: the Atom feeds, the wall map and the vector tiles each
show exactly the named plan's projects, default to the plan in force, and refuse an unknown plan.

The second plan is a FIXTURE (tests/support/plans.py, 测试夹具) holding one project carried over from
the 14th plan: no real 15th-plan project is invented.
"""

import io
import math
from collections.abc import Iterator

import feedparser
import mapbox_vector_tile
import pypdf
import pytest
from sqlalchemy import text

from app.wallmap.data import load_wallmap
from app.wallmap.document import render_wallmap
from tests.support.editing import EditWorld, open_world
from tests.support.plans import CARRIED, FIXTURE_PLAN, add_fixture_plan

ZOOM = 11  # above the grid of app/queries/tiles.py: every project drawn as itself


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_plan_surfaces") as w:
        add_fixture_plan(w.engine)
        yield w


def _members(world: EditWorld, plan: str) -> set[str]:
    with world.engine.connect() as conn:
        return set(
            conn.execute(
                text("""SELECT p.slug FROM plan_projects pp JOIN plans pl ON pl.id = pp.plan_id
                        JOIN projects p ON p.id = pp.project_id WHERE pl.slug = :plan"""),
                {"plan": plan},
            ).scalars()
        )


def _feed_slugs(world: EditWorld, path: str, **params: str) -> set[str]:
    response = world.client.get(path, params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    return {entry.link.rsplit("/projects/", 1)[1].split("?")[0] for entry in parsed.entries}


def test_feeds_follow_the_plan(world: EditWorld) -> None:
    assert _members(world, FIXTURE_PLAN) == {CARRIED}
    in_14th = _members(world, "lianzhou-14th")
    assert _feed_slugs(world, "/feeds/plan.atom", plan=FIXTURE_PLAN) == {CARRIED}
    assert _feed_slugs(world, "/feeds/plan.atom") == {CARRIED}  # the fixture plan is in force today
    assert _feed_slugs(world, "/feeds/plan.atom", plan="lianzhou-14th") == in_14th
    town_14th = _feed_slugs(world, "/feeds/towns/lianzhou.atom", plan="lianzhou-14th")
    assert CARRIED in town_14th and len(town_14th) > 1 and town_14th <= in_14th
    assert _feed_slugs(world, "/feeds/towns/lianzhou.atom", plan=FIXTURE_PLAN) == {CARRIED}
    # Each plan's feed is a feed of its own (its own id); a project's feed is its one history.
    ids = {
        plan: feedparser.parse(world.client.get("/feeds/plan.atom", params={"plan": plan}).content).feed.id
        for plan in (FIXTURE_PLAN, "lianzhou-14th")
    }
    assert ids[FIXTURE_PLAN] != ids["lianzhou-14th"]
    assert _feed_slugs(world, f"/feeds/projects/{CARRIED}.atom", plan="lianzhou-14th") == {CARRIED}
    unknown = world.client.get("/feeds/plan.atom", params={"plan": "no-such-plan"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "plan"]


def test_the_wall_map_is_of_one_plan_and_says_which(world: EditWorld) -> None:
    with world.engine.connect() as conn:
        fixture = load_wallmap(conn, "lianzhou", plan=FIXTURE_PLAN)
        in_force = load_wallmap(conn, "lianzhou")
        older = load_wallmap(conn, "lianzhou", plan="lianzhou-14th")
        assert load_wallmap(conn, "lianzhou", plan="no-such-plan") is None
    assert fixture is not None and in_force is not None and older is not None
    assert [p.slug for p in fixture.projects] == [CARRIED] == [p.slug for p in in_force.projects]
    assert len(older.projects) > 1 and CARRIED in {p.slug for p in older.projects}
    assert older.plan.short_zh == "“十四五”" and fixture.plan.short_zh == "“十五五”"  # read off the plans' names

    response = world.client.get("/towns/lianzhou/wallmap.pdf", params={"plan": FIXTURE_PLAN})
    assert response.status_code == 200
    assert f'filename="planmap-wallmap-lianzhou-{FIXTURE_PLAN}-' in response.headers["content-disposition"]
    extracted = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    squashed = "".join(extracted.split())
    assert "连州镇“十五五”规划项目图" in squashed and "（2026–2030年）" in squashed and "共1项" in squashed
    assert "测试夹具" in squashed  # the sources line names the plan shown
    older_pdf = pypdf.PdfReader(io.BytesIO(render_wallmap(older)))
    assert "“十四五”规划项目图" in "".join(older_pdf.pages[0].extract_text().split())
    assert world.client.get("/towns/lianzhou/wallmap.pdf", params={"plan": "nope"}).status_code == 422


def _tile_of(world: EditWorld, slug: str) -> str:
    """The tile at ZOOM holding a point of the project (Web Mercator tiling)."""
    with world.engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM projects WHERE slug = :s"),
            {"s": slug},
        ).one()
    n = 2**ZOOM
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{ZOOM}/{x}/{y}.pbf"


def test_tiles_hold_only_the_plans_projects(world: EditWorld) -> None:
    tile_path = _tile_of(world, CARRIED)

    def slugs(**params: str) -> set[str]:
        tile = world.client.get(tile_path, params=params)
        assert tile.status_code == 200, tile.text
        layer = mapbox_vector_tile.decode(tile.content).get("projects", {"features": []})
        return {f["properties"]["slug"] for f in layer["features"]}

    assert slugs(plan=FIXTURE_PLAN) == {CARRIED} == slugs()
    in_14th = slugs(plan="lianzhou-14th")
    assert CARRIED in in_14th and len(in_14th) > 1 and in_14th <= _members(world, "lianzhou-14th")
    assert world.client.get(tile_path, params={"plan": "nope"}).status_code == 422
