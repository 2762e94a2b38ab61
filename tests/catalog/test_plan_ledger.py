"""The plan ledger (geodata/plan_ledger.csv) accounts for every work the plan names, and every
catalog feature is located in both languages.

Each ledger row is one project, programme or work the plan names, either mapped (to exactly one
catalog feature) or not mapped with the reason; its quote is a verbatim passage of the plan standing
in the chapter and section the row gives. Quotes are compared exactly as tests/test_catalog.py
compares them: raw substrings of the plan text, nothing normalised.
"""

import csv
import re
from collections import Counter

import pytest

from app.catalog.schema import ProjectFeature
from app.catalog.text_policy import clean_text
from tests.conftest import GEODATA

PLAN = (GEODATA / "plan" / "lianzhou-14th-five-year-plan.txt").read_text(encoding="utf-8")
HEADING = re.compile(r"^(第[一二三四五六七八九十]+章|第[一二三四五六七八九十]+节)", re.MULTILINE)
LEDGER_COLUMNS = ["chapter", "section", "quote", "name_zh", "mapped", "slug", "reason"]
VILLAGE_COLUMNS = ["village_code", "name_zh", "short_name_zh", "town_code", "town_zh", "town_slug"]
CJK = re.compile(r"[\u4e00-\u9fff]")
NBS_VILLAGE_CODE = re.compile(r"441882\d{6}")
# Why a named work is not mapped: the part of `reason` before the first colon (see geodata/README.md).
REASONS = {
    "policy",
    "platform",
    "no site",
    "county-wide",
    "place not found",
    "outside Lianzhou",
    "background",
    "context",
    "enterprise",
    "event",
}


def _place_of(offset: int) -> tuple[str | None, str | None]:
    """The chapter and section in force at a character offset of the plan (as in test_catalog.py)."""
    chapter = section = None
    for match in HEADING.finditer(PLAN, 0, offset):
        if match.group(1).endswith("章"):
            chapter, section = match.group(1), None
        else:
            section = match.group(1)
    return chapter, section


def _read_csv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (GEODATA / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def ledger() -> list[dict[str, str]]:
    columns, rows = _read_csv("plan_ledger.csv")
    assert columns == LEDGER_COLUMNS
    return rows


@pytest.fixture(scope="module")
def villages() -> dict[str, dict[str, str]]:
    columns, rows = _read_csv("lianzhou_villages.csv")
    assert columns == VILLAGE_COLUMNS
    return {r["village_code"]: r for r in rows}


def _props(catalog: dict) -> list[dict]:
    return [f["properties"] for f in catalog["features"]]


def test_rows_are_mapped_with_a_slug_or_not_mapped_with_a_reason(ledger: list[dict[str, str]]) -> None:
    assert ledger
    for row in ledger:
        assert row["mapped"] in ("yes", "no"), row
        assert row["name_zh"].strip() and CJK.search(row["name_zh"]), row
        if row["mapped"] == "yes":
            assert row["slug"] and not row["reason"], row
        else:
            assert not row["slug"] and row["reason"].split(":")[0] in REASONS, row
    named = Counter((r["name_zh"], r["quote"]) for r in ledger)
    assert [k for k, n in named.items() if n > 1] == []


def test_every_mapped_slug_exists_and_every_feature_has_exactly_one_row(
    ledger: list[dict[str, str]], catalog: dict
) -> None:
    slugs = {p["slug"] for p in _props(catalog)}
    rows_per_slug = Counter(r["slug"] for r in ledger if r["mapped"] == "yes")
    assert sorted(set(rows_per_slug) - slugs) == [], "ledger rows mapped to slugs the catalog does not have"
    assert sorted(slugs - set(rows_per_slug)) == [], "catalog features without a ledger row"
    assert [s for s, n in rows_per_slug.items() if n > 1] == []


def test_every_quote_is_verbatim_and_stands_where_the_row_says(ledger: list[dict[str, str]]) -> None:
    wrong = []
    for row in ledger:
        quote = row["quote"]
        assert 0 < len(quote) <= 200, row
        places = {_place_of(m.start()) for m in re.finditer(re.escape(quote), PLAN)}
        if (row["chapter"], row["section"] or None) not in places:
            wrong.append((row["name_zh"], row["chapter"], row["section"], sorted(places, key=str)))
    assert wrong == []


def test_a_mapped_row_stands_where_its_feature_is_quoted(ledger: list[dict[str, str]], catalog: dict) -> None:
    features = {p["slug"]: p for p in _props(catalog)}
    for row in (r for r in ledger if r["mapped"] == "yes"):
        feature = features[row["slug"]]
        assert (row["chapter"], row["section"] or None) == (feature["plan_chapter"], feature["plan_section"]), row


def test_every_feature_is_located_in_english_and_chinese(catalog: dict) -> None:
    for p in _props(catalog):
        en, zh = p.get("location_note", ""), p.get("location_note_zh", "")
        assert en.strip() and zh.strip(), p["slug"]
        assert CJK.search(zh), p["slug"]
        assert clean_text(zh) == zh, f"{p['slug']}: location_note_zh has characters the text policy removes"


def test_villages_a_note_cites_exist_and_lie_in_the_features_towns(
    catalog: dict, villages: dict[str, dict[str, str]]
) -> None:
    cited = 0
    for p in _props(catalog):
        for note in (p["location_note"], p["location_note_zh"]):
            for code in NBS_VILLAGE_CODE.findall(note):
                cited += 1
                village = villages.get(code)
                assert village, f"{p['slug']}: {code} is not in geodata/lianzhou_villages.csv"
                assert village["name_zh"] in note, f"{p['slug']}: {code} is not {village['name_zh']}"
                assert village["town_slug"] in p["towns"], f"{p['slug']}: {village['name_zh']} is not in its towns"
    assert cited > 0


def test_village_list_is_lianzhou_only_and_names_the_towns_of_the_seats(villages: dict[str, dict[str, str]]) -> None:
    with (GEODATA / "town_seats.csv").open(encoding="utf-8", newline="") as fh:
        seats = {r["slug"]: r["name_zh"] for r in csv.DictReader(fh)}
    assert len(villages) > 100
    for code, v in villages.items():
        assert code.startswith(v["town_code"]) and v["town_code"].startswith("441882"), v
        assert seats[v["town_slug"]] == v["town_zh"], v
        assert v["name_zh"].startswith(v["short_name_zh"]), v
    assert set(seats) == {v["town_slug"] for v in villages.values()}


def test_the_schema_takes_the_chinese_note_and_nothing_unknown(catalog: dict) -> None:
    feature = catalog["features"][0]
    assert (
        ProjectFeature.model_validate(feature).properties.location_note_zh == feature["properties"]["location_note_zh"]
    )
    unknown = {**feature, "properties": {**feature["properties"], "location_note_fr": "Approximatif"}}
    with pytest.raises(ValueError, match="location_note_fr"):
        ProjectFeature.model_validate(unknown)
