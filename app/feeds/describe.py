"""One audit row as a reader would say it: a title and a short list of what changed, in Chinese or English.

The audit log stores field names and raw values (`status: preparing → under_construction`);
a resident wants "状态 前期工作 → 在建". Codes become labels from the database's own
vocabularies, town slugs become town names, figures get their units. Geometry values are
never written out: a feed says only that the location changed, so no coordinates ever travel
in a feed. What a feed may say at all (nothing of a sensitive site's location, nothing
staff-only) was decided by app.history.timeline; field labels come from app.catalog.fields.
"""

from dataclasses import dataclass
from typing import Any

from app.catalog.fields import field_label
from app.catalog.vocab import Lang
from app.history.timeline import Entry, is_transition
from app.web.i18n import MESSAGES
from app.web.pages import figure_label

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
        return field_label(name, self.lang)


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


def _line(name: str, value: Any, labels: Labels) -> str:
    colon = labels.word("：", ": ")
    if name == "geometry":
        return labels.word("位置已改变", "Location changed")
    field = labels.field(name)
    field = field[:1].upper() + field[1:]
    if is_transition(value):
        old, new = format_value(name, value.get("old"), labels), format_value(name, value.get("new"), labels)
        return f"{field}{colon}{old} → {new}"
    return f"{field}{colon}{format_value(name, value, labels)}"


def _new_value(value: Any) -> Any:
    return value.get("new") if is_transition(value) else value


def title(change: Entry, labels: Labels) -> str:
    """E.g. "潭岭抽水蓄能电站：状态 前期工作 → 在建" or "Tanling …: changed location, figures"."""
    name = change.name_en if labels.lang == "en" else change.name_zh
    colon = labels.word("：", ": ")
    if change.action == "create":
        return f"{name}{colon}{labels.word('新增项目', 'project added')}"
    if change.action == "delete":
        return f"{name}{colon}{labels.word('已删除', 'deleted')}"
    if change.action == "restore":
        return f"{name}{colon}{labels.word('已恢复', 'restored')}"
    fields = change.changed_fields()
    parts = []
    status = change.changes.get("status")
    if isinstance(status, dict) and is_transition(status):
        old, new = format_value("status", status.get("old"), labels), format_value("status", status.get("new"), labels)
        parts.append(f"{labels.field('status')} {old} → {new}")
        fields.remove("status")
    if fields:
        listed = labels.word("、", ", ").join(labels.field(f) for f in fields)
        parts.append(labels.word(f"修改{listed}", f"changed {listed}"))
    if not parts:
        parts.append(labels.word("已修改", "changed"))
    return name + colon + labels.word("；", "; ").join(parts)


def summary(change: Entry, labels: Labels) -> str:
    """One line per changed field (old → new), then the editor's note; plain text, never markup."""
    changes = change.changes
    if change.action == "create":
        lines = [_line(n, _new_value(changes[n]), labels) for n in CREATED_FIELDS if n in changes]
    elif change.action in ("delete", "restore"):
        lines = []
    else:
        lines = [_line(n, changes[n], labels) for n in change.changed_fields()]
        lines += [_line(n, v, labels) for n, v in change.facts()]
    if change.note:
        lines.append(f"{labels.word('说明', 'Note')}{labels.word('：', ': ')}{change.note}")
    return "\n".join(lines) or title(change, labels)
