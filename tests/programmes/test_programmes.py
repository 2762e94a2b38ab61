"""Annual programmes: planners write them item by item or from a county's spreadsheet, all rows or none."""

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.support.cycle import CycleWorld, open_cycle_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_programmes")


def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["项目编号", "项目名称", "类别", "年度计划投资(万元)", "形象进度目标"])
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _import(cycle: CycleWorld, data: bytes, year: int = 2024, user: str = "planner") -> object:
    return cycle.client.post(f"/api/programmes/{year}/import", files={"file": ("年度计划.xlsx", data, XLSX)},
                             headers=cycle.auth(user))  # fmt: skip


def test_a_spreadsheet_with_problems_is_refused_row_by_row_and_nothing_is_stored(cycle: CycleWorld) -> None:
    before = cycle.sql("SELECT (SELECT count(*) FROM programme_items), (SELECT count(*) FROM audit_log)")
    data = _sheet([
        ["lianzhou-airport", None, "新开工", 1200, "完成可研"],
        ["no-such-project", None, "续建", 100, ""],
        ["tanling-pumped-storage", None, "开工", 100, ""],
        ["lianzhou-airport", None, "续建", "很多", ""],
    ])  # fmt: skip
    response = _import(cycle, data)
    assert response.status_code == 422, response.text
    text = response.text
    assert "row 4: class '开工'" in text and "row 5: planned investment '很多'" in text
    assert cycle.sql("SELECT (SELECT count(*) FROM programme_items), (SELECT count(*) FROM audit_log)") == before
    unknown = _import(cycle, _sheet([["no-such-project", None, "续建", 100, ""]]))
    assert unknown.status_code == 422 and "row 2: no project 'no-such-project'" in unknown.text
    assert _import(cycle, b"PK\x03\x04 not a workbook").status_code == 422
    assert _import(cycle, data, user="official_xingzi").status_code == 403


def test_a_good_spreadsheet_fills_the_year_and_a_project_can_be_in_many_years(cycle: CycleWorld) -> None:
    name = cycle.sql("SELECT name_zh FROM projects WHERE slug = 'tanling-pumped-storage'")[0][0]
    data = _sheet([
        ["lianzhou-airport", None, "新开工项目", 1200.5, "完成可研批复"],
        [None, name, "预备", None, "完成前期工作"],
    ])  # fmt: skip
    response = _import(cycle, data)
    assert response.status_code == 200, response.text
    assert response.json() == {"year": 2024, "rows": 2, "changed": 2, "unchanged": 0}
    assert _import(cycle, data).json()["changed"] == 0  # the same sheet again changes nothing
    programme = cycle.client.get("/api/programmes/2024").json()
    items = {i["slug"]: i for i in programme["items"]}
    assert programme["plan"] == "lianzhou-14th"
    assert (items["lianzhou-airport"]["item_class"], items["lianzhou-airport"]["planned_investment_cny_10k"],
            items["lianzhou-airport"]["target"]) == ("new_start", "1200.50", "完成可研批复")  # fmt: skip
    assert items["tanling-pumped-storage"]["item_class"] == "preparatory"
    body = {"class": "continuing", "planned_investment_cny_10k": "3000", "target": "主体施工"}
    put = cycle.client.put("/api/programmes/2025/items/lianzhou-airport", json=body, headers=cycle.auth("planner"))
    assert put.status_code == 200
    years = cycle.client.get("/api/projects/lianzhou-airport/programmes").json()
    assert [(y["year"], y["item_class"]) for y in years] == [(2024, "new_start"), (2025, "continuing")]


def test_a_year_outside_every_plan_is_refused(cycle: CycleWorld) -> None:
    body = {"class": "continuing", "planned_investment_cny_10k": "1", "target": ""}
    response = cycle.client.put("/api/programmes/2031/items/lianzhou-airport", json=body,
                                headers=cycle.auth("planner"))  # fmt: skip
    assert response.status_code == 422 and "2031" in response.text


def test_an_item_with_reports_stays_in_its_programme(cycle: CycleWorld, tmp_path: Path) -> None:
    slug = "guanglian-expressway-xingzi-exit-connector"
    assert cycle.report("official_xingzi", slug, "2025-01", "1").status_code == 201
    refused = cycle.client.delete(f"/api/programmes/2025/items/{slug}", headers=cycle.auth("planner"))
    assert refused.status_code == 409


def _pages(cycle: CycleWorld, url: str, **params: object) -> list[dict[str, object]]:
    """Every page of a paged list, following `next` links to the end."""
    pages = [cycle.client.get(url, params=params).json()]
    while nxt := [link["href"] for link in pages[-1]["links"] if link["rel"] == "next"]:
        pages.append(cycle.client.get(nxt[0]).json())
    return pages


def test_a_programme_is_read_a_page_at_a_time_by_its_next_links(cycle: CycleWorld) -> None:
    whole = cycle.client.get("/api/programmes/2025").json()
    size = len(whole["items"])
    assert whole["numberMatched"] == whole["numberReturned"] == size >= 6
    assert [link["rel"] for link in whole["links"]] == ["self"]
    pages = _pages(cycle, "/api/programmes/2025", limit=4)
    assert [p["numberReturned"] for p in pages] == [4, size - 4]
    assert pages[0]["numberMatched"] == size and "numberMatched" not in pages[1]  # counted once, on the first page
    assert [i for p in pages for i in p["items"]] == whole["items"]  # (class, slug) order, nothing twice or lost
    assert [(i["item_class"], i["slug"]) for i in whole["items"]] == sorted(
        (i["item_class"], i["slug"]) for i in whole["items"]
    )
    for bad in ({"limit": 0}, {"limit": 10_001}, {"cursor": "not-a-cursor"}):
        refused = cycle.client.get("/api/programmes/2025", params=bad)
        assert refused.status_code == 422 and next(iter(bad)) in refused.text, refused.text
