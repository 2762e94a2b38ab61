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
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Footer
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection

from app.core import clock
from app.core.errors import Invalid, NotFound
from app.programmes.vocab import LABELS
from app.reports import queries as q

MONEY = "#,##0.00"
RATE = "0.0%"
BEHIND = PatternFill("solid", fgColor="FFF2CC")  # pale amber: behind the time-elapsed target
SUBTOTAL = PatternFill("solid", fgColor="DDEBF7")
TOTAL = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="999999")
HEADER_ROW = 3  # rows 1-2: title and notes
BATCH = 2000  # rows fetched from the database at a time
ZERO = Decimal(0)
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


NO_TOWN = "（未定位）"


def rows(conn: Connection, month: date) -> Iterator[Any]:
    """Every sheet's item rows in the order they are written (queries.INVESTMENT_ROWS), fetched in batches
    from a server-side cursor: the workbook holds a batch at a time, never the whole programme."""
    if conn.execute(q.PROGRAMME_EXISTS, {"year": month.year}).scalar() is None:
        raise NotFound(
            f"no annual programme for {month.year}: import it first (POST /api/programmes/{month.year}/import)"
        )
    labels = json.dumps({cls.value: zh for cls, (zh, _) in LABELS.items()})
    params = {"year": month.year, "month": month, "class_labels": labels, "no_town": NO_TOWN}
    yield from conn.execution_options(yield_per=BATCH).execute(q.INVESTMENT_ROWS, params)


def item_rate(row: Any) -> float | None:
    return float(row.year_cny_10k / row.year_plan_cny_10k) if row.year_plan_cny_10k else None


def is_behind(rate: float | None, target: float) -> bool:
    """Behind the time-elapsed target; a project without a year plan is not judged (nothing to judge by)."""
    return rate is not None and rate < target


@dataclass
class Sums:
    """A group's money and size as its rows stream past, with the rate computed from its sums (None
    without a year plan)."""

    items: int = 0
    total_cny_10k: Decimal = ZERO
    year_plan_cny_10k: Decimal = ZERO
    month_cny_10k: Decimal = ZERO
    year_cny_10k: Decimal = ZERO

    def add(self, row: Any) -> None:
        self.items += 1
        self.total_cny_10k += row.total_cny_10k or ZERO
        self.year_plan_cny_10k += row.year_plan_cny_10k or ZERO
        self.month_cny_10k += row.month_cny_10k
        self.year_cny_10k += row.year_cny_10k

    @property
    def rate(self) -> float | None:
        return float(self.year_cny_10k / self.year_plan_cny_10k) if self.year_plan_cny_10k else None

    def cells(self, target: float) -> list[Any]:
        rate = self.rate
        return [self.total_cny_10k, self.year_plan_cny_10k, self.month_cny_10k, self.year_cny_10k, rate, target,
                None if rate is None else rate - target]  # fmt: skip


class Looks:
    """The workbook's cell styles, each made once, and one cell per look and sheet, reused row after row.

    openpyxl registers a style object by hashing it deeply, so styling every cell anew cost 15 s for
    1 k items; a look's style indices are built once. A write-only sheet writes an appended row before
    `append` returns, so the same styled cell can carry the next row's value: making 5 M cells at
    100 k items (and copying their styles) was a quarter of the workbook's time.
    """

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int, str | None, bool], Any] = {}

    def _cell(self, ws: Any, col: int, fill: PatternFill | None, bold: bool) -> Any:
        key = (id(ws), col, None if fill is None else str(fill.fgColor.rgb), bold)
        if key not in self.cells:
            cell: Any = WriteOnlyCell(ws)  # Any: the stubs do not declare `_style` (the style indices)
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
            if col in MONEY_COLUMNS or col in RATE_COLUMNS:
                cell.number_format = MONEY if col in MONEY_COLUMNS else RATE
            if fill is not None:
                cell.fill = fill
            if bold:
                cell.font = Font(bold=True)
            self.cells[key] = cell
        return self.cells[key]

    def row(self, ws: Any, values: list[Any], fill: PatternFill | None = None, bold: bool = False) -> list[Any]:
        """The cells of a body row (borders, number formats, fill and weight), to append at once."""
        out = []
        for col, value in enumerate(values, start=1):
            cell = self._cell(ws, col, fill, bold)
            cell.value = value
            out.append(cell)
        return out


