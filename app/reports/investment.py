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

import xlsxwriter
from sqlalchemy import Connection

from app.core import clock
from app.core.errors import Conflict, Invalid, NotFound
from app.programmes.vocab import LABELS
from app.reports import queries as q

MONEY = "#,##0.00"
RATE = "0.0%"
BEHIND = "#FFF2CC"  # pale amber: behind the time-elapsed target
SUBTOTAL = "#DDEBF7"
TOTAL = "#BDD7EE"
RULE = "#999999"  # the thin borders' colour
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
FIRST_MONEY, FIRST_RATE = 6, 10  # columns G-J are money (万元), K-M rates (0-based indices)
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
    from a server-side cursor: the workbook holds a batch at a time, never the whole programme. A year
    without a programme is refused here, before any workbook is begun."""
    if conn.execute(q.PROGRAMME_EXISTS, {"year": month.year}).scalar() is None:
        raise NotFound(
            f"no annual programme for {month.year}: import it first (POST /api/programmes/{month.year}/import)"
        )
    labels = json.dumps({cls.value: zh for cls, (zh, _) in LABELS.items()})
    params = {"year": month.year, "month": month, "class_labels": labels, "no_town": NO_TOWN}
    return iter(conn.execution_options(yield_per=BATCH).execute(q.INVESTMENT_ROWS, params))


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


A3 = 8  # the paper size code (ECMA-376 §18.3.1.63) for A3
SHEET_ROWS = 1_048_576  # Excel's rows per sheet
FOOTER = "&C第 &P 页，共 &N 页"


class Looks:
    """The workbook's cell formats, each made once: per look (plain, behind, subtotal, total) one for the
    text columns, one for the money and one for the rates, each with the borders, fill and weight.

    A cell is then its value and a format made beforehand: XlsxWriter writes the format's index into the
    cell, so a row costs its values, not its styles.
    """

    def __init__(self, book: Any) -> None:
        self.plain = self._look(book, None, bold=False)
        self.behind = self._look(book, BEHIND, bold=False)
        self.subtotal = self._look(book, SUBTOTAL, bold=True)
        self.total = self._look(book, TOTAL, bold=True)
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                                       "border": 1, "border_color": RULE})  # fmt: skip

    @staticmethod
    def _look(book: Any, fill: str | None, *, bold: bool) -> tuple[Any, Any, Any]:
        base: dict[str, Any] = {"border": 1, "border_color": RULE, "bold": bold}
        if fill is not None:
            base |= {"pattern": 1, "bg_color": fill}
        return book.add_format(base), book.add_format(base | {"num_format": MONEY}), \
            book.add_format(base | {"num_format": RATE})  # fmt: skip


def _write(ws: Any, r: int, values: list[Any], look: tuple[Any, Any, Any]) -> None:
    """One body row: the text columns, the money and the rates, each run of cells with its format, in
    one `write_row` each (the per-cell calls were a fifth of the writing). Text stays text (the workbook
    is opened with strings_to_formulas and strings_to_urls off: a name starting with "=" or "http://" is
    a name), numbers are numbers, and no value (None, "") is a blank cell that keeps its borders and fill."""
    if r >= SHEET_ROWS:
        raise Conflict(f"the programme has more items than one sheet can hold ({SHEET_ROWS:,} rows)")
    text, money, rate = look
    ws.write_row(r, 0, values[:FIRST_MONEY], text)
    ws.write_row(r, FIRST_MONEY, values[FIRST_MONEY:FIRST_RATE], money)
    ws.write_row(r, FIRST_RATE, values[FIRST_RATE:], rate)


def _head(ws: Any, looks: Looks, title: str, grouping: str, month: date) -> None:
    """Title, notes and column headers; column widths, frozen panes and print setup (A3 landscape, one
    page wide, the header rows on every page, centred, page numbers in the footer)."""
    for col, (_, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
    ws.freeze_panes(HEADER_ROW, 2)  # the headers and the project names stay in view
    ws.repeat_rows(0, HEADER_ROW - 1)
    ws.set_landscape()
    ws.set_paper(A3)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_footer(FOOTER)
    ws.write_string(0, 0, f"连州市重点项目投资完成情况表（{month.year}年{month.month}月，{title}）", looks.title)
    ws.write_string(
        1,
        0,
        f"单位：万元。序时进度目标 {month.month}/12；仅计已审核的月报；底色标出落后于序时进度的项目。"
        f"制表：planmap，{clock.today().isoformat()}。"
        + ("跨镇项目在所涉各镇分别列出，合计只计一次。" if grouping == "town" else ""),
    )
    for col, (name, _) in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW - 1, col, name, looks.header)


def _item_cells(row: Any, n: int, target: float) -> list[Any]:
    rate = item_rate(row)
    return [n, row.name_zh, row.unit, "、".join(row.towns or [NO_TOWN]), row.category, row.item_class,
            row.total_cny_10k, row.year_plan_cny_10k, row.month_cny_10k, row.year_cny_10k,  # unknown stays empty
            rate, target, None if rate is None else rate - target]  # fmt: skip


def _sheet(ws: Any, looks: Looks, title: str, grouping: str, items: Iterable[Any], month: date) -> None:
    """One grouping's sheet, written as its rows stream in (grouped and ordered by the query): each item,
    its group's subtotal when the group ends, and the total (every item once) at the end."""
    target = time_target(month)
    _head(ws, looks, title, grouping, month)
    r = HEADER_ROW
    total = Sums()
    for key, members in groupby(items, key=lambda row: row.key):
        group = Sums()
        for n, row in enumerate(members, start=1):
            group.add(row)
            if row.first:
                total.add(row)
            cells = _item_cells(row, n, target)
            _write(ws, r, cells, looks.behind if is_behind(cells[10], target) else looks.plain)
            r += 1
        _write(ws, r, ["", f"{key} 小计（{group.items} 项）", "", "", "", "", *group.cells(target)], looks.subtotal)
        r += 1
    _write(ws, r, ["", f"合计（{total.items} 项）", "", "", "", "", *total.cells(target)], looks.total)


def investment_workbook(stream: Iterable[Any], month: date) -> bytes:
    """The workbook: one sheet per grouping, each with every item, its group subtotals and the total.

    XlsxWriter in constant-memory mode: each row goes to the sheet's temporary file when the next one
    begins, from rows streamed from the database in sheet order, so memory holds a batch of rows and the
    formats, not the workbook (the whole workbook in memory took 2.3 GB and 222 s at 100 k items;
    openpyxl's write-only mode 379 MB and 81 s, bench/NOTES.md "Fifth round" and "Seventh session").
    Text is written inline (no shared-string table: it would hold every name).
    """
    out = io.BytesIO()
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(out, options) as workbook:
        looks = Looks(workbook)
        by_sheet = groupby(stream, key=lambda r: r.sheet)
        pending = next(by_sheet, None)
        for index, (title, grouping) in enumerate(SHEETS):
            items: Iterable[Any] = ()
            if pending is not None and pending[0] == index:
                items = pending[1]
            _sheet(workbook.add_worksheet(title), looks, title, grouping, items, month)
            if pending is not None and pending[0] == index:
                pending = next(by_sheet, None)
        workbook.set_properties({"author": "planmap", "title": f"连州市重点项目投资完成情况表 {month:%Y-%m}"})
    return out.getvalue()


def month_workbook(conn: Connection, month: date) -> bytes:
    return investment_workbook(rows(conn, month), month)
