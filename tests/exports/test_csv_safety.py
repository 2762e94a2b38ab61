"""CSV exports cannot smuggle spreadsheet formulas, and still import back unchanged."""

from pathlib import Path

from app.api.projects import rows_to_csv
from app.catalog.importer import _read_csv

ROW = {
    "slug": "formula-test",
    "name_zh": '=HYPERLINK("http://evil.example","点击")',
    "name_en": "+SUM(A1:A9)",
    "aliases": "@cmd",
    "location_note": "-2+3",
    "source_quote": "普通文本",
    "wkt": "POINT (112.55 25)",
}


def test_formula_cells_are_neutralized_and_restored_on_import(tmp_path: Path) -> None:
    text = rows_to_csv([ROW], with_distance=False)
    assert "'=HYPERLINK" in text and "'+SUM" in text and "'@cmd" in text and "'-2+3" in text
    assert ",普通文本," in text and "POINT (112.55 25)" in text
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    _, frame, _ = _read_csv(path)
    record = frame.iloc[0]
    for key in ("name_zh", "name_en", "aliases", "location_note", "source_quote"):
        assert record[key] == ROW[key], key
