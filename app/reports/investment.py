"""The monthly key-project investment table (重点项目投资完成情况表) as an Excel workbook.

Why a workbook and why this shape: it is the table a county's development and reform bureau sends up
every month, and the people who receive it work in Excel. So it has the columns they expect, in 万元 with
number formats (not text), subtotals by town, by responsible unit, by category and by class (新开工/续建/
竣工/预备) — one sheet each —, frozen headers, print setup (A3 landscape, fit to width, header rows
repeated on every page) and the projects behind the time-elapsed target (序时进度, month ÷ 12) shaded.

The figures are values, not formulas: the file is a record of what planmap knew on the day it was made,
and a reader without a formula engine sees the same numbers. Only approved reports count (the version in
force), and a project with no planned investment for the year has no rate and no gap (never a guess).
"""

import io
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Footer
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection

from app.core import clock
from app.core.errors import Invalid, NotFound
from app.programmes.vocab import LABELS, ItemClass
from app.reports import queries as q

MONEY = "#,##0.00"
RATE = "0.0%"
BEHIND = PatternFill("solid", fgColor="FFF2CC")  # pale amber: behind the time-elapsed target
SUBTOTAL = PatternFill("solid", fgColor="DDEBF7")
TOTAL = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="999999")
HEADER_ROW = 3  # rows 1-2: title and notes
COLUMNS = (
    ("序号", 6),
    ("项目名称", 36),
    ("责任单位", 22),
    ("所在镇（街道）", 16),
    ("行业类别", 12),
    ("建设类型", 9),
    ("总投资（万元）", 14),
    ("年度计划投资（万元）", 14),
    ("本月完成投资（万元）", 14),
    ("本年累计完成投资（万元）", 14),
    ("年度计划完成率", 10),
    ("序时进度目标", 10),
    ("与序时进度差距", 10),
)
MONEY_COLUMNS = (7, 8, 9, 10)
RATE_COLUMNS = (11, 12, 13)
SHEETS: tuple[tuple[str, str], ...] = (("按镇汇总", "town"), ("按责任单位汇总", "unit"), ("按行业汇总", "category"),
                                       ("按建设类型汇总", "item_class"))  # fmt: skip


@dataclass(frozen=True)
class Item:
    slug: str
    name_zh: str
    unit: str
    towns: list[str]
    category: str
    item_class: str  # the Chinese word: 新开工/续建/竣工/预备
    total_cny_10k: Decimal | None
    year_plan_cny_10k: Decimal | None
    month_cny_10k: Decimal
    year_cny_10k: Decimal


@dataclass(frozen=True)
class Sums:
    """A group's money, with the rate computed from its sums (None without a year plan)."""

    total_cny_10k: Decimal
    year_plan_cny_10k: Decimal
    month_cny_10k: Decimal
    year_cny_10k: Decimal

    @property
    def rate(self) -> float | None:
        return float(self.year_cny_10k / self.year_plan_cny_10k) if self.year_plan_cny_10k else None


def parse_month(value: str) -> date:
    """'2026-11' → 2026-11-01; refused clearly otherwise, and a month not yet begun is refused too."""
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise Invalid(("query", "month"), f"month must be YYYY-MM, not {value[:20]!r}") from None
    if first > clock.today():
        raise Invalid(("query", "month"), f"{value} has not begun: the table reports months that have")
    return first


def time_target(month: date) -> float:
    """序时进度: the share of the year elapsed at the end of `month` (11/12 at the end of November)."""
    return month.month / 12


def load_items(conn: Connection, month: date) -> list[Item]:
    if conn.execute(q.PROGRAMME_EXISTS, {"year": month.year}).scalar() is None:
        raise NotFound(
            f"no annual programme for {month.year}: import it first (POST /api/programmes/{month.year}/import)"
        )
    rows = conn.execute(q.INVESTMENT_MONTH, {"year": month.year, "month": month}).mappings()
    return [
        Item(
            r["slug"],
            r["name_zh"],
            r["unit"],
            list(r["towns"]) or ["（未定位）"],
            r["category"],
            LABELS[ItemClass(r["item_class"])][0],
            r["total_cny_10k"],
            r["year_plan_cny_10k"],
            r["month_cny_10k"],
            r["year_cny_10k"],
        )
        for r in rows
    ]


def sums(items: Iterable[Item]) -> Sums:
    listed = list(items)
    zero = Decimal(0)
    return Sums(
        sum((i.total_cny_10k or zero for i in listed), zero),
        sum((i.year_plan_cny_10k or zero for i in listed), zero),
        sum((i.month_cny_10k for i in listed), zero),
        sum((i.year_cny_10k for i in listed), zero),
    )


def item_rate(item: Item) -> float | None:
    return float(item.year_cny_10k / item.year_plan_cny_10k) if item.year_plan_cny_10k else None


def is_behind(rate: float | None, target: float) -> bool:
    """Behind the time-elapsed target; a project without a year plan is not judged (nothing to judge by)."""
    return rate is not None and rate < target


