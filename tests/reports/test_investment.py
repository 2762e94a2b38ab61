"""The monthly investment workbook: opened with openpyxl, every figure, subtotal, total and rate agrees
with SQL over the same reports; money and rates have number formats; headers are frozen; it prints on A3
landscape, fit to width, headers repeated; projects behind 序时进度 are shaded; pending reports don't count."""

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.investment import BEHIND, SHEETS, SUBTOTAL, TOTAL
from tests.support.cycle import (
    CENTRE_DONGBEI,
    EXIT_XINGZI,
    HYDRO_XINGZI,
    ROAD_LONGPING,
    ROAD_XINGZI,
    CycleWorld,
    cycle,
)

__all__ = ["cycle"]  # the module-scoped fixture
MONTH = "2025-11"
FILED = [  # (official, project, month, invested 万元)
    ("official_xingzi", ROAD_XINGZI, "2025-03", "120"),
    ("official_xingzi", ROAD_XINGZI, "2025-10", "200.5"),
    ("official_xingzi", ROAD_XINGZI, "2025-11", "80.25"),
    ("official_xingzi", ROAD_XINGZI, "2025-12", "999"),  # after the month: not counted
    ("official_xingzi", EXIT_XINGZI, "2025-11", "450"),
    ("official_xingzi", HYDRO_XINGZI, "2025-06", "790"),
    ("official_jiaotong", ROAD_LONGPING, "2025-11", "300"),
    ("official_zhujian", CENTRE_DONGBEI, "2025-11", "30"),  # waits for review: not counted
]
# What SQL says, independently of app/reports: the latest approved version of each month, Jan..November.
EXPECTED = """
WITH f AS (SELECT DISTINCT ON (r.project_id, r.month) r.project_id, r.month, r.invested_cny_10k
           FROM progress_reports r WHERE r.state = 'approved'
             AND r.month BETWEEN DATE '2025-01-01' AND DATE '2025-11-01'
           ORDER BY r.project_id, r.month, r.version DESC)
SELECT p.name_zh, i.planned_investment_cny_10k AS plan,
       coalesce((SELECT sum(invested_cny_10k) FROM f WHERE f.project_id = p.id AND f.month = '2025-11-01'), 0) AS month,
       coalesce((SELECT sum(invested_cny_10k) FROM f WHERE f.project_id = p.id), 0) AS year,
       ARRAY(SELECT t.name_zh FROM project_towns pt JOIN towns t ON t.id = pt.town_id WHERE pt.project_id = p.id)
         AS towns
FROM programme_items i JOIN annual_programmes g ON g.id = i.programme_id JOIN projects p ON p.id = i.project_id
WHERE g.year = 2025
"""


@pytest.fixture(scope="module")
def workbook(cycle: CycleWorld) -> Any:
    for official, slug, month, invested in FILED:
        assert cycle.report(official, slug, month, invested).status_code == 201, (slug, month)
    response = cycle.client.get("/api/reports/investment.xlsx", params={"month": MONTH}, headers=cycle.auth("planner"))
    assert response.status_code == 200, response.text
    assert "planmap-investment-2025-11.xlsx" in response.headers["content-disposition"]
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture(scope="module")
def expected(cycle: CycleWorld) -> dict[str, Any]:
    return {r.name_zh: r for r in cycle.sql(EXPECTED)}


def rgb(cell: Any) -> str:
    """A cell's fill colour as "#RRGGBB" (openpyxl reads ARGB)."""
    return f"#{str(cell.fill.fgColor.rgb)[-6:]}"


