"""Importing a bureau's XLSX project list (Chinese headers) into a plan: words for categories, statuses and
towns; a project declared as continuing (关联项目) is recognised, not duplicated; a bad row is named by
its row number and column, and nothing is written.

Every project and plan here is a FIXTURE (`fixture-…`, 测试夹具): the 15th plan's text is not in the
repository, so no real 15th-plan project is invented. The fixture's quote is a real passage of the
14th plan's text, because the importer checks that quotes are verbatim.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pytest
from sqlalchemy import Engine, text

from app.catalog.import_rows import ImportFileError
from app.catalog.importer import ImportOptions, import_file
from app.catalog.seed import seed
from app.core import migrate
from app.core.db import make_sync_engine
from app.plans.service import NewPlan, create_plan
from tests.conftest import GEODATA, write_collection

FIXTURE_PLAN = "fixture-15th"
CONTINUING = "lianzhou-experimental-kindergarten"  # a seeded 14th-plan project
QUOTE = "完成实验幼儿园、城南幼儿园等学前教育学校建设"  # verbatim in the 14th plan
HEADER = (
    "项目标识", "项目名称", "英文名称", "类别", "状态", "状态依据", "所在镇", "规划章", "规划节", "规划原文",
    "开工年份", "完工年份", "计划总投资(亿元)", "位置精度", "位置说明", "经度", "纬度", "关联项目",
)  # fmt: skip


def _row(**overrides: Any) -> list[Any]:
    """A valid new fixture project, as a clerk would type it (labels, not codes)."""
    values: dict[str, Any] = {
        "项目标识": "fixture-chengnan-kindergarten",
        "项目名称": "测试夹具：城南幼儿园",
        "英文名称": "FIXTURE: Chengnan Kindergarten",
        "类别": "教育",
        "状态": "规划",
        "状态依据": None,
        "所在镇": "连州镇",
        "规划章": "第十二章",
        "规划节": "第二节",
        "规划原文": QUOTE,
        "开工年份": 2027,
        "完工年份": 2028,
        "计划总投资(亿元)": 0.35,
        "位置精度": "仅知所在镇",
        "位置说明": "测试夹具：标在连州镇政府驻地",
        "经度": 112.3712,
        "纬度": 24.78186,
        "关联项目": None,
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "项目表"
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def engine(scratch_database: str, tmp_path: Path) -> Iterator[Engine]:
    """County, towns, one seeded 14th-plan project, and a fixture next plan."""
    migrate.upgrade(scratch_database, "head")
    eng = make_sync_engine(scratch_database)
    features = orjson.loads((GEODATA / "projects.geojson").read_bytes())["features"]
    kept = [f for f in features if f["properties"]["slug"] == CONTINUING]
    assert seed(eng, GEODATA, write_collection(tmp_path / "one.geojson", kept)).ok
    with eng.begin() as conn:
        plan = NewPlan(FIXTURE_PLAN, "测试夹具：下一规划", "FIXTURE: next plan", 2026, 2030, "fixture")
        create_plan(conn, plan, "test")
    yield eng
    eng.dispose()


def _state(engine: Engine) -> tuple[Any, ...]:
    """Everything an import could write: projects, plan memberships, history."""
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT slug, version FROM projects ORDER BY slug")).all(),
            conn.execute(text("SELECT plan_id, project_id, role FROM plan_projects ORDER BY 1, 2")).all(),
            conn.execute(text("SELECT count(*) FROM audit_log")).scalar(),
        )


def _members(engine: Engine, plan: str) -> dict[str, tuple[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("""SELECT p.slug, pp.role, pp.baseline_investment_cny_100m FROM plan_projects pp
                    JOIN plans pl ON pl.id = pp.plan_id JOIN projects p ON p.id = pp.project_id
                    WHERE pl.slug = :plan"""),
            {"plan": plan},
        ).all()
    return {r.slug: (r.role, r.baseline_investment_cny_100m) for r in rows}


def test_a_list_with_chinese_headers_joins_the_plan_and_a_linked_project_continues(
    engine: Engine, tmp_path: Path
) -> None:
    linked = _row(**{"项目标识": None, "项目名称": "连州市实验幼儿园", "英文名称": "Lianzhou Experimental Kindergarten",
                     "状态": "在建", "关联项目": CONTINUING, "计划总投资(亿元)": None})  # fmt: skip
    path = _workbook(tmp_path / "十五五项目表.xlsx", [_row(), linked])

    result = import_file(engine, path, ImportOptions(plan=FIXTURE_PLAN))

    assert not result.problems, [str(p) for p in result.problems]
    assert result.report.inserted == ["fixture-chengnan-kindergarten"]
    assert result.skipped_existing == [CONTINUING]  # recognised, not duplicated
    members = _members(engine, FIXTURE_PLAN)
    assert members["fixture-chengnan-kindergarten"][0] == "new"
    assert float(members["fixture-chengnan-kindergarten"][1]) == 0.35  # 计划总投资 is the plan's baseline
    assert members[CONTINUING][0] == "continuing"
    assert set(_members(engine, "lianzhou-14th")) == {CONTINUING}  # one project, in both plans
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT category, status, location_precision, start_year FROM projects WHERE slug = :s"),
            {"s": "fixture-chengnan-kindergarten"},
        ).one()
        assert tuple(row) == ("education", "planned", "town", 2027)  # labels read as codes
        assert conn.execute(text("SELECT count(*) FROM projects")).scalar() == 2


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    rows = [
        _row(),
        _row(**{"项目标识": "fixture-second", "类别": "火箭发射"}),
        _row(**{"项目标识": "fixture-third", "纬度": 31.2, "经度": 121.5}),  # Shanghai, not Lianzhou
        _row(**{"项目标识": "fixture-fourth", "完工年份": "明年"}),
        _row(**{"项目标识": None, "关联项目": "no-such-project"}),
    ]
    path = _workbook(tmp_path / "bad.xlsx", rows)
    before = _state(engine)

    result = import_file(engine, path, ImportOptions(plan=FIXTURE_PLAN))

    assert result.refused
    problems = {p.row.label: str(p) for p in result.problems}
    assert sorted(problems) == ["row 3", "row 4", "row 5", "row 6"]  # the header is row 1
    assert "column 类别:" in problems["row 3"] and "火箭发射" in problems["row 3"]
    assert "column 经度/纬度:" in problems["row 4"] and "outside Lianzhou county" in problems["row 4"]
    assert "column 完工年份:" in problems["row 5"] and "明年" in problems["row 5"]
    assert "column 关联项目:" in problems["row 6"] and "no-such-project" in problems["row 6"]
    assert _state(engine) == before

    # The command line says the same, on stderr, and exits 1.
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "app", "import", "--plan", FIXTURE_PLAN, str(path)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "REFUSED row 3 'fixture-second': column 类别:" in done.stderr
    assert "nothing was written" in done.stderr
    assert _state(engine) == before


def test_a_validator_message_names_the_column_it_is_about(engine: Engine, tmp_path: Path) -> None:
    rows = [_row(**{"规划原文": "测试夹具：并非规划原文的句子"}), _row(**{"项目标识": "fixture-b", "英文名称": None})]
    result = import_file(engine, _workbook(tmp_path / "quote.xlsx", rows), ImportOptions(plan=FIXTURE_PLAN))
    quote, name = (str(p) for p in result.problems)
    assert "row 2 'fixture-chengnan-kindergarten': column 规划原文: source_quote is not a verbatim passage" in quote
    assert "row 3 'fixture-b': column 英文名称: properties.name_en: Field required" in name


def test_a_sheet_without_a_required_column_is_refused_by_name(engine: Engine, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["项目名称", "类别"])
    sheet.append(["测试夹具", "教育"])
    book.save(tmp_path / "short.xlsx")
    with pytest.raises(ImportFileError, match="has no column 英文名称, 状态, 所在镇, 规划原文, 位置精度"):
        import_file(engine, tmp_path / "short.xlsx", ImportOptions(plan=FIXTURE_PLAN))
    (tmp_path / "not-a-workbook.xlsx").write_text("项目名称\n")
    with pytest.raises(ImportFileError, match=r"cannot read not-a-workbook\.xlsx as an Excel workbook"):
        import_file(engine, tmp_path / "not-a-workbook.xlsx")
