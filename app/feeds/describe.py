"""One audit row as a reader would say it: a title and a short list of what changed, in Chinese or English.

The audit log stores field names and raw values (`status: preparing → under_construction`);
a resident wants "状态 前期工作 → 在建". Codes become labels from the database's own
vocabularies, town slugs become town names, figures get their units. Geometry values are
never written out: a feed says only that the location changed, so no coordinates ever travel
in a feed. For a sensitive site (shown to the public only at its town) even that, and the
location note and precision that may describe the place, are left out.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.web.i18n import MESSAGES, Lang
from app.web.pages import figure_label

# Actions that are public changes of a project. Anything else the audit log may learn later (a held
# proposal, say) stays out of the feeds until someone decides it is public.
PUBLIC_ACTIONS = ("create", "update", "status", "delete", "restore")

# In the order a reader wants them: what happened, where, then the rest.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "status": ("状态", "status"),
    "status_reason": ("原因", "reason"),
    "reason": ("原因", "reason"),
    "merged_into": ("并入项目", "merged into"),
    "effective_date": ("生效日期", "effective date"),
    "geometry": ("位置", "location"),
    "towns": ("所在镇", "towns"),
    "location_precision": ("位置精度", "location precision"),
    "location_note": ("位置说明", "location note"),
    "location_note_zh": ("位置说明（中文）", "location note (Chinese)"),
    "name_zh": ("名称", "Chinese name"),
    "name_en": ("英文名", "English name"),
    "aliases": ("别名", "also called"),
    "category": ("类别", "category"),
    "status_basis": ("状态依据", "status basis"),
    "plan_chapter": ("规划章", "plan chapter"),
    "plan_section": ("规划节", "plan section"),
    "source_quote": ("规划原文", "plan text"),
    "figures": ("规划数字", "figures"),
    "start_year": ("开始年份", "start year"),
    "end_year": ("完成年份", "end year"),
    "planned_start": ("计划开工", "planned start"),
    "planned_end": ("计划完工", "planned completion"),
    "planned_investment_cny_100m": ("计划投资（亿元）", "planned investment (100 million CNY)"),
    "actual_start": ("实际开工", "actual start"),
    "actual_end": ("实际完工", "actual completion"),
    "actual_spend_cny_100m": ("实际支出（亿元）", "actual spending (100 million CNY)"),
}

# Never in a feed: whether a site is protected is staff business.
STAFF_FIELDS = frozenset({"sensitive", "merged_into_id"})
# Not in a feed of a sensitive site: they may tell where it really is.
SENSITIVE_FIELDS = frozenset({"geometry", "location_note", "location_note_zh", "location_precision"})

# Fields a "project added" entry names; the rest of a new project is on its page.
CREATED_FIELDS = ("status", "category", "towns", "location_precision")

MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class Labels:
    """Names of codes in one language, read from the lookup tables at request time."""

    lang: Lang
    statuses: dict[str, str]
    categories: dict[str, str]
    towns: dict[str, str]

    def word(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def field(self, name: str) -> str:
        names = FIELD_LABELS.get(name)
        return name if names is None else self.word(*names)


@dataclass(frozen=True)
class Change:
    """One public audit row of a project, with the project's current names."""

    id: int
    occurred_at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    note: str | None
    slug: str
    name_zh: str
    name_en: str
    category: str
    sensitive: bool = False

    def public_changes(self) -> dict[str, Any]:
        """The changed fields a member of the public may read about."""
        hidden = STAFF_FIELDS | (SENSITIVE_FIELDS if self.sensitive else frozenset())
        return {name: value for name, value in self.changes.items() if name not in hidden}

    def is_public(self) -> bool:
        """False for an edit that touched only hidden fields: an entry saying nothing would only puzzle."""
        return self.action not in ("update", "status") or bool(self.public_changes()) or bool(self.note)


