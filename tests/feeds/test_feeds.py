"""Atom feeds of changes: valid Atom, newest first, exactly the right changes per project, town and category.

The changes are made through the API, as an editor would, in a database of this module's own.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser
import orjson
import pytest
from sqlalchemy import text

from tests.conftest import GEODATA
from tests.support.editing import EditWorld, etag_of, new_feature

ATOM = "{http://www.w3.org/2005/Atom}"
LIANZHOU_POINT = [112.3712, 24.78186]
SCRIPT_NOTE = "<script>alert('x')</script> & 规划局核实"


@dataclass
class History:
    moved: str  # created in Xingzi, status changed there, then moved to Lianzhou
    school: str  # created in Lianzhou, category education
    gone: str  # created then deleted: must never appear
    tanling: str  # a seeded project whose status changes


def _ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response


@pytest.fixture(scope="module")
def history(world: EditWorld) -> History:
    client, planner = world.client, world.auth("planner")

    def write(method: str, url: str, slug: str, body: dict[str, Any]) -> None:
        headers = {**planner, "If-Match": etag_of(client, slug)}
        _ok(client.request(method, url, json=body, headers=headers))

    _ok(client.post("/api/projects", json=new_feature("feed-moved", name_zh="星子测试卫生院"), headers=planner), 201)
    write(
        "POST",
        "/api/projects/feed-moved/status",
        "feed-moved",
        {"status": "preparing", "date": "2022-03-01", "note": SCRIPT_NOTE},
    )
    write(
        "PATCH",
        "/api/projects/feed-moved",
        "feed-moved",
        {"geometry": {"type": "Point", "coordinates": LIANZHOU_POINT}, "note": "选址调整到连州镇"},
    )
    school = new_feature("feed-school", LIANZHOU_POINT, name_zh="测试学校", name_en="Test school", category="education")
    _ok(client.post("/api/projects", json=school, headers=planner), 201)
    _ok(client.post("/api/projects", json=new_feature("feed-gone", name_zh="删除的项目"), headers=planner), 201)
    _ok(client.delete("/api/projects/feed-gone", headers={**planner, "If-Match": etag_of(client, "feed-gone")}))
    write(
        "POST",
        "/api/projects/tanling-pumped-storage/status",
        "tanling-pumped-storage",
        {"status": "under_construction", "date": "2023-06-15"},
    )
    return History("feed-moved", "feed-school", "feed-gone", "tanling-pumped-storage")


def _feed(world: EditWorld, url: str) -> Any:
    response = _ok(world.client.get(url))
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def _slug(entry: Any) -> str:
    return str(entry.link.rsplit("/projects/", 1)[1].split("?")[0])


def _audit_ids(world: EditWorld, slug: str) -> list[int]:
    with world.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT id FROM audit_log WHERE object_type = 'project' AND object_key = :s ORDER BY id DESC"),
                {"s": slug},
            ).scalars()
        )


def _catalog_slugs(**where: str) -> set[str]:
    features = orjson.loads((GEODATA / "projects.geojson").read_bytes())["features"]
    props = [f["properties"] for f in features]
    if "town" in where:
        return {p["slug"] for p in props if where["town"] in p["towns"]}
    return {p["slug"] for p in props if p["category"] == where["category"]}


def test_plan_feed_is_atom_newest_first(world: EditWorld, history: History) -> None:
    feed = _feed(world, "/feeds/plan.atom")
    assert feed.feed.title.startswith("全部项目变更")
    assert feed.feed.id and feed.feed.updated
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"].endswith("/feeds/plan.atom")
    assert links["alternate"].endswith("/")
    assert len(feed.entries) == 100  # the default limit: the seed alone wrote 167
    times = [datetime.fromisoformat(e.updated) for e in feed.entries]
    assert times == sorted(times, reverse=True)
    # Our changes are the newest, in reverse order of making them.
    assert [_slug(e) for e in feed.entries[:5]] == [history.tanling, history.school, *[history.moved] * 3]
    # Saying work began on 2023-06-15 records the actual start too (so no_recorded_start stops applying).
    assert feed.entries[0].title == "潭岭(天湖)抽水蓄能电站：状态 前期工作 → 在建；修改实际开工日期"
    assert feed.entries[0].author == "planner"
    assert feed.entries[0].link.endswith("/projects/tanling-pumped-storage")
    assert "生效日期：2023-06-15" in feed.entries[0].summary


def test_project_feed_lists_exactly_its_changes_with_stable_ids(world: EditWorld, history: History) -> None:
    feed = _feed(world, f"/feeds/projects/{history.moved}.atom")
    assert [e.id for e in feed.entries] == [f"tag:planmap,2026:audit/{i}" for i in _audit_ids(world, history.moved)]
    moved, status, created = feed.entries
    assert created.title == "星子测试卫生院：新增项目"
    assert "所在镇：星子镇" in created.summary
    assert status.title == "星子测试卫生院：状态 规划 → 前期工作"
    assert "状态：规划 → 前期工作" in status.summary
    assert moved.title == "星子测试卫生院：修改位置、所在镇、位置精度"
    assert "所在镇：星子镇 → 连州镇" in moved.summary
    assert "位置已改变" in moved.summary
    assert "说明：选址调整到连州镇" in moved.summary
    # Never coordinates: not the old seat, not the new point.
    raw = _ok(world.client.get(f"/feeds/projects/{history.moved}.atom")).text
    assert "112.55" not in raw and "112.3712" not in raw and "24.78" not in raw
    again = _feed(world, f"/feeds/projects/{history.moved}.atom")
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


def test_town_feed_follows_the_towns_projects_and_the_move_out(world: EditWorld, history: History) -> None:
    xingzi = _feed(world, "/feeds/towns/xingzi.atom?limit=500")
    assert xingzi.feed.title.startswith("星子镇项目变更")
    assert {link.rel: link.href for link in xingzi.feed.links}["alternate"].endswith("/towns/xingzi")
    ours = [(_slug(e), e.title) for e in xingzi.entries if _slug(e).startswith("feed-")]
    # Xingzi's readers see the project's life while it was theirs, up to and including its move away.
    assert ours == [
        (history.moved, "星子测试卫生院：修改位置、所在镇、位置精度"),
        (history.moved, "星子测试卫生院：状态 规划 → 前期工作"),
        (history.moved, "星子测试卫生院：新增项目"),
    ]
    seeded = [_slug(e) for e in xingzi.entries if not _slug(e).startswith("feed-")]
    # Each seeded project's creation once, and Tanling (in Xingzi) once more for its status change.
    assert history.tanling in _catalog_slugs(town="xingzi")
    assert sorted(seeded) == sorted([*_catalog_slugs(town="xingzi"), history.tanling])

    lianzhou = _feed(world, "/feeds/towns/lianzhou.atom?limit=500")
    ours = [(_slug(e), e.title) for e in lianzhou.entries if _slug(e).startswith("feed-")]
    assert ours == [
        (history.school, "测试学校：新增项目"),
        (history.moved, "星子测试卫生院：修改位置、所在镇、位置精度"),
    ]
    seeded = [_slug(e) for e in lianzhou.entries if not _slug(e).startswith("feed-")]
    assert sorted(set(seeded)) == sorted(_catalog_slugs(town="lianzhou"))


def test_category_feed_lists_exactly_the_categorys_changes(world: EditWorld, history: History) -> None:
    feed = _feed(world, "/feeds/categories/education.atom?limit=500")
    assert feed.feed.title.startswith("教育")
    slugs = [_slug(e) for e in feed.entries]
    assert slugs[0] == history.school
    assert sorted(slugs) == sorted(_catalog_slugs(category="education") | {history.school})
    assert all(e.tags[0].term == "education" for e in feed.entries)
    energy = _feed(world, "/feeds/categories/energy.atom?limit=500")
    assert [_slug(e) for e in energy.entries].count(history.tanling) == 2  # seeded, then its status change


def test_deleted_project_never_appears(world: EditWorld, history: History) -> None:
    for url in ("/feeds/plan.atom?limit=500", "/feeds/towns/xingzi.atom?limit=500", "/feeds/categories/health.atom"):
        assert history.gone not in {_slug(e) for e in _feed(world, url).entries}
    assert world.client.get(f"/feeds/projects/{history.gone}.atom").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/feeds/towns/atlantis.atom", "/feeds/categories/spaceport.atom", "/feeds/projects/no-such-project.atom"],
)
def test_unknown_scope_is_404(world: EditWorld, url: str) -> None:
    assert world.client.get(url).status_code == 404


def test_a_note_with_markup_comes_out_as_text(world: EditWorld, history: History) -> None:
    response = _ok(world.client.get(f"/feeds/projects/{history.moved}.atom"))
    root = ET.fromstring(response.content)
    assert not root.findall(".//script") and "<script>" not in response.text
    summaries = [s.text or "" for s in root.iter(f"{ATOM}summary")]
    assert any(f"说明：{SCRIPT_NOTE}" in s for s in summaries)
    entry = next(e for e in _feed(world, f"/feeds/projects/{history.moved}.atom").entries if "script" in e.summary)
    assert entry.summary_detail.type == "text/plain"
    assert SCRIPT_NOTE in entry.summary


def test_english_and_limit(world: EditWorld, history: History) -> None:
    feed = _feed(world, f"/feeds/projects/{history.moved}.atom?lang=en&limit=2")
    assert feed.feed.title.startswith("Test health centre: changes")
    assert [e.title for e in feed.entries] == [
        "Test health centre: changed location, towns, location precision",
        "Test health centre: status Planned → Preparing",
    ]
    assert "Towns: Xingzi → Lianzhou" in feed.entries[0].summary
    assert feed.entries[0].link.endswith(f"/projects/{history.moved}?lang=en")
    assert world.client.get("/feeds/plan.atom?limit=0").status_code == 422
    assert world.client.get("/feeds/plan.atom?limit=100000").status_code == 422


def test_sensitive_site_feed_says_nothing_about_where(world: EditWorld, history: History) -> None:
    """A site the public sees only at its town: its feed must not even say that it moved, nor how."""
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET sensitive = true WHERE slug = :s"), {"s": history.moved})
    try:
        feed = _feed(world, f"/feeds/projects/{history.moved}.atom")
        moved = feed.entries[0]
        assert moved.title == "星子测试卫生院：修改所在镇"
        assert "位置" not in moved.summary.replace("说明：选址调整到连州镇", "")
        assert all("位置精度" not in e.summary for e in feed.entries)
    finally:
        with world.engine.begin() as conn:
            conn.execute(text("UPDATE projects SET sensitive = false WHERE slug = :s"), {"s": history.moved})


def test_pages_announce_their_feeds(world: EditWorld) -> None:
    page = _ok(world.client.get("/towns/xingzi?lang=en")).text
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/towns/xingzi.atom?lang=en"' in page
    assert 'href="/feeds/plan.atom?lang=en"' in page
    project = _ok(world.client.get("/projects/tanling-pumped-storage")).text
    assert 'type="application/atom+xml" href="/feeds/projects/tanling-pumped-storage.atom"' in project
    for href in ("/feeds/towns/xingzi.atom?lang=en", "/feeds/projects/tanling-pumped-storage.atom"):
        _feed(world, href)
