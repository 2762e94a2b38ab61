"""The plan catalog (geodata/projects.geojson): complete, traceable and honestly located.

Every quote must be a verbatim passage of the plan standing in the chapter and section
the feature claims; the spatial rules are the loader's own, run by PostGIS.
"""

import re
from collections import Counter

import pytest
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from tests.conftest import GEODATA

PLAN = (GEODATA / "plan" / "lianzhou-14th-five-year-plan.txt").read_text(encoding="utf-8")
HEADING = re.compile(r"^(第[一二三四五六七八九十]+章|第[一二三四五六七八九十]+节)", re.MULTILINE)


def _place_of(offset: int) -> tuple[str | None, str | None]:
    """The chapter and section in force at a character offset of the plan."""
    chapter = section = None
    for match in HEADING.finditer(PLAN, 0, offset):
        if match.group(1).endswith("章"):
            chapter, section = match.group(1), None
        else:
            section = match.group(1)
    return chapter, section


def _features(catalog: dict) -> list[dict]:
    return [f["properties"] for f in catalog["features"]]


def test_catalog_is_large_and_covers_every_chapter_that_names_places(catalog: dict) -> None:
    props = _features(catalog)
    assert len(props) >= 120
    chapters = Counter(p["plan_chapter"] for p in props)
    for chapter in ("第三章", "第六章", "第八章", "第九章", "第十章", "第十一章", "第十二章", "第十三章"):
        assert chapters[chapter] > 0, f"no project from {chapter}"


def test_slugs_are_unique(catalog: dict) -> None:
    slugs = Counter(p["slug"] for p in _features(catalog))
    assert [s for s, n in slugs.items() if n > 1] == []


def test_every_quote_is_verbatim_and_stands_where_the_feature_says(catalog: dict) -> None:
    wrong = []
    for p in _features(catalog):
        quote = p["source_quote"]
        assert 0 < len(quote) <= 200, p["slug"]
        places = {_place_of(m.start()) for m in re.finditer(re.escape(quote), PLAN)}
        if (p["plan_chapter"], p["plan_section"]) not in places:
            wrong.append((p["slug"], p["plan_chapter"], p["plan_section"], sorted(places, key=str)))
    assert wrong == []


def test_status_basis_is_a_verbatim_phrase_of_the_plan(catalog: dict) -> None:
    assert [p["slug"] for p in _features(catalog) if not p["status_basis"] or p["status_basis"] not in PLAN] == []


def test_names_are_bilingual_and_nothing_claims_a_survey(catalog: dict) -> None:
    for p in _features(catalog):
        assert p["name_zh"].strip() and p["name_en"].strip(), p["slug"]
        assert re.search(r"[\u4e00-\u9fff]", p["name_zh"]), p["slug"]
        assert not re.search(r"[\u4e00-\u9fff]", p["name_en"]), p["slug"]
        assert p["location_precision"] in ("approximate", "town"), p["slug"]
        assert len(p["location_note"]) > 20, p["slug"]


def test_loader_finds_no_problem_and_towns_match_where_geometry_lies(first_seed: SeedResult) -> None:
    assert first_seed.projects.problems == []
    assert first_seed.projects.warnings == []


def test_town_precision_features_sit_exactly_on_their_town_seat(engine: Engine, first_seed: SeedResult) -> None:
    with engine.connect() as conn:
        off_seat = (
            conn.execute(
                text(
                    """SELECT p.slug FROM projects p
                   JOIN project_towns pt ON pt.project_id = p.id JOIN towns t ON t.id = pt.town_id
                   WHERE p.location_precision = 'town' AND NOT ST_Equals(p.geom, t.seat)"""
                )
            )
            .scalars()
            .all()
        )
    assert off_seat == []


@pytest.mark.parametrize(
    ("slug_part", "figure", "value"),
    [("tanling", "capacity_mw", 2400)],
)
def test_key_figures_are_recorded_with_units(catalog: dict, slug_part: str, figure: str, value: float) -> None:
    matches = [p for p in _features(catalog) if slug_part in p["slug"] and figure in p["figures"]]
    assert matches and matches[0]["figures"][figure] == value


def test_lines_polygons_and_points_are_all_present(catalog: dict) -> None:
    kinds = Counter(f["geometry"]["type"] for f in catalog["features"])
    assert (
        kinds["Point"]
        and (kinds["LineString"] + kinds["MultiLineString"])
        and (kinds["Polygon"] + kinds["MultiPolygon"])
    )