def body(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [row for row in ws.iter_rows(min_row=4, values_only=True)]


def test_every_item_agrees_with_sql(workbook: Any, expected: dict[str, Any]) -> None:
    rows = [r for r in body(workbook["按建设类型汇总"]) if isinstance(r[0], int)]
    assert {r[1] for r in rows} == set(expected)
    for r in rows:
        want = expected[r[1]]
        assert Decimal(str(r[8])) == want.month and Decimal(str(r[9])) == want.year, r[1]
        assert r[11] == pytest.approx(11 / 12)
        if want.plan:
            assert r[10] == pytest.approx(float(want.year / want.plan))
            assert r[12] == pytest.approx(float(want.year / want.plan) - 11 / 12)
        else:
            assert r[10] is None and r[12] is None, "no year plan: no rate, no gap"
    dongbei = next(r for r in rows if r[1] == next(n for n in expected if "东陂" in n))
    assert dongbei[8] == 0, "a report waiting for review does not count"


@pytest.mark.parametrize(("title", "grouping"), SHEETS)
def test_subtotals_and_total_agree_with_sql(workbook: Any, expected: dict[str, Any], title: str, grouping: str) -> None:
    rows = body(workbook[title])
    total = rows[-1]
    assert str(total[1]).startswith(f"合计（{len(expected)} 项）")
    assert Decimal(str(total[8])) == sum(e.month for e in expected.values())
    assert Decimal(str(total[9])) == sum(e.year for e in expected.values())
    plan = sum(e.plan or 0 for e in expected.values())
    assert total[7] == pytest.approx(float(plan)) and total[10] == pytest.approx(float(total[9]) / float(plan))
    subtotals = [r for r in rows if "小计" in str(r[1])]
    assert subtotals
    if grouping == "town":
        for r in subtotals:
            town = str(r[1]).split(" 小计")[0]
            members = [e for e in expected.values() if town in e.towns]
            assert Decimal(str(r[9])) == sum(e.year for e in members), town


def test_formats_frozen_panes_and_print_setup(workbook: Any) -> None:
    for ws in workbook.worksheets:
        assert ws["C3"].value == "责任单位" and ws["J3"].value == "本年累计完成投资（万元）"
        assert ws.freeze_panes == "C4"
        assert ws.print_title_rows == "$1:$3"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8  # A3
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth may be left out: its default is 1 (ECMA-376 §18.3.1.63), and XlsxWriter leaves it out
        assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0
        for row in ws.iter_rows(min_row=4):
            assert row[8].number_format == "#,##0.00" and row[9].number_format == "#,##0.00"
            assert row[10].number_format == "0.0%" and row[12].number_format == "0.0%"


def test_rows_behind_the_time_target_are_shaded(workbook: Any) -> None:
    ws = workbook["按建设类型汇总"]
    for row in ws.iter_rows(min_row=4):
        if not isinstance(row[0].value, int):
            continue
        rate = row[10].value
        shaded = rgb(row[1]) == BEHIND
        assert shaded == (rate is not None and rate < 11 / 12), row[1].value


def test_sheets_subtotals_and_totals_look_as_sent_up(workbook: Any) -> None:
    """The four sheets in order; each titled, with page numbers in the footer and centred on the page;
    every subtotal row bold on pale blue, the total bold on a deeper blue, across all thirteen columns."""
    assert workbook.sheetnames == [title for title, _ in SHEETS]
    for ws in workbook.worksheets:
        assert (
            ws["A1"].font.b
            and ws["A1"].font.sz == 14
            and str(ws["A1"].value).startswith("连州市重点项目投资完成情况表")
        )
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.print_options.horizontalCentered
        assert all(cell.font.b and cell.alignment.wrap_text for cell in ws[3])
        rows = list(ws.iter_rows(min_row=4))
        for row in rows:
            label = str(row[1].value)
            if "小计" in label or label.startswith("合计"):
                colour = SUBTOTAL if "小计" in label else TOTAL
                assert all(rgb(cell) == colour and cell.font.b and cell.border.left.style for cell in row), label
        assert str(rows[-1][1].value).startswith("合计")


def test_names_are_written_as_text(cycle: CycleWorld) -> None:
    """A project named like a formula or a link is shown as its name, never evaluated or linked."""
    name = "=1+1 http://example.org 项目"
    before = cycle.sql("SELECT name_zh FROM projects WHERE slug = :slug", slug=ROAD_XINGZI)[0].name_zh
    cycle.sql(
        "UPDATE projects SET name_zh = :name, version = version + 1 WHERE slug = :slug", name=name, slug=ROAD_XINGZI
    )
    try:
        response = cycle.client.get(
            "/api/reports/investment.xlsx", params={"month": MONTH}, headers=cycle.auth("planner")
        )
        assert response.status_code == 200, response.text
        ws = load_workbook(io.BytesIO(response.content))["按建设类型汇总"]
        cell = next(row[1] for row in ws.iter_rows(min_row=4) if row[1].value == name)
        assert cell.data_type == "s" and cell.hyperlink is None
    finally:
        cycle.sql(
            "UPDATE projects SET name_zh = :name, version = version + 1 WHERE slug = :slug",
            name=before,
            slug=ROAD_XINGZI,
        )


def test_refusals(cycle: CycleWorld) -> None:
    url = "/api/reports/investment.xlsx"
    planner = cycle.auth("planner")
    assert cycle.client.get(url, params={"month": MONTH}).status_code == 401
    assert cycle.client.get(url, params={"month": "2025-13"}, headers=planner).status_code == 422
    assert cycle.client.get(url, params={"month": "2099-01"}, headers=planner).status_code == 422
    missing = cycle.client.get(url, params={"month": "2023-05"}, headers=planner)
    assert missing.status_code == 404 and "2023" in missing.text
