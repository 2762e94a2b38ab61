"""`planmap import --plan SLUG FILE.xlsx`: a bureau's project list as it keeps it, in Excel with Chinese headers.

The county's project lists (项目库, 重点项目表) are workbooks, not GIS files: a header row of Chinese
column names, categories and statuses written as words (在建, 交通), towns by name (连州镇), a point as
经度/纬度 or a shape as WKT. This module turns each row into the same catalog feature the other
formats give (`import_rows.SourceRow`), so the importer validates and writes it exactly as it does
theirs: every row through the loader's checks, nothing written unless every row is valid.

What a clerk needs from an error is the cell: every message names the sheet's row number (as Excel
shows it, the header being row 1) and the column by the header the sheet itself uses.

A row's 关联项目 (declared link) names an existing project's slug: the row IS that project continuing
in the new plan (续建), recognised rather than duplicated, even when the sheet has no slug of its own.
"""

import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import shapely
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Connection

from app.catalog import queries
from app.catalog.import_rows import ImportFileError, SourceFile, SourceRow
from app.catalog.schema import ProjectProperties
from app.catalog.vocab import PRECISION_LABELS, Category, Precision, Status, load_vocab_sync

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
INVESTMENT_FIGURE = "investment_cny_100m"  # the figure a plan's 计划总投资 is kept under (plan_projects' baseline)

# The headers a sheet may use for each column, Chinese first; a catalog property's own name works too.
# Headers are compared after NFKC (full-width brackets become ASCII) with spaces removed.
HEADERS: dict[str, tuple[str, ...]] = {
    "slug": ("项目标识", "标识"),
    "name_zh": ("项目名称", "中文名称"),
    "name_en": ("英文名称",),
    "aliases": ("别名",),
    "category": ("类别", "项目类别"),
    "status": ("状态", "项目状态"),
    "status_basis": ("状态依据",),
    "towns": ("所在镇", "所在镇街"),
    "plan_chapter": ("规划章",),
    "plan_section": ("规划节",),
    "source_quote": ("规划原文",),
    "figures": ("规划数字",),
    "start_year": ("开工年份", "开始年份"),
    "end_year": ("完工年份", "完成年份"),
    "investment": ("计划总投资(亿元)", "总投资(亿元)"),
    "location_precision": ("位置精度",),
    "location_note": ("位置说明",),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "wkt": ("WKT", "几何"),
    "link": ("关联项目",),
}
REQUIRED_COLUMNS = ("name_zh", "name_en", "category", "status", "towns", "source_quote", "location_precision")
LIST_SEPARATORS = re.compile(r"[;；、,，]")
ALIAS_SEPARATORS = re.compile(r"[;；]")
CATALOG_NAMES = frozenset(ProjectProperties.model_fields)
# Validator messages about the location, which a sheet holds in 经度/纬度 or WKT.
GEOMETRY_WORDS = ("geometry", "coordinates", "county", "project must be a", "no location")


