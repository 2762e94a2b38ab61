"""The seeded 14th plan on 2026-11-30, after its period ended, and the same figures as of 2022-12-31.

The expected counts were counted from geodata/projects.geojson by a small script independent of the
app (status, start/end year, towns and chapter of each feature; the catalog's information dates from
the plan's 2022 revision, so it is at the latest 2022-12-31):
- plan_period_ended: not completed/existing, no end year of its own, period over (2025-12-31 < ref);
- no_recorded_start: stated under construction (在建/加快建设), no actual start recorded;
- stale: in progress or to come, information older than 180 days;
- late_completion: its own end year has passed (two projects).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.editing import EditWorld, open_world

TOWNS_2026 = {
    "baoan": {"plan_period_ended": 6, "no_recorded_start": 3, "stale": 6},
    "dalubian": {"plan_period_ended": 12, "no_recorded_start": 5, "stale": 12},
    "dongbei": {"plan_period_ended": 13, "no_recorded_start": 5, "stale": 13},
    "fengyang": {"plan_period_ended": 10, "no_recorded_start": 5, "stale": 10},
    "jiubei": {"plan_period_ended": 9, "no_recorded_start": 4, "stale": 9},
    "lianzhou": {"plan_period_ended": 91, "no_recorded_start": 58, "stale": 93, "late_completion": 2},
    "longping": {"plan_period_ended": 12, "no_recorded_start": 4, "stale": 12},
    "sanshui": {"plan_period_ended": 8, "no_recorded_start": 3, "stale": 8},
    "xian": {"plan_period_ended": 7, "no_recorded_start": 3, "stale": 7},
    "xijiang": {"plan_period_ended": 8, "no_recorded_start": 3, "stale": 8},
    "xingzi": {"plan_period_ended": 18, "no_recorded_start": 8, "stale": 18},
    "yaoan": {"plan_period_ended": 7, "no_recorded_start": 5, "stale": 7},
}
CHAPTERS_2026 = {
    "第一章": {"plan_period_ended": 2, "no_recorded_start": 1, "stale": 2},
    "第三章": {"plan_period_ended": 4, "no_recorded_start": 2, "stale": 4},
    "第四章": {"plan_period_ended": 3, "stale": 3},
    "第六章": {"plan_period_ended": 21, "no_recorded_start": 9, "stale": 21},
    "第七章": {"plan_period_ended": 2, "no_recorded_start": 2, "stale": 2},
    "第八章": {"plan_period_ended": 28, "no_recorded_start": 15, "stale": 29, "late_completion": 1},
    "第九章": {"plan_period_ended": 36, "no_recorded_start": 23, "stale": 36},
    "第十章": {"plan_period_ended": 15, "no_recorded_start": 4, "stale": 15},
    "第十一章": {"plan_period_ended": 19, "no_recorded_start": 19, "stale": 20, "late_completion": 1},
    "第十二章": {"plan_period_ended": 15, "no_recorded_start": 11, "stale": 15},
    "第十三章": {"plan_period_ended": 6, "no_recorded_start": 4, "stale": 6},
}
# On 2022-12-31 only the missing starts show: the period runs, the information is under 180 days old.
TOWNS_2022 = {town: {"no_recorded_start": w["no_recorded_start"]} for town, w in TOWNS_2026.items()}
CHAPTERS_2022 = {
    ch: {"no_recorded_start": w["no_recorded_start"]} for ch, w in CHAPTERS_2026.items() if "no_recorded_start" in w
}
TOTALS_2026 = {"plan_period_ended": 151, "no_recorded_start": 90, "stale": 153, "late_completion": 2}


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_plans_warn") as w:
        yield w


def _stats(world: EditWorld, **params: str) -> dict[str, Any]:
    response = world.client.get("/api/stats", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("as_of", "towns", "chapters"),
    [("2026-11-30", TOWNS_2026, CHAPTERS_2026), ("2022-12-31", TOWNS_2022, CHAPTERS_2022)],
)
def test_warnings_by_town_and_chapter(
    world: EditWorld, as_of: str, towns: dict[str, dict[str, int]], chapters: dict[str, dict[str, int]]
) -> None:
    stats = _stats(world, as_of=as_of, plan="lianzhou-14th")
    assert {t["town"]: t["warnings"] for t in stats["by_town"]} == towns
    assert {c["chapter"]: c["warnings"] for c in stats["by_chapter"] if c["warnings"]} == chapters
    assert stats["total"] == 180
    # The default plan on both days is the 14th: the only plan whose period has begun.
    assert _stats(world, as_of=as_of) == stats


def test_no_longer_166_green_once_the_period_is_over(world: EditWorld) -> None:
    listed = world.client.get("/api/projects", params={"as_of": "2026-11-30", "limit": 1000}).json()["features"]
    totals: dict[str, int] = {}
    for feature in listed:
        for w in feature["properties"]["warnings"]:
            totals[w] = totals.get(w, 0) + 1
    assert totals == TOTALS_2026
    green = [f for f in listed if f["properties"]["rag"] == "green"]
    # Green now: only the 27 facilities the plan lists as already there (context, not promises).
    assert len(green) == 27 and {f["properties"]["status"] for f in green} == {"existing"}


def test_information_dates_from_the_plan_revision_not_the_load(world: EditWorld) -> None:
    feature = world.client.get("/api/projects/tanling-pumped-storage").json()["properties"]
    assert (feature["info_date"], feature["info_precision"], feature["plan"]) == ("2022-01-01", "year", "lianzhou-14th")


def test_stale_is_unchanged_by_reseeding_or_a_migration(world: EditWorld) -> None:
    from app.catalog.seed import seed
    from app.core import migrate
    from tests.conftest import GEODATA

    def dates() -> list[tuple[str, str, str]]:
        with world.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(text("SELECT slug, info_date::text, info_precision FROM projects ORDER BY slug"))
            ]

    before = dates()
    assert seed(world.engine, GEODATA).ok
    migrate.downgrade(world.url, "0007")  # down past 0010 and up again: backfilled from the same facts
    migrate.upgrade(world.url, "head")
    assert dates() == before
    assert _stats(world, as_of="2026-11-30")["by_town"][0]["warnings"] == TOWNS_2026["baoan"]


def test_the_project_page_says_when_its_information_dates_from(world: EditWorld) -> None:
    page = world.client.get("/projects/yuebei-dazhou-trade-city").text
    assert "资料截至" in page and ">2022年</dd>" in page and "2022-01-01" not in page
    assert "规划期内未完成" in page and "在建但无开工记录" in page
    english = world.client.get("/projects/yuebei-dazhou-trade-city", params={"lang": "en"}).text
    assert "Information as of" in english and ">2022</dd>" in english
