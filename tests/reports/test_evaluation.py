"""The evaluation report: a planner downloads it as DOCX and PDF; both open in real readers, hold the
expected headings, tables and lists (with reasons), and their figures are the dashboard's for that day."""

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from app.core import clock
from app.reports.wording import SECTION_HEADINGS
from tests.reports.conftest import CANCELLED, COMPLETED, POSTPONED
from tests.support.editing import EditWorld

TODAY = clock.today().isoformat()
QUERY = {"plan": "lianzhou-14th", "kind": "annual", "as_of": TODAY}


def download(bureau: EditWorld, fmt: str, **query: str) -> bytes:
    response = bureau.client.get(f"/api/reports/evaluation.{fmt}", params=query, headers=bureau.auth("planner"))
    assert response.status_code == 200, response.text
    assert f".{fmt}" in response.headers["content-disposition"]
    return response.content


@pytest.fixture(scope="module")
def docx_bytes(bureau: EditWorld) -> bytes:
    return download(bureau, "docx", **QUERY)


@pytest.fixture(scope="module")
def stats(bureau: EditWorld) -> dict[str, Any]:
    response = bureau.client.get("/api/stats", params={"plan": "lianzhou-14th", "as_of": TODAY})
    assert response.status_code == 200
    return dict(response.json())


def name_of(bureau: EditWorld, slug: str) -> str:
    return str(bureau.client.get(f"/api/projects/{slug}").json()["properties"]["name_zh"])


def tables_by_header(document: Any) -> dict[str, list[list[str]]]:
    return {t.rows[0].cells[0].text: [[c.text for c in r.cells] for r in t.rows] for t in document.tables}


def test_the_docx_has_every_section(docx_bytes: bytes) -> None:
    document = Document(io.BytesIO(docx_bytes))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0].endswith("年度实施情况考核报告")
    for key, heading in SECTION_HEADINGS.items():
        assert any(h.startswith(heading) for h in headings), key
    assert document.inline_shapes, "the county map is in the document"


def test_docx_figures_equal_the_dashboards(docx_bytes: bytes, stats: dict[str, Any]) -> None:
    tables = tables_by_header(Document(io.BytesIO(docx_bytes)))
    towns = {row[0]: row for row in tables["镇（街道）"][1:]}
    assert len(towns) == len(stats["by_town"])
    for town in stats["by_town"]:
        row = towns[town["name_zh"]]
        assert int(row[1]) == town["total"] and int(row[6]) == town["started"], town["name_zh"]
        share = town["started_share"]
        assert row[7] == ("—" if share is None else f"{share * 100:.1f}%")
    chapters = {row[0]: int(row[1]) for row in tables["规划章节"][1:]}
    assert chapters == {c["chapter"] or "（未列章节）": c["total"] for c in stats["by_chapter"]}
    text = "\n".join(p.text for p in Document(io.BytesIO(docx_bytes)).paragraphs)
    assert f"规划项目库共 {stats['total']} 项" in text


def test_the_lists_name_projects_with_their_reasons(docx_bytes: bytes, bureau: EditWorld) -> None:
    document = Document(io.BytesIO(docx_bytes))
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    cancelled = next(r for r in rows if r[1] == name_of(bureau, CANCELLED))
    assert cancelled[-1] == "选址位于生态保护红线内"
    assert next(r for r in rows if r[1] == name_of(bureau, POSTPONED))[-1] == "资金未落实，推迟至十五五"
    assert next(r for r in rows if r[1] == name_of(bureau, COMPLETED))[4] == "2025-10-20"


def test_the_pdf_renders_and_says_the_same(bureau: EditWorld, stats: dict[str, Any], tmp_path: Path) -> None:
    pdf = download(bureau, "pdf", **QUERY)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"规划项目库共 {stats['total']} 项" in text
    assert "选址位于生态保护红线内" in text and SECTION_HEADINGS["map"] in text
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: make poppler")
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "report.pdf", "page"], cwd=tmp_path, check=True
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("RGB")
    assert image.width > image.height  # A4 landscape
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 500, "the map page is drawn, not blank"


def test_final_report_matches_the_dashboard_at_the_plan_end(bureau: EditWorld) -> None:
    docx = download(bureau, "docx", plan="lianzhou-14th", kind="final")
    stats = bureau.client.get("/api/stats", params={"plan": "lianzhou-14th", "as_of": "2025-12-31"}).json()
    document = Document(io.BytesIO(docx))
    assert "数据截至 2025-12-31" in document.paragraphs[1].text
    towns = {row[0]: int(row[1]) for row in tables_by_header(document)["镇（街道）"][1:]}
    assert towns == {t["name_zh"]: t["total"] for t in stats["by_town"]}


def test_refusals(bureau: EditWorld) -> None:
    url = "/api/reports/evaluation.pdf"
    assert bureau.client.get(url, params=QUERY).status_code == 401
    assert bureau.client.get(url, params=QUERY, headers=bureau.auth("official_xingzi")).status_code == 403
    planner = bureau.auth("planner")
    missing = bureau.client.get(url, params={**QUERY, "plan": "nowhere-9th"}, headers=planner)
    assert missing.status_code == 404 and "nowhere-9th" in missing.text
    future = bureau.client.get(url, params={**QUERY, "as_of": "2099-01-01"}, headers=planner)
    assert future.status_code == 422
    assert bureau.client.get(url, params={**QUERY, "kind": "weekly"}, headers=planner).status_code == 422