def _normal(header: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", header)).lower()


COLUMN_KEYS: dict[str, str] = {_normal(name): key for key, names in HEADERS.items() for name in (*names, key)}


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in XLSX_SUFFIXES


@dataclass(frozen=True)
class Vocabulary:
    """Every spelling a sheet may use for a category, status, precision or town, to its code."""

    categories: dict[str, str]
    statuses: dict[str, str]
    precisions: dict[str, str]
    towns: dict[str, str]

    @classmethod
    def load(cls, conn: Connection) -> "Vocabulary":
        zh, en = load_vocab_sync(conn, "zh"), load_vocab_sync(conn, "en")
        categories = {c.value: c.value for c in Category} | _labels(zh.category_labels) | _labels(en.category_labels)
        statuses = {s.value: s.value for s in Status} | _labels(zh.status_labels) | _labels(en.status_labels)
        precisions = {p.value: p.value for p in Precision} | {k: v.value for k, v in PRECISION_LABELS.items()}
        towns: dict[str, str] = {}
        for row in conn.execute(queries.TOWN_NAMES):
            towns |= {_normal(row.slug): row.slug, _normal(row.name_zh): row.slug, _normal(row.name_en): row.slug}
        return cls(categories, statuses, precisions, towns)


def _labels(by_code: dict[str, str]) -> dict[str, str]:
    return {_normal(label): code for code, label in by_code.items()}


@dataclass
class Sheet:
    """One worksheet's columns: which key each column holds, and the header the sheet calls it by."""

    name: str
    keys: dict[int, str]
    headers: dict[str, str]
    ignored: list[str]

    def column(self, key: str) -> str:
        return self.headers.get(key, HEADERS[key][0])


@dataclass
class RowReader:
    """One row turned into catalog properties; problems already name their column."""

    sheet: Sheet
    vocab: Vocabulary
    problems: list[str] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # keys with a problem already named

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"column {self.sheet.column(key)}: {message}")
        self.reported.add("figures" if key == "investment" else key)

    def text(self, key: str, value: Any) -> str | None:
        if _blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def code(self, key: str, value: Any, known: dict[str, str], what: str) -> str | None:
        raw = self.text(key, value)
        if raw is None:
            return None
        found = known.get(_normal(raw)) or known.get(raw)
        if found is None:
            examples = ", ".join(sorted(k for k in known if not k.isascii())[:4])
            self.fail(key, f"{raw!r} is not a known {what} (write its code or its name, e.g. {examples})")
        return found

    def towns(self, value: Any) -> list[str]:
        raw = self.text("towns", value)
        if raw is None:
            return []
        towns: list[str] = []
        unknown: list[str] = []
        for part in (p.strip() for p in LIST_SEPARATORS.split(raw) if p.strip()):
            slug = self.vocab.towns.get(_normal(part))
            (towns if slug else unknown).append(slug or part)
        if unknown:
            self.fail("towns", f"unknown town(s) {', '.join(unknown)} (a town's name such as 连州镇, or its slug)")
        return towns

    def year(self, key: str, value: Any) -> int | None:
        if _blank(value):
            return None
        if isinstance(value, datetime | date):
            self.fail(key, f"must be a year such as 2027, not a date ({value:%Y-%m-%d})")
            return None
        try:
            number = float(str(value).strip().removesuffix("年"))
        except ValueError:
            number = math.nan
        if not number.is_integer():
            self.fail(key, f"must be a whole year such as 2027, got {value!r}")
            return None
        return int(number)

    def number(self, key: str, value: Any) -> float | None:
        if _blank(value):
            return None
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            self.fail(key, f"must be a number of 亿元 (100 million CNY) such as 3.5, got {value!r}")
            return None
        return number

    def figures(self, value: Any) -> dict[str, Any]:
        if _blank(value):
            return {}
        try:
            parsed = orjson.loads(str(value))
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            self.fail("figures", f'must be a JSON object such as {{"length_km": 12}}, got {value!r}')
            return {}
        return parsed

    def geometry(self, cells: dict[str, Any]) -> Any:
        wkt = self.text("wkt", cells.get("wkt"))
        if wkt is not None:
            try:
                return shapely.from_wkt(wkt)
            except shapely.errors.GEOSException as exc:
                self.fail("wkt", f"not readable WKT ({str(exc).splitlines()[0]})")
                return None
        lon, lat = cells.get("lon"), cells.get("lat")
        if _blank(lon) and _blank(lat):
            where = "WKT" if "wkt" in self.sheet.headers else f"{self.sheet.column('lon')}/{self.sheet.column('lat')}"
            self.problems.append(f"column {where}: no location (give 经度 and 纬度, or WKT)")
            self.reported.add("geometry")
            return None
        try:
            x, y = float(str(lon).strip()), float(str(lat).strip())
        except ValueError:
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            self.fail("lon", f"经度/纬度 must be numbers in degrees (WGS 84), got {lon!r}, {lat!r}")
            self.reported.add("geometry")
            return None
        return shapely.Point(x, y)

    def explain(self, messages: Sequence[str]) -> list[str]:
        """The validator's messages, each prefixed by the column it is about; a message about a
        property this reader already reported (an unknown category left out, say) is dropped."""
        out: list[str] = []
        for message in messages:
            if message.startswith("column "):
                out.append(message)
                continue
            key = _message_key(message)
            if key in self.reported and message not in self.problems:
                continue
            out.append(f"column {self.column_of(key)}: {message}" if key else message)
        return out

    def column_of(self, key: str) -> str:
        if key == "geometry":
            has_wkt = "wkt" in self.sheet.headers
            return "WKT" if has_wkt else f"{self.sheet.column('lon')}/{self.sheet.column('lat')}"
        if key == "figures" and "figures" not in self.sheet.headers and "investment" in self.sheet.headers:
            return self.sheet.column("investment")
        return self.sheet.column(key) if key in HEADERS else key


def _message_key(message: str) -> str | None:
    """Which column a validator message is about: the property it starts with, or the location."""
    text = message.removeprefix("properties.")
    head = re.split(r"[.: ]", text, maxsplit=1)[0]
    if head in CATALOG_NAMES:
        return head
    if text.startswith(("unknown town", "declared towns")):
        return "towns"
    if text.startswith("slug repeats"):
        return "slug"
    if any(word in text for word in GEOMETRY_WORDS):
        return "geometry"
    return None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _sheet(name: str, header: Sequence[Any]) -> Sheet:
    keys: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        key = COLUMN_KEYS.get(_normal(str(cell)))
        if key is None or key in headers:
            ignored.append(str(cell))
            continue
        keys[index] = key
        headers[key] = str(cell).strip()
    return Sheet(name, keys, headers, ignored)