def _shorten(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"


def format_value(name: str, value: Any, labels: Labels) -> str:
    """A stored value in words: codes as labels, lists joined, figures with their units."""
    sep = labels.word("、", ", ")
    if value is None or value == "" or value == [] or value == {}:
        return labels.word("（空）", "(none)")
    if name == "status":
        return labels.statuses.get(str(value), str(value))
    if name == "category":
        return labels.categories.get(str(value), str(value))
    if name == "location_precision":
        return MESSAGES[labels.lang].get(f"precision_{value}", str(value))
    if name == "towns" and isinstance(value, list):
        return sep.join(labels.towns.get(str(v), str(v)) for v in value)
    if name == "figures" and isinstance(value, dict):
        return _shorten(sep.join(f"{figure_label(k, labels.lang)} {v}" for k, v in sorted(value.items())))
    if isinstance(value, list):
        return _shorten(sep.join(str(v) for v in value))
    if isinstance(value, dict):
        return _shorten(sep.join(f"{k} {v}" for k, v in sorted(value.items())))
    return _shorten(str(value))


def _is_transition(value: Any) -> bool:
    return isinstance(value, dict) and ("old" in value or "new" in value)


def _line(name: str, value: Any, labels: Labels) -> str:
    colon = labels.word("：", ": ")
    if name == "geometry":
        return labels.word("位置已改变", "Location changed")
    field = labels.field(name)
    field = field[:1].upper() + field[1:]
    if _is_transition(value):
        old, new = format_value(name, value.get("old"), labels), format_value(name, value.get("new"), labels)
        return f"{field}{colon}{old} → {new}"
    return f"{field}{colon}{format_value(name, value, labels)}"


def _new_value(value: Any) -> Any:
    return value.get("new") if _is_transition(value) else value


def _changed_fields(change: Change) -> list[str]:
    """Fields whose value changed, in a stable order: the known ones as listed, then any others by name."""
    names = [n for n, v in change.public_changes().items() if _is_transition(v)]
    known = [n for n in FIELD_LABELS if n in names]
    return known + sorted(n for n in names if n not in FIELD_LABELS)


def title(change: Change, labels: Labels) -> str:
    """E.g. "潭岭抽水蓄能电站：状态 前期工作 → 在建" or "Tanling …: changed location, figures"."""
    name = change.name_en if labels.lang == "en" else change.name_zh
    colon = labels.word("：", ": ")
    if change.action == "create":
        return f"{name}{colon}{labels.word('新增项目', 'project added')}"
    if change.action == "delete":
        return f"{name}{colon}{labels.word('已删除', 'deleted')}"
    if change.action == "restore":
        return f"{name}{colon}{labels.word('已恢复', 'restored')}"
    fields = _changed_fields(change)
    parts = []
    status = change.public_changes().get("status")
    if isinstance(status, dict) and _is_transition(status):
        old, new = format_value("status", status.get("old"), labels), format_value("status", status.get("new"), labels)
        parts.append(f"{labels.field('status')} {old} → {new}")
        fields.remove("status")
    if fields:
        listed = labels.word("、", ", ").join(labels.field(f) for f in fields)
        parts.append(labels.word(f"修改{listed}", f"changed {listed}"))
    if not parts:
        parts.append(labels.word("已修改", "changed"))
    return name + colon + labels.word("；", "; ").join(parts)


def summary(change: Change, labels: Labels) -> str:
    """One line per changed field (old → new), then the editor's note; plain text, never markup."""
    changes = change.public_changes()
    if change.action == "create":
        lines = [_line(n, _new_value(changes[n]), labels) for n in CREATED_FIELDS if n in changes]
    elif change.action in ("delete", "restore"):
        lines = []
    else:
        lines = [_line(n, changes[n], labels) for n in _changed_fields(change)]
        lines += [_line(n, v, labels) for n, v in sorted(changes.items()) if not _is_transition(v)]
    if change.note:
        lines.append(f"{labels.word('说明', 'Note')}{labels.word('：', ': ')}{change.note}")
    return "\n".join(lines) or title(change, labels)
