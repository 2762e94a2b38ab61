"""The evaluation report as a Word document (DOCX), the format the bureau edits further.

Why DOCX and not only PDF: the report goes through drafts (the bureau adds its judgement, the leaders
their remarks) before it is sent to the People's Congress; planmap writes the factual part — figures,
tables, lists with reasons, the map — with real Word headings and tables, so it can be restyled and
extended in Word or WPS without retyping anything.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from app.reports.evaluation import Evaluation, ListedProject
from app.reports.wording import (
    LIST_SECTIONS,
    SECTION_HEADINGS,
    chapter_cells,
    chapter_header,
    feedback_lines,
    percent,
    summary_lines,
    town_cells,
    town_header,
)

FONT = "SimSun"  # 宋体: what a Chinese government document is set in; Word substitutes if missing


def _set_font(document: object) -> None:
    style = document.styles["Normal"]  # type: ignore[attr-defined]
    style.font.name = FONT
    style.font.size = Pt(10.5)  # 五号
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _table(document: object, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _list_rows(projects: list[ListedProject]) -> list[list[str]]:
    return [[str(i), p.name_zh, p.towns, p.chapter, p.when, p.reason] for i, p in enumerate(projects, start=1)]


def evaluation_docx(report: Evaluation, map_png: bytes | None = None) -> bytes:
    """The report as DOCX bytes; `map_png` (the county map, drawn by the wall-map renderer) if given."""
    document = Document()
    _set_font(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)  # A4 landscape: the tables are wide
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2))

    title = document.add_heading(report.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        f"数据截至 {report.as_of.isoformat()}（连州时间）　·　生成于 {report.made_on.isoformat()}　·　planmap"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(SECTION_HEADINGS["summary"], level=1)
    for line in summary_lines(report):
        document.add_paragraph(line, style="List Bullet")

    if map_png is not None:
        document.add_heading(SECTION_HEADINGS["map"], level=1)
        document.add_picture(io.BytesIO(map_png), width=Cm(24))
        document.add_paragraph("敏感项目仅标于所在镇政府驻地；位置精度见各项目说明。")

    document.add_heading(SECTION_HEADINGS["chapters"], level=1)
    _table(document, chapter_header(report), [chapter_cells(report, c) for c in report.chapters])
    document.add_heading(SECTION_HEADINGS["towns"], level=1)
    document.add_paragraph("跨镇项目在每个所涉镇各计一次，故各镇合计可大于项目总数。")
    _table(document, town_header(report), [town_cells(report, t) for t in report.towns])

    for key, attribute in LIST_SECTIONS:
        projects: list[ListedProject] = getattr(report, attribute)
        document.add_heading(f"{SECTION_HEADINGS[key]}（{len(projects)} 项）", level=1)
        if projects:
            _table(document, ["序号", "项目", "所在镇", "规划章节", LIST_WHEN[key], "原因/说明"], _list_rows(projects))
        else:
            document.add_paragraph("无。")

    document.add_heading(SECTION_HEADINGS["feedback"], level=1)
    for line in feedback_lines(report):
        document.add_paragraph(line, style="List Bullet")
    document.add_paragraph(
        f"项目开工率 = 已开工项目 ÷ 规划项目（不含现有项目）；全市 {percent(report.started_share)}。"
    )

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LIST_WHEN = {"completed": "竣工日期", "late": "计划完成", "postponed": "记录日期", "cancelled": "记录日期"}