def _head(ws: Any, title: str, grouping: str, month: date) -> None:
    """Title, notes and column headers; column widths, frozen panes and print setup (all set before the
    first row: a write-only sheet writes its settings ahead of its rows)."""
    for col, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"  # the headers and the project names stay in view
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.oddFooter = HeaderFooterItem(center=_Footer(text="第 &P 页，共 &N 页"))
    heading: Any = WriteOnlyCell(ws, f"连州市重点项目投资完成情况表（{month.year}年{month.month}月，{title}）")
    heading.font = Font(bold=True, size=14)
    ws.append([heading])
    ws.append(
        [
            f"单位：万元。序时进度目标 {month.month}/12；仅计已审核的月报；底色标出落后于序时进度的项目。"
            f"制表：planmap，{clock.today().isoformat()}。"
            + ("跨镇项目在所涉各镇分别列出，合计只计一次。" if grouping == "town" else "")
        ]
    )
    headers = []
    for name, _ in COLUMNS:
        cell: Any = WriteOnlyCell(ws, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
        headers.append(cell)
    ws.append(headers)


def _item_cells(row: Any, n: int, target: float) -> list[Any]:
    rate = item_rate(row)
    return [n, row.name_zh, row.unit, "、".join(row.towns or [NO_TOWN]), row.category, row.item_class,
            row.total_cny_10k, row.year_plan_cny_10k, row.month_cny_10k, row.year_cny_10k,  # unknown stays empty
            rate, target, None if rate is None else rate - target]  # fmt: skip


def _sheet(ws: Any, looks: Looks, title: str, grouping: str, items: Iterable[Any], month: date) -> None:
    """One grouping's sheet, written as its rows stream in (grouped and ordered by the query): each item,
    its group's subtotal when the group ends, and the total (every item once) at the end."""
    target = time_target(month)
    _head(ws, title, grouping, month)
    total = Sums()
    for key, members in groupby(items, key=lambda r: r.key):
        group = Sums()
        for n, row in enumerate(members, start=1):
            group.add(row)
            if row.first:
                total.add(row)
            behind = is_behind(item_rate(row), target)
            ws.append(looks.row(ws, _item_cells(row, n, target), BEHIND if behind else None))
        label = f"{key} 小计（{group.items} 项）"
        ws.append(looks.row(ws, ["", label, "", "", "", "", *group.cells(target)], SUBTOTAL, bold=True))
    label = f"合计（{total.items} 项）"
    ws.append(looks.row(ws, ["", label, "", "", "", "", *total.cells(target)], TOTAL, bold=True))


def investment_workbook(stream: Iterable[Any], month: date) -> bytes:
    """The workbook: one sheet per grouping, each with every item, its group subtotals and the total.

    Write-only (openpyxl streams each row to a temporary file as it is appended), from rows streamed
    from the database in sheet order: memory holds a batch of rows and the styles, not the workbook
    (the whole workbook in memory took 2.3 GB and 222 s at 100 k items, bench/NOTES.md "Fifth round").
    """
    workbook = Workbook(write_only=True)
    looks = Looks()
    by_sheet = groupby(stream, key=lambda r: r.sheet)
    pending = next(by_sheet, None)
    for index, (title, grouping) in enumerate(SHEETS):
        items: Iterable[Any] = ()
        if pending is not None and pending[0] == index:
            items = pending[1]
        _sheet(workbook.create_sheet(title), looks, title, grouping, items, month)
        if pending is not None and pending[0] == index:
            pending = next(by_sheet, None)
    workbook.properties.creator = "planmap"
    workbook.properties.title = f"连州市重点项目投资完成情况表 {month:%Y-%m}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def month_workbook(conn: Connection, month: date) -> bytes:
    return investment_workbook(rows(conn, month), month)
