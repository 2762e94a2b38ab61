"""The change history of a project as a reader can take it in: who, when, and what changed from what.

A pure renderer: the entries come from app.history.timeline, which already left out what this
reader may not see. The audit rows keep old and new values as JSON (geometry included); a table
of raw JSON is exact but unreadable. Here each change becomes a field label (from the field
registry, app.catalog.fields) with old and new text: statuses and precisions by their labels,
lists joined, a moved point as the distance it moved, any other geometry change as "location
changed". A creation lists no fields (every field would be "from nothing"): the row itself says
the project was created. A supervision ticket's step (only in a staff reader's history) says
which ticket, and lists what was asked or answered: unit, deadline, request, answer, photos.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from app.catalog.fields import field_label
from app.core.clock import LIANZHOU_TZ
from app.history.timeline import Entry
from app.web.i18n import Translator

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    at: datetime  # in Lianzhou's time: the readers' clock
    who: str
    action_code: str
    action: str
    version: int | None
    note: str | None
    changes: list[FieldChange] = field(default_factory=list)
    ticket: int | None = None  # the supervision ticket this row is a step of


def distance_m(a: list[float], b: list[float]) -> float:
    """Great-circle distance between two lon/lat points (haversine; metres)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def format_distance(metres: float, t: Translator) -> str:
    if metres < 1000:
        return f"{metres:.0f} {t('m')}"
    return f"{metres / 1000:.2f} {t('km')}"


def _geometry_change(old: Any, new: Any, t: Translator) -> FieldChange:
    label = _field_label("geometry", t)
    if isinstance(old, dict) and isinstance(new, dict) and old.get("type") == new.get("type") == "Point":
        moved = distance_m(old["coordinates"], new["coordinates"])
        return FieldChange("geometry", label, "", t("moved_by", distance=format_distance(moved, t)))
    return FieldChange("geometry", label, "", t("location_changed"))


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return str(value)


def _field_label(name: str, t: Translator) -> str:
    return field_label(name, t.lang, heading=True)


# What each step of a ticket recorded, in the order a reader takes it in (audit key, label key).
_TICKET_FACTS = (
    ("unit", "ticket_unit"),
    ("report_month", "ticket_report_month"),
    ("deadline", "ticket_deadline"),
    ("request", "ticket_request"),
    ("answer", "ticket_answer"),
    ("photos", "ticket_photos"),
    ("note", "ticket_note"),
    ("reason", "ticket_reason"),
)


def _ticket_changes(entry: Entry, t: Translator) -> list[FieldChange]:
    """The recorded facts of a ticket's step as label: text lines (the unit by its name, photos counted)."""
    assert entry.ticket is not None
    out = []
    for key, label in _TICKET_FACTS:
        value = entry.changes.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "unit":
            text = entry.ticket.unit_en if t.lang == "en" else entry.ticket.unit_zh
        elif key == "photos":
            text = t("ticket_photo_count", n=len(value))
        elif key == "report_month":
            text = str(value)[:7]
        else:
            text = _text(value)
        out.append(FieldChange(f"ticket_{key}", t(label), "", text))
    return out


def _action(entry: Entry, t: Translator) -> str:
    action_key = f"action_{entry.action}"
    action = t(action_key)
    action = entry.action if action == action_key else action
    return f"{t('ticket_ref', id=entry.ticket.id)} · {action}" if entry.ticket else action


def describe(entries: list[Entry], t: Translator, status_label: Callable[[str], str]) -> list[HistoryRow]:
    """Timeline entries (newest first, as the page loads them) as readable rows."""
    out = []
    for entry in entries:
        described: list[FieldChange] = []
        if entry.ticket is not None:
            described = _ticket_changes(entry, t)
        elif entry.action != "create":
            for name in entry.changed_fields():
                change = entry.changes[name]
                old, new = change.get("old"), change.get("new")
                if name == "geometry":
                    described.append(_geometry_change(old, new, t))
                elif name == "status":
                    described.append(
                        FieldChange(name, _field_label(name, t), status_label(old) if old else "—", status_label(new))
                    )
                elif name == "location_precision":
                    described.append(
                        FieldChange(name, _field_label(name, t), t(f"precision_{old}"), t(f"precision_{new}"))
                    )
                else:
                    described.append(FieldChange(name, _field_label(name, t), _text(old), _text(new)))
        out.append(
            HistoryRow(
                at=entry.at.astimezone(LIANZHOU_TZ),
                who=entry.actor_name or entry.actor,
                action_code=entry.action,
                action=_action(entry, t),
                version=entry.version,
                note=entry.note,
                changes=described,
                ticket=entry.ticket.id if entry.ticket else None,
            )
        )
    return out
