"""The evaluation report as PDF (A4 landscape), with the county map drawn by the wall-map renderer.

Why the PDF lives with the wall maps: it draws its map with the same code (outlines, markers placed to
avoid each other, scale bar, north arrow) and sets its text in the same embedded Chinese font, so the
filed copy reads the same on every machine. The words and numbers come from app/reports/wording.py, the
same as the DOCX edition's.
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.ext.asyncio import AsyncConnection

from app import __version__
from app.reports.docx import evaluation_docx
from app.reports.evaluation import Evaluation, Kind, ListedProject, build_evaluation
from app.reports.wording import (
    LIST_SECTIONS,
    SECTION_HEADINGS,
    chapter_cells,
    chapter_header,
    feedback_lines,
    summary_lines,
    town_cells,
    town_header,
)
from app.wallmap.county import load_county_map
from app.wallmap.data import WallmapData
from app.wallmap.fonts import cjk_font
from app.wallmap.mapframe import draw_map
from app.wallmap.projection import Frame
from app.wallmap.renderer import RenderPool

PAGE = landscape(A4)
MARGIN = 15 * mm
LIST_WHEN = {"completed": "竣工日期", "late": "计划完成", "postponed": "记录日期", "cancelled": "记录日期"}


class MapFlowable(Flowable):  # type: ignore[misc]
    """The county map as a block in the text, drawn by the wall-map renderer into its own frame."""

    def __init__(self, data: WallmapData, width: float, height: float) -> None:
        super().__init__()
        self.data, self.width, self.height = data, width, height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_map(self.canv, self.data, Frame(0, 0, self.width, self.height), paper="A4")


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=4 * mm),
        "dated": ParagraphStyle("dated", parent=body, alignment=1, textColor=colors.HexColor("#444444")),
        "h1": ParagraphStyle("h1", parent=body, fontSize=13, leading=20, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10.5),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=5 * mm, bulletIndent=0),
    }


def _table(rows: list[list[str]], style: ParagraphStyle, widths: list[float] | None = None) -> Table:
    """A ruled table with a repeated, shaded header row; every cell is escaped text, never markup."""
    cells = [[Paragraph(escape(text), style) for text in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _list_rows(key: str, projects: list[ListedProject]) -> list[list[str]]:
    header = ["序号", "项目", "所在镇", "规划章节", LIST_WHEN[key], "原因/说明"]
    return [header] + [[str(i), p.name_zh, p.towns, p.chapter, p.when, p.reason] for i, p in enumerate(projects, 1)]


def _map_index(county: WallmapData, style: ParagraphStyle, width: float) -> Table:
    """The numbers on the map with their projects, three to a row, so every marker can be looked up."""
    cells = [[str(p.number), p.name_zh, p.status_label] for p in county.projects]
    per_column = -(-len(cells) // 3)
    columns = [cells[i * per_column : (i + 1) * per_column] for i in range(3)]
    rows = [["编号", "项目", "状态"] * 3]
    for i in range(per_column):
        rows.append([text for column in columns for text in (column[i] if i < len(column) else ["", "", ""])])
    third = width / 3
    return _table(rows, style, [10 * mm, third - 26 * mm, 16 * mm] * 3)


def _footer(report: Evaluation) -> Any:
    def draw(c: Canvas, doc: SimpleDocTemplate) -> None:
        c.saveState()
        c.setFont(cjk_font(), 8)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawString(MARGIN, 8 * mm, f"{report.title}　数据截至 {report.as_of.isoformat()}")
        c.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"第 {doc.page} 页　planmap {__version__}")
        c.restoreState()

    return draw


def evaluation_pdf(report: Evaluation, county: WallmapData | None) -> bytes:
    """The report as PDF bytes; `county` is the map's data (None: no map section)."""
    s = _styles()
    width = PAGE[0] - 2 * MARGIN
    story: list[Flowable] = [
        Paragraph(escape(report.title), s["title"]),
        Paragraph(
            f"数据截至 {report.as_of.isoformat()}（连州时间）　·　生成于 {report.made_on.isoformat()}", s["dated"]
        ),
        Paragraph(SECTION_HEADINGS["summary"], s["h1"]),
        *(Paragraph(escape(line), s["bullet"], bulletText="•") for line in summary_lines(report)),
    ]
    if county is not None:
        story += [PageBreak(), Paragraph(SECTION_HEADINGS["map"], s["h1"])]
        story.append(MapFlowable(county, width, PAGE[1] - 2 * MARGIN - 30 * mm))
        legend = "　".join(
            f'<font color="{k.color}">■</font> {escape(k.label)}（{k.count}）' for k in county.statuses if k.count
        )
        story.append(Paragraph(f"{legend}　敏感项目仅标于所在镇政府驻地。", s["cell"]))
        story += [Paragraph("地图编号索引", s["h1"]), _map_index(county, s["cell"], width)]
    story += [
        PageBreak(),
        Paragraph(SECTION_HEADINGS["chapters"], s["h1"]),
        _table([chapter_header(report)] + [chapter_cells(report, c) for c in report.chapters], s["cell"]),
        Paragraph(SECTION_HEADINGS["towns"], s["h1"]),
        Paragraph("跨镇项目在每个所涉镇各计一次，故各镇合计可大于项目总数。", s["cell"]),
        _table([town_header(report)] + [town_cells(report, t) for t in report.towns], s["cell"]),
    ]
    list_widths = [12 * mm, 70 * mm, 35 * mm, 50 * mm, 25 * mm, width - 192 * mm]
    for key, attribute in LIST_SECTIONS:
        projects: list[ListedProject] = getattr(report, attribute)
        story.append(Paragraph(f"{SECTION_HEADINGS[key]}（{len(projects)} 项）", s["h1"]))
        if projects:
            story.append(_table(_list_rows(key, projects), s["cell"], list_widths))
        else:
            story.append(Paragraph("无。", s["body"]))
    story.append(Paragraph(SECTION_HEADINGS["feedback"], s["h1"]))
    story += [Paragraph(escape(line), s["bullet"], bulletText="•") for line in feedback_lines(report)]
    story.append(Spacer(1, 4 * mm))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=report.title,
        author="planmap",
        creator=f"planmap {__version__}",
    )
    doc.build(story, onFirstPage=_footer(report), onLaterPages=_footer(report))
    return buffer.getvalue()


