"""THE registry of project fields: one entry per field, read by every surface that names one.

Before this table a field's label lived in the page's messages, the feeds' own table and the
editor's messages (which disagreed on `name_zh`), its visibility in three history readers
(which disagreed on `location_note`), and its place in the GeoJSON properties, the CSV columns
and the shapefile names in four more lists. Adding a field now means one entry here, its
column (a migration, `app.core.models`) and, if it needs one, its SQL expression.

Order matters twice, and the two orders are different on purpose:
- `FIELDS` is in the order of the GeoJSON properties and the export columns, a public contract
  that files and scripts rely on: never reorder it, only append.
- `READING_ORDER` is the order a history lists changes in: what happened, where, then the rest.
"""

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class ProjectField:
    """One field of a project as the surfaces need it.

    `en` is written as it reads in running text ("changed location, towns"); `label(...,
    heading=True)` capitalises it for a list or a form. `staff_only`: its changes are staff
    business and never appear in a public history (whether a site is protected, internal ids).
    `reveals_location`: for a sensitive site (shown to the public at its town seat only) its
    value may tell where the site really is, so no public surface shows it or its changes;
    they are the columns `projects_public` generalizes (migration 0004).
    """

    name: str
    zh: str
    en: str
    staff_only: bool = False
    reveals_location: bool = False
    catalog: bool = False  # a property of the plan catalog's features (validated by app.catalog.schema)
    property: bool = True  # a property of the GeoJSON Feature every read returns
    csv: bool = False  # a column of the CSV and the other flat exports
    shp: str | None = None  # its dBASE field name: at most 10 characters, a text's 9 (its `…2` continuation fits)

    def label(self, lang: Lang, heading: bool = False) -> str:
        if lang == "zh":
            return self.zh
        return self.en[:1].upper() + self.en[1:] if heading else self.en


FIELDS: tuple[ProjectField, ...] = (
    ProjectField("slug", "标识", "identifier", csv=True, shp="slug"),
    ProjectField("name_zh", "中文名称", "Chinese name", catalog=True, csv=True, shp="name_zh"),
    ProjectField("name_en", "英文名称", "English name", catalog=True, csv=True, shp="name_en"),
    ProjectField("aliases", "别名", "also called", catalog=True, csv=True, shp="aliases"),
    ProjectField("category", "类别", "category", catalog=True, csv=True, shp="category"),
    ProjectField("status", "状态", "status", catalog=True, csv=True, shp="status"),
    ProjectField("status_basis", "状态依据", "status basis", catalog=True, csv=True, shp="st_basis"),
    ProjectField("towns", "所在镇", "towns", csv=True, shp="towns"),
    ProjectField("plan_chapter", "规划章", "plan chapter", catalog=True, csv=True, shp="plan_chap"),
    ProjectField("plan_section", "规划节", "plan section", catalog=True, csv=True, shp="plan_sect"),
    ProjectField("source_quote", "规划原文", "plan text", catalog=True, csv=True, shp="src_quote"),
    ProjectField("figures", "规划数字", "figures", catalog=True, csv=True, shp="figures"),
    ProjectField("start_year", "开始年份", "start year", catalog=True, csv=True, shp="start_year"),
    ProjectField("end_year", "完成年份", "end year", catalog=True, csv=True, shp="end_year"),
    ProjectField(
        "location_precision",
        "位置精度",
        "location precision",
        reveals_location=True,
        catalog=True,
        csv=True,
        shp="loc_prec",
    ),
    ProjectField(
        "location_note", "位置说明", "location note", reveals_location=True, catalog=True, csv=True, shp="loc_note"
    ),
    # The same note in Chinese, from the same facts (issue 22); optional in files that predate it.
    ProjectField(
        "location_note_zh",
        "位置说明（中文）",
        "location note (Chinese)",
        reveals_location=True,
        catalog=True,
        csv=True,
        shp="lnote_zh",
    ),
    ProjectField("created_at", "创建时间", "created"),
    ProjectField("updated_at", "更新时间", "updated", csv=True, shp="updated_at"),
    ProjectField("version", "版本", "version", csv=True, shp="version"),
    ProjectField("status_reason", "原因", "reason"),
    ProjectField("merged_into", "并入项目", "merged into"),
    ProjectField("planned_start", "计划开工日期", "planned start"),
    ProjectField("planned_end", "计划完工日期", "planned completion"),
    ProjectField("planned_investment_cny_100m", "计划投资（亿元）", "planned investment (100 million CNY)"),
    ProjectField("actual_start", "实际开工日期", "actual start"),
    ProjectField("actual_end", "实际完工日期", "actual completion"),
    ProjectField("actual_spend_cny_100m", "实际支出（亿元）", "actual spending (100 million CNY)"),
    ProjectField("sensitive", "敏感地点", "sensitive site", staff_only=True),
    ProjectField("info_date", "资料截至", "information dates from"),
    ProjectField("info_precision", "资料日期精度", "precision of that date"),
    ProjectField("plan", "所属规划", "plan"),
    ProjectField("plan_role", "规划中角色", "role in the plan"),
    ProjectField("warnings", "预警", "warnings"),
    ProjectField("rag", "红黄绿评级", "rating"),
    # Not GeoJSON properties, but named by history entries.
    ProjectField("geometry", "位置", "location", reveals_location=True, property=False),
    ProjectField("reason", "原因", "reason", property=False),
    ProjectField("effective_date", "生效日期", "effective date", property=False),
    ProjectField("merged_into_id", "并入项目编号", "merged into (id)", staff_only=True, property=False),
)

BY_NAME: dict[str, ProjectField] = {f.name: f for f in FIELDS}

READING_ORDER: tuple[str, ...] = (
    "status", "status_reason", "reason", "merged_into", "effective_date",
    "geometry", "towns", "location_precision", "location_note", "location_note_zh",
    "name_zh", "name_en", "aliases", "category", "status_basis", "plan_chapter", "plan_section", "source_quote",
    "figures", "start_year", "end_year",
    "planned_start", "planned_end", "planned_investment_cny_100m", "actual_start", "actual_end",
    "actual_spend_cny_100m",
)  # fmt: skip

PROPERTY_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS if f.property)
CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.csv)
CATALOG_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.catalog)
SHP_NAMES: dict[str, str] = {f.name: f.shp for f in FIELDS if f.shp is not None}
STAFF_ONLY: frozenset[str] = frozenset(f.name for f in FIELDS if f.staff_only)
REVEALS_LOCATION: frozenset[str] = frozenset(f.name for f in FIELDS if f.reveals_location)


def field_label(name: str, lang: Lang, heading: bool = False) -> str:
    """The field's label; an unknown name (a field added without an entry here) shows as itself."""
    field = BY_NAME.get(name)
    return name if field is None else field.label(lang, heading)


def reading_order(names: list[str] | set[str]) -> list[str]:
    """`names` in the order a history lists them: the known ones as in READING_ORDER, then the rest by name."""
    known = [n for n in READING_ORDER if n in names]
    return known + sorted(n for n in names if n not in READING_ORDER)
