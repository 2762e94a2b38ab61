"""The numbered project table: number, name, status, category, location precision.

Rows keep the order of the numbers on the map. Long names wrap rather than being cut, so
every name in the table can be read (and found with a PDF viewer's search); a table that
does not fit continues on the next page.

One exception keeps the layout finite: a row may hold at most `max_lines` lines, the most a
whole column holds (see `lines_in`). Longer cells are cut there and end with an ellipsis. Without
it, a row taller than a column never fits anywhere and the pages are counted forever (issue 15,
item 2: a 2,000-character name). The write schema bounds names far below that, so only data
written past the API (SQL, an old import) is ever cut, and the cut is visible, not silent.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from app.wallmap import draw
from app.wallmap.data import MapProject
from app.wallmap.fonts import cjk_font, text_width
from app.wallmap.markers import MM

SIZE = 7.5
LEADING = SIZE * 1.25
PAD = 1.1 * MM
# Share of the table width per column: number, name, status, category, precision.
SHARES = (0.075, 0.445, 0.17, 0.17, 0.14)
HEADINGS = ("编号", "项目名称", "状态", "类别", "位置精度")
RULE = "#bbbbbb"
HEAD_FILL = "#eeeeee"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Columns:
    x: list[float]
    width: list[float]


def _columns(x: float, width: float) -> Columns:
    xs, widths = [], []
    for share in SHARES:
        xs.append(x)
        widths.append(width * share)
        x += width * share
    return Columns(xs, widths)


def lines_in(top: float, bottom: float) -> int:
    """How many lines of one row fit in a column from `top` to `bottom`, under the column's header."""
    return max(1, int((top - bottom - (LEADING + 2 * PAD) - 2 * PAD) // LEADING))


def _cut(lines: list[str], max_lines: int, width: float) -> list[str]:
    """At most `max_lines` lines; when some are dropped, the last kept one ends with an ellipsis."""
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and text_width(last + ELLIPSIS, SIZE) > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last + ELLIPSIS]


def _cells(project: MapProject, cols: Columns, max_lines: int) -> list[list[str]]:
    inner = [w - 2 * PAD for w in cols.width]
    widths = (inner[0], inner[1], inner[2] - 3 * MM, inner[3], inner[4])
    texts = (project.name_zh, project.status_label, project.category_label, project.precision_label)
    wrapped = [[str(project.number)], *(draw.wrap(t, SIZE, w) for t, w in zip(texts, widths[1:], strict=True))]
    return [_cut(lines, max_lines, w) for lines, w in zip(wrapped, widths, strict=True)]


def _row_height(cells: list[list[str]]) -> float:
    return max(len(c) for c in cells) * LEADING + 2 * PAD


def _header(c: Canvas, cols: Columns, top: float) -> float:
    height = LEADING + 2 * PAD
    c.setFillColor(draw.color(HEAD_FILL))
    c.rect(cols.x[0], top - height, sum(cols.width), height, stroke=0, fill=1)
    c.setFillColor(black)
    for x, heading in zip(cols.x, HEADINGS, strict=True):
        draw.bold_text(c, x + PAD, top - PAD - SIZE, heading, SIZE)
    return top - height


def rows_that_fit(projects: Sequence[MapProject], top: float, bottom: float, width: float, max_lines: int) -> int:
    """How many rows `draw_table` will draw in this space (to count the pages before drawing them)."""
    cols = _columns(0, width)
    y = top - (LEADING + 2 * PAD)
    for i, project in enumerate(projects):
        y -= _row_height(_cells(project, cols, max_lines))
        if y < bottom:
            return i
    return len(projects)


def draw_table(
    c: Canvas, projects: Sequence[MapProject], x: float, top: float, bottom: float, width: float, max_lines: int
) -> list[MapProject]:
    """Draw rows from `top` down to no lower than `bottom`; returns the projects that did not fit."""
    cols = _columns(x, width)
    y = _header(c, cols, top)
    for i, project in enumerate(projects):
        cells = _cells(project, cols, max_lines)
        height = _row_height(cells)
        if y - height < bottom:
            return list(projects[i:])
        c.setStrokeColor(draw.color(RULE))
        c.setLineWidth(0.4)
        c.line(x, y - height, x + width, y - height)
        c.setFillColor(draw.color(project.color))
        c.circle(cols.x[2] + PAD + 1.2 * MM, y - PAD - SIZE * 0.35, 1.2 * MM, stroke=0, fill=1)
        c.setFillColor(black)
        c.setFont(cjk_font(), SIZE)
        for col, lines in enumerate(cells):
            indent = 3 * MM if col == 2 else 0
            for n, line in enumerate(lines):
                baseline = y - PAD - SIZE - n * LEADING + 1
                if col == 0:
                    c.drawRightString(cols.x[0] + cols.width[0] - PAD, baseline, line)
                else:
                    c.drawString(cols.x[col] + PAD + indent, baseline, line)
        y -= height
    return []
