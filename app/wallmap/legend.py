"""The legend: what the colours, symbols and outlines mean, and how far to trust a location."""

from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import Canvas

from app.wallmap import draw
from app.wallmap.data import WallmapData
from app.wallmap.fonts import cjk_font
from app.wallmap.mapframe import COUNTY_EDGE, NEIGHBOUR_EDGE, TOWN_EDGE, TOWN_FILL
from app.wallmap.markers import MM

PRECISION_NOTE = (
    "位置精度：“近似”为根据规划文字估计的位置，可能偏离实际数百米至数公里；"
    "“仅知所在镇”表示规划只写明所在镇，项目统一标于镇政府驻地，并非实际位置。"
    "镇域为近似范围（按镇政府驻地划分的泰森多边形），并非法定边界。"
)
ROW = 5.2 * MM


def _heading(c: Canvas, x: float, y: float, text: str) -> float:
    draw.bold_text(c, x, y - 10, text, 10)
    return y - 10 - 2.5 * MM


def _statuses(c: Canvas, data: WallmapData, x: float, y: float, width: float) -> float:
    """Only the statuses this town has: a colour nobody can find on the map is noise."""
    column = width / 2
    present = [s for s in data.statuses if s.count]
    for i, status in enumerate(present):
        cx, cy = x + (i % 2) * column, y - (i // 2) * ROW
        c.setFillColor(draw.color(status.color))
        c.setStrokeColor(white)
        c.circle(cx + 2 * MM, cy - 1.5 * MM, 2 * MM, stroke=0, fill=1)
        c.setFillColor(black)
        c.setFont(cjk_font(), 8.5)
        c.drawString(cx + 5.5 * MM, cy - 2.5 * MM, f"{status.label}（{status.count}）")
    return y - ((len(present) + 1) // 2) * ROW


def _symbols(c: Canvas, data: WallmapData, x: float, y: float, width: float) -> float:
    """Two columns: project symbols on the left, outlines on the right."""
    sample, grey = "#555555", draw.color("#555555")
    left, right = x, x + width / 2
    c.setFont(cjk_font(), 8.5)
    rows = 4
    # Left column: how projects are drawn.
    c.setFillColor(grey)
    c.circle(left + 2 * MM, y - 1.5 * MM, 2 * MM, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont(cjk_font(), 6.5)
    c.drawCentredString(left + 2 * MM, y - 2.3 * MM, "7")
    c.setStrokeColor(grey)
    c.setLineWidth(2.2)
    c.line(left, y - ROW - 1.5 * MM, left + 5 * MM, y - ROW - 1.5 * MM)
    c.setFillColor(draw.color(sample, 0.22))
    c.setLineWidth(1)
    c.rect(left, y - 2 * ROW - 3 * MM, 5 * MM, 3 * MM, stroke=1, fill=1)
    c.setStrokeColor(black)
    c.setDash([2, 1.5])
    c.circle(left + 2 * MM, y - 3 * ROW - 1.5 * MM, 2 * MM, stroke=1, fill=0)
    c.setDash()
    c.setFillColor(black)
    c.setFont(cjk_font(), 8.5)
    for i, text in enumerate(
        ("编号 = 表中项目", "线状项目（道路、绿道等）", "面状项目（园区、保护地等）", "仅知所在镇（标于驻地）")
    ):
        c.drawString(left + 7 * MM, y - i * ROW - 2.5 * MM, text)
    # Right column: outlines.
    c.setFillColor(draw.color(TOWN_FILL))
    c.setStrokeColor(draw.color(TOWN_EDGE))
    c.setLineWidth(1.8)
    c.rect(right, y - 3 * MM, 5 * MM, 3 * MM, stroke=1, fill=1)
    c.setStrokeColor(draw.color(NEIGHBOUR_EDGE))
    c.setLineWidth(0.6)
    c.rect(right, y - ROW - 3 * MM, 5 * MM, 3 * MM, stroke=1, fill=0)
    c.setStrokeColor(draw.color(COUNTY_EDGE))
    c.setLineWidth(1.4)
    c.setDash([7, 2, 1.5, 2])
    c.line(right, y - 2 * ROW - 1.5 * MM, right + 5 * MM, y - 2 * ROW - 1.5 * MM)
    c.setDash()
    c.setFillColor(black)
    c.rect(right + 1.4 * MM, y - 3 * ROW - 2.6 * MM, 2.2 * MM, 2.2 * MM, stroke=0, fill=1)
    labels = (f"{data.town.name_zh}镇域（近似）", "相邻镇域（近似）", "连州市界", "镇政府驻地")
    for i, text in enumerate(labels):
        c.drawString(right + 7 * MM, y - i * ROW - 2.5 * MM, text)
    return y - rows * ROW


def draw_legend(c: Canvas, data: WallmapData, x: float, top: float, width: float) -> float:
    """Draw the legend from `top` down; returns where it ends."""
    y = _heading(c, x, top, "图例")
    c.setFont(cjk_font(), 8)
    c.setFillColor(black)
    c.drawString(x, y - 2.5 * MM, "项目状态（括号内为本镇项目数）：")
    y = _statuses(c, data, x, y - 4.5 * MM, width)
    y = _symbols(c, data, x, y - 1.5 * MM, width)
    c.setFont(cjk_font(), 7.5)
    c.setFillColor(draw.color("#333333"))
    for line in draw.wrap(PRECISION_NOTE, 7.5, width):
        y -= 7.5 * 1.35
        c.drawString(x, y, line)
    return y - 2 * MM
