"""Reading a year's programme from a spreadsheet (.xlsx) as a county bureau keeps it.

The first sheet's first row names the columns, in Chinese or English, in any order:
项目编号/slug or 项目名称/name_zh (exactly as in the plan), 类别/class (新开工, 续建, 竣工, 预备),
年度计划投资(万元)/planned_investment_cny_10k, 形象进度目标/target. Every row is checked and every
problem named with its row number before anything is written (all or nothing).
"""

from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook

from app.programmes.service import MAX_TARGET, ItemIn
from app.programmes.vocab import parse_class

HEADERS = {
    "slug": ("slug", "项目编号", "项目代码"),
    "name_zh": ("name_zh", "项目名称"),
    "class": ("class", "类别", "项目类别", "建设性质"),
    "planned": ("planned_investment_cny_10k", "年度计划投资(万元)", "年度计划投资（万元）", "年度计划投资"),
    "target": ("target", "形象进度目标", "年度目标", "年度形象进度目标"),
}
MAX_ROWS = 5000


class SheetProblems(ValueError):
    """Every problem of a sheet, each with its row number, for a 422 that names them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _columns(header: tuple[Any, ...]) -> dict[str, int]:
    names = [str(h or "").strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(names):
            if name in {a.lower() for a in aliases}:
                found[key] = index
    return found


def _money(value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"planned investment '{value}' is not a number (万元)") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValueError(f"planned investment '{value}' must be a non-negative amount in 万元")
    return amount.quantize(Decimal("0.01"))


def read_programme(data: bytes, names: dict[str, list[str]]) -> list[tuple[int, ItemIn]]:
    """The rows of the sheet as items with their row numbers; SheetProblems names everything wrong."""
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetProblems([f"not a readable .xlsx workbook ({type(exc).__name__})"]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    columns = _columns(header or ())
    missing = [k for k in ("class",) if k not in columns]
    if "slug" not in columns and "name_zh" not in columns:
        missing.insert(0, "slug or 项目名称")
    if missing:
        raise SheetProblems([f"row 1: no column {m} (see the column names in the API docs)" for m in missing])
    items: list[tuple[int, ItemIn]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            problems.append(f"more than {MAX_ROWS} rows")
            break
        cells = {k: (row[i] if i < len(row) else None) for k, i in columns.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        try:
            items.append((number, _item(cells, names)))
        except ValueError as exc:
            problems.append(f"row {number}: {exc}")
            continue
        slug = items[-1][1].slug
        if slug in seen:
            problems.append(f"row {number}: '{slug}' is already on row {seen[slug]}")
        seen[slug] = number
    book.close()
    if problems:
        raise SheetProblems(problems)
    if not items:
        raise SheetProblems(["the sheet has no rows below its header"])
    return items


def _item(cells: dict[str, Any], names: dict[str, list[str]]) -> ItemIn:
    slug = str(cells.get("slug") or "").strip()
    if not slug:
        name = str(cells.get("name_zh") or "").strip()
        matches = names.get(name, [])
        if len(matches) != 1:
            why = "no project of the plan is" if not matches else f"{len(matches)} projects are"
            raise ValueError(f"{why} named '{name}': give its slug (项目编号)")
        slug = matches[0]
    item_class = parse_class(cells.get("class"))
    if item_class is None:
        raise ValueError(f"class '{cells.get('class')}' is not one of 新开工, 续建, 竣工, 预备")
    target = str(cells.get("target") or "").strip()
    if len(target) > MAX_TARGET:
        raise ValueError(f"the target is longer than {MAX_TARGET} characters")
    return ItemIn(slug, item_class, _money(cells.get("planned")), target)