def _row(reader: RowReader, label: str, cells: dict[str, Any], conn: Connection) -> SourceRow:
    """One row into a catalog feature; the link (关联项目) makes it the existing project it names."""
    props: dict[str, Any] = {}
    for key in ("name_zh", "name_en", "status_basis", "plan_chapter", "plan_section", "source_quote", "location_note"):
        props[key] = reader.text(key, cells.get(key))
    aliases = reader.text("aliases", cells.get("aliases"))
    props["aliases"] = [a.strip() for a in ALIAS_SEPARATORS.split(aliases or "") if a.strip()]
    props["category"] = reader.code("category", cells.get("category"), reader.vocab.categories, "category")
    props["status"] = reader.code("status", cells.get("status"), reader.vocab.statuses, "status")
    props["location_precision"] = reader.code(
        "location_precision", cells.get("location_precision"), reader.vocab.precisions, "location precision"
    )
    props["towns"] = reader.towns(cells.get("towns"))
    props["start_year"] = reader.year("start_year", cells.get("start_year"))
    props["end_year"] = reader.year("end_year", cells.get("end_year"))
    figures = reader.figures(cells.get("figures"))
    investment = reader.number("investment", cells.get("investment"))
    props["figures"] = figures | ({INVESTMENT_FIGURE: investment} if investment is not None else {})
    slug = reader.text("slug", cells.get("slug"))
    link = reader.text("link", cells.get("link"))
    if link is not None:
        if not conn.execute(queries.EXISTING_SLUGS, {"slugs": [link]}).first():
            reader.fail("link", f"no project '{link}' to continue (关联项目 names an existing project's 项目标识)")
        elif slug not in (None, link):
            reader.fail("slug", f"'{slug}' differs from 关联项目 '{link}': a continuing project keeps its 项目标识")
        slug = link
    props["slug"] = slug
    geometry = reader.geometry(cells)
    if geometry is None or shapely.is_empty(geometry):
        if "geometry" not in reader.reported:
            reader.problems.append(f"column {reader.column_of('geometry')}: the location is empty")
        return SourceRow(label, slug, None, reader.problems, reader.explain)
    # An empty property is left out, so the schema names the required ones ("Field required").
    props = {k: v for k, v in props.items() if v is not None}
    feature = {"type": "Feature", "properties": props, "geometry": orjson.loads(shapely.to_geojson(geometry))}
    return SourceRow(label, slug, feature, reader.problems, reader.explain)


def read_xlsx(conn: Connection, path: Path) -> SourceFile:
    """Every non-empty row of every sheet whose header row names projects' columns."""
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError(f"cannot read {path.name} as an Excel workbook (.xlsx): {exc}") from exc
    vocab = Vocabulary.load(conn)
    notes: list[str] = []
    rows: list[SourceRow] = []
    layers: list[str] = []
    try:
        sheets = list(workbook.worksheets)
        for worksheet in sheets:
            values = worksheet.iter_rows(values_only=True)
            sheet = _sheet(worksheet.title, next(values, ()))
            if not sheet.keys:
                notes.append(f"sheet {worksheet.title}: no project columns in its first row, skipped")
                continue
            missing = [HEADERS[k][0] for k in REQUIRED_COLUMNS if k not in sheet.headers]
            if "wkt" not in sheet.headers and not {"lon", "lat"} <= sheet.headers.keys():
                missing.append("经度 and 纬度 (or WKT)")
            if missing:
                raise ImportFileError(f"sheet {worksheet.title} of {path.name} has no column {', '.join(missing)}")
            if sheet.ignored:
                notes.append(f"sheet {worksheet.title}: ignored column(s) {', '.join(sheet.ignored)}")
            layers.append(worksheet.title)
            for number, row in enumerate(values, start=2):
                cells = {key: row[i] for i, key in sheet.keys.items() if i < len(row)}
                if all(_blank(v) for v in cells.values()):
                    continue
                label = f"sheet {worksheet.title} row {number}" if len(sheets) > 1 else f"row {number}"
                rows.append(_row(RowReader(sheet, vocab), label, cells, conn))
    finally:
        workbook.close()
    if not layers:
        raise ImportFileError(f"{path.name} has no sheet whose first row names project columns (项目名称, 类别 …)")
    return SourceFile(path, "XLSX", layers, rows, notes)
