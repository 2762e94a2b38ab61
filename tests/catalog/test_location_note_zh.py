"""The location note in Chinese (migration 0011) and refusals named by code (issue 18, item 2).

- the loader and the API take an optional `location_note_zh`; files without it still load;
- every version keeps it (as_of), and a sensitive site's public record shows a generalised Chinese
  note exactly as it does in English, through the API, as_of, and the page;
- the project page shows the note in the page's language, and the English one, marked, when no
  Chinese note has been written;
- a refused edit carries a stable code and params the page localizes (`X-Planmap-Error`).
"""

import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from app.catalog.seed import seed
from app.core import clock
from tests.conftest import GEODATA
from tests.support.editing import EditWorld, etag_of, new_feature, open_world

_ids = count(1)
NOTE_ZH = "近似位置：按规划所述的镇政府驻地以东约 1 公里估计，误差约 1 公里。"
NOTE_EN = "Approximate: estimated about 1 km east of the town seat the plan names; error about 1 km."
GENERALISED_ZH = "敏感场所：对公众只显示在其所在镇的镇政府驻地。"


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_note_zh") as w:
        yield w


def _create(world: EditWorld, **props: Any) -> str:
    slug = f"note-zh-{next(_ids)}"
    feature = new_feature(slug, location_precision="approximate", location_note=NOTE_EN, **props)
    response = world.client.post("/api/projects", json=feature, headers=world.auth("planner"))
    assert response.status_code == 201, response.text
    return slug


def _patch(world: EditWorld, slug: str, user: str, body: dict[str, Any]) -> Any:
    return world.client.patch(
        f"/api/projects/{slug}", json=body, headers={**world.auth(user), "If-Match": etag_of(world.client, slug)}
    )


def test_the_seeded_catalog_loads_without_a_chinese_note(world: EditWorld) -> None:
    props = world.client.get("/api/projects/tanling-pumped-storage").json()["properties"]
    assert "location_note_zh" in props  # the property is always there; null until the catalog writes one
    assert props["location_note"]


def test_the_loader_takes_the_chinese_note_when_a_file_has_it(world: EditWorld, tmp_path: Path) -> None:
    source = orjson.loads((GEODATA / "projects.geojson").read_bytes())
    feature = next(f for f in source["features"] if f["properties"]["slug"] == "tanling-pumped-storage")
    feature["properties"]["location_note_zh"] = NOTE_ZH
    changed = tmp_path / "projects.geojson"
    changed.write_bytes(orjson.dumps(source))
    result = seed(world.engine, GEODATA, changed)
    assert result.ok and result.projects.updated == ["tanling-pumped-storage"]
    props = world.client.get("/api/projects/tanling-pumped-storage").json()["properties"]
    assert props["location_note_zh"] == NOTE_ZH
    # an empty note is refused with its name, and nothing is written
    feature["properties"]["location_note_zh"] = "   "
    changed.write_bytes(orjson.dumps(source))
    refused = seed(world.engine, GEODATA, changed)
    assert not refused.ok and "location_note_zh" in str(refused.projects.problems)
    assert world.client.get("/api/projects/tanling-pumped-storage").json()["properties"]["location_note_zh"] == NOTE_ZH


def test_api_stores_it_versions_keep_it_and_sensitive_sites_generalise_it(world: EditWorld) -> None:
    slug = _create(world, location_note_zh=NOTE_ZH)
    assert world.client.get(f"/api/projects/{slug}").json()["properties"]["location_note_zh"] == NOTE_ZH
    assert (
        _patch(world, slug, "planner", {"properties": {"location_note_zh": NOTE_ZH + "（已核对）"}}).status_code == 200
    )
    with world.engine.connect() as conn:
        versions = conn.execute(
            text(
                """SELECT v.location_note_zh FROM project_versions v JOIN projects p ON p.id = v.id
                   WHERE p.slug = :s ORDER BY v.version"""
            ),
            {"s": slug},
        ).scalars()
        assert list(versions) == [NOTE_ZH, NOTE_ZH + "（已核对）"]
    assert _patch(world, slug, "planner", {"properties": {"sensitive": True}}).status_code == 200
    public = world.client.get(f"/api/projects/{slug}").json()["properties"]
    assert public["location_note_zh"] == GENERALISED_ZH
    assert public["location_note"] == "Sensitive site: shown to the public at its town seat only."
    past = world.client.get(f"/api/projects/{slug}", params={"as_of": clock.today().isoformat()}).json()["properties"]
    assert past["location_note_zh"] == GENERALISED_ZH
    listed = world.client.get("/api/projects", params={"town": "xingzi", "limit": "10000"}).text
    assert "已核对" not in listed
    page = world.client.get(f"/projects/{slug}").text
    assert GENERALISED_ZH in page and "已核对" not in page
    staff = world.client.get(f"/api/projects/{slug}", headers=world.auth("planner")).json()["properties"]
    assert staff["location_note_zh"] == NOTE_ZH + "（已核对）"


def test_the_page_shows_the_note_in_its_language(world: EditWorld) -> None:
    with_zh = _create(world, location_note_zh=NOTE_ZH)
    zh_page = world.client.get(f"/projects/{with_zh}").text
    assert f'data-note-lang="zh">{NOTE_ZH}</dd>' in zh_page
    en_page = world.client.get(f"/projects/{with_zh}?lang=en").text
    assert f'data-note-lang="en">{NOTE_EN}</dd>' in en_page
    without = _create(world)
    fallback = world.client.get(f"/projects/{without}").text
    assert "暂无中文说明，以下为英文原文：" in fallback and NOTE_EN in fallback


def test_an_officials_refusal_is_named_by_code_and_params(world: EditWorld) -> None:
    slug = _create(world)
    dalubian_seat = world.client.get("/api/towns/dalubian").json()["properties"]["seat"]["coordinates"]
    before = world.snapshot(slug)
    refused = _patch(world, slug, "official_xingzi", {"geometry": {"type": "Point", "coordinates": dalubian_seat}})
    assert refused.status_code == 403
    assert refused.headers["X-Planmap-Error"] == "outside_towns"
    assert json.loads(refused.headers["X-Planmap-Error-Params"]) == {"towns": ["dalubian"], "mine": ["xingzi"]}
    assert "dalubian" in refused.json()["detail"]  # the API's own text is unchanged for API clients
    assert world.snapshot(slug) == before  # nothing stored
    foreign = _patch(world, slug, "official_lianzhou", {"properties": {"name_en": "x"}})
    assert foreign.status_code == 403 and foreign.headers["X-Planmap-Error"] == "not_your_towns"
    assert json.loads(foreign.headers["X-Planmap-Error-Params"]) == {"towns": ["xingzi"], "mine": ["lianzhou"]}