def county_map_png(county: WallmapData, width: float = 260 * mm, height: float = 170 * mm, dpi: int = 150) -> bytes:
    """The county map as a PNG picture (for the DOCX edition): drawn as PDF, rasterised by PDFium."""
    import pypdfium2  # a heavy import, only needed here

    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height))
    draw_map(c, county, Frame(0, 0, width, height), paper=None)  # a picture: resized, so no ratio
    c.showPage()
    c.save()
    pdf = pypdfium2.PdfDocument(buffer.getvalue())
    try:
        image = pdf[0].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class EvaluationDocuments:
    report: Evaluation
    stem: str  # the file name without its suffix, e.g. planmap-lianzhou-14th-final-20251231
    files: dict[str, bytes]  # "docx" and "pdf"


def render_documents(report: Evaluation, county: WallmapData) -> dict[str, bytes]:
    """Both editions (a top-level function, so a render worker process can run it)."""
    return {"docx": evaluation_docx(report, county_map_png(county)), "pdf": evaluation_pdf(report, county)}


async def evaluation_documents(
    conn: AsyncConnection,
    plan: str,
    kind: Kind,
    as_of: date | None = None,
    year: int | None = None,
    renders: RenderPool | None = None,
) -> EvaluationDocuments:
    """The report's figures and its county map read from the database, then drawn (in `renders` if given,
    with its time limit and cap, else here)."""
    report = await build_evaluation(conn, plan, kind, as_of, year)
    county = await conn.run_sync(load_county_map, plan, report.as_of, report.made_on)
    if renders is None:
        files = render_documents(report, county)
    else:
        files = await renders.run_async(render_documents, report, county)
    stem = f"planmap-{plan}-{kind.value}-{report.as_of.strftime('%Y%m%d')}"
    return EvaluationDocuments(report, stem, files)