GROUP_KEYS: dict[str, Callable[[Item], list[str]]] = {
    "town": lambda i: i.towns,  # a project crossing towns is listed under each (the total counts it once)
    "unit": lambda i: [i.unit],
    "category": lambda i: [i.category],
    "item_class": lambda i: [i.item_class],
}


# A cell's look: (number format, fill, bold) → the style of the first cell given it, copied to the rest.
StyleCache = dict[tuple[str | None, str | None, bool], StyleArray]


def _row(
    ws: Worksheet, values: list[Any], styles: StyleCache, fill: PatternFill | None = None, bold: bool = False
) -> None:
    """Append a row with borders, number formats, fill and weight. openpyxl interns every style object it
    is given by hashing it deeply, so styling each cell anew cost 15 s for 1 k items; a look is built once
    per workbook and its style indices copied to the other cells."""
    sheet: Any = ws  # Any: the stubs do not declare openpyxl's `_current_row` (the row `append` just wrote)
    ws.append(values)
    row = sheet._current_row  # not ws.max_row: that scans every cell, which made the workbook quadratic
    for col in range(1, len(COLUMNS) + 1):
        cell: Any = ws.cell(row, col)  # Any: the stubs do not declare openpyxl's `_style` (its style indices)
        fmt = MONEY if col in MONEY_COLUMNS else RATE if col in RATE_COLUMNS else None
        key = (fmt, None if fill is None else str(fill.fgColor.rgb), bold)
        if key in styles:
            cell._style = copy(styles[key])
            continue
        cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
        if fmt is not None:
            cell.number_format = fmt
        if fill is not None:
            cell.fill = fill
        if bold:
            cell.font = Font(bold=True)
        styles[key] = copy(cell._style)


def _money_cells(s: Sums, rate: float | None, target: float) -> list[Any]:
    return [
        s.total_cny_10k,
        s.year_plan_cny_10k,
        s.month_cny_10k,
        s.year_cny_10k,
        rate,
        target,
        None if rate is None else rate - target,
    ]


def _sheet(ws: Worksheet, title: str, grouping: str, items: list[Item], month: date, styles: StyleCache) -> None:
    target = time_target(month)
    ws.append([f"连州市重点项目投资完成情况表（{month.year}年{month.month}月，{title}）"])
    ws.append(
        [
            f"单位：万元。序时进度目标 {month.month}/12；仅计已审核的月报；底色标出落后于序时进度的项目。"
            f"制表：planmap，{clock.today().isoformat()}。"
            + ("跨镇项目在所涉各镇分别列出，合计只计一次。" if grouping == "town" else "")
        ]
    )
    ws.append([name for name, _ in COLUMNS])
    for col, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        header = ws.cell(HEADER_ROW, col)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws["A1"].font = Font(bold=True, size=14)
    groups: dict[str, list[Item]] = {}
    for item in items:
        for key in GROUP_KEYS[grouping](item):
            groups.setdefault(key, []).append(item)
    for key in sorted(groups):
        members = groups[key]
        for n, item in enumerate(members, start=1):
            rate = item_rate(item)
            values = [n, item.name_zh, item.unit, "、".join(item.towns), item.category, item.item_class]
            money = Sums(item.total_cny_10k or Decimal(0), item.year_plan_cny_10k or Decimal(0),
                         item.month_cny_10k, item.year_cny_10k)  # fmt: skip
            cells = _money_cells(money, rate, target)
            cells[0] = item.total_cny_10k  # unknown stays empty, not 0
            cells[1] = item.year_plan_cny_10k
            _row(ws, values + cells, styles, BEHIND if is_behind(rate, target) else None)
        subtotal = sums(members)
        label = f"{key} 小计（{len(members)} 项）"
        _row(
            ws, ["", label, "", "", "", "", *_money_cells(subtotal, subtotal.rate, target)], styles, SUBTOTAL, bold=True
        )
    total = sums(items)
    _row(
        ws,
        ["", f"合计（{len(items)} 项）", "", "", "", "", *_money_cells(total, total.rate, target)],
        styles,
        TOTAL,
        True,
    )

    ws.freeze_panes = f"C{HEADER_ROW + 1}"  # the headers and the project names stay in view
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.oddFooter = HeaderFooterItem(center=_Footer(text="第 &P 页，共 &N 页"))


def investment_workbook(items: list[Item], month: date) -> bytes:
    """The workbook: one sheet per grouping, each with every item, its group subtotals and the total."""
    workbook = Workbook()
    styles: StyleCache = {}  # style indices belong to this workbook
    first = True
    for title, grouping in SHEETS:
        ws = workbook.active if first else workbook.create_sheet()
        assert ws is not None
        ws.title = title
        _sheet(ws, title, grouping, items, month, styles)
        first = False
    workbook.properties.creator = "planmap"
    workbook.properties.title = f"连州市重点项目投资完成情况表 {month:%Y-%m}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def month_workbook(conn: Connection, month: date) -> bytes:
    return investment_workbook(load_items(conn, month), month)
