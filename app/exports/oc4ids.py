"""The catalog as an OC4IDS 0.9.5 project package (Open Contracting for Infrastructure Data Standard).

Why: provincial and national transparency portals, CoST and researchers read OC4IDS, not planmap's own
GeoJSON. The package is built from public reads only (`projects_public`: a sensitive site appears at its
town seat) and states only what planmap knows: a field with no value is left out, never filled in with
a guess. Dates known only to the year are given as that year's first (start) or last (end) day and say so.

The package is validated against the OC4IDS 0.9.5 schema copied into `oc4ids_schema/` (Apache-2.0, see
its README): draft 4, with the package schema's `$ref` to the project schema resolved from the local copy
through a `referencing` registry, so validation never touches the network.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import Connection

from app.core.clock import LIANZHOU_TZ, now
from app.exports import queries as q

SCHEMA_DIR = Path(__file__).with_name("oc4ids_schema")
OC4IDS_VERSION = "0.9"
# OC4IDS ids must start with a registered prefix (https://standard.open-contracting.org/infrastructure/
# latest/en/guidance/identifiers/). Lianzhou has none yet: this local prefix marks the ids as planmap's own
# until the bureau registers one (then change it here; the slugs after it stay).
ID_PREFIX = "oc4ids-planmap-lianzhou-"
PUBLISHER = "连州市发展和改革局（planmap）"
CNY_PER_100M = Decimal(100_000_000)

# Each planmap status and the OC4IDS projectStatus it is (None: OC4IDS has no code for it, so the
# status is left out and the reason is given in the completion milestone's description instead).
STATUS_CODES: dict[str, str | None] = {
    "planned": "identification",  # named in the plan, no preparatory work recorded yet
    "preparing": "preparation",  # 前期工作: feasibility, approvals, land
    "under_construction": "implementation",
    "completed": "completion",
    "existing": "maintenance",  # an asset in service the plan builds on
    "suspended": None,  # halted; OC4IDS has no "suspended" and "implementation" would claim work goes on
    "postponed": None,  # moved beyond its planned start; which phase it waits in is not recorded
    "cancelled": "cancelled",
    "merged": "cancelled",  # no longer a project of its own: cancelled, with the project it joined named
}
# planmap categories and their OC4IDS projectSector codes (an open codelist; only codes it defines).
SECTOR_CODES: dict[str, list[str]] = {
    "road": ["transport", "transport.road"],
    "rail": ["transport", "transport.rail"],
    "transport_hub": ["transport"],
    "waterway": ["transport", "transport.water"],
    "energy": ["energy"],
    "water": ["waterAndWaste"],
    "industrial_park": ["economy"],
    "commerce": ["economy"],
    "agriculture": ["economy"],
    "tourism": ["cultureSportsAndRecreation"],
    "greenway": ["cultureSportsAndRecreation"],
    "park": ["cultureSportsAndRecreation"],
    "heritage": ["cultureSportsAndRecreation"],
    "sports": ["cultureSportsAndRecreation"],
    "culture": ["cultureSportsAndRecreation"],
    "urban_development": ["transport", "transport.urban"],
    "nature_reserve": ["naturalResources"],
    "environment": ["naturalResources"],
    "education": ["education"],
    "health": ["health"],
    "telecom": ["communications"],
    "emergency": ["governance"],
    "social_welfare": ["socialHousing"],
    "relocation": ["socialHousing"],
}
REVISED_DATES = {"planned_start": "commencement", "planned_end": "completion"}


@dataclass(frozen=True)
class ValidationProblem:
    """One way the package breaks the schema: where (a JSON path) and what."""

    path: str
    message: str


def _moment(day: date, *, end: bool = False) -> str:
    """A date as OC4IDS's date-time: the start (or end) of that day in Lianzhou."""
    clock = "23:59:59" if end else "00:00:00"
    return f"{day.isoformat()}T{clock}+08:00"


def _money(amount_cny_100m: Decimal) -> dict[str, Any]:
    """亿元 as OC4IDS Value: whole yuan in CNY (planmap stores 亿元 to four decimals, i.e. 10 000 元)."""
    return {"amount": int(amount_cny_100m * CNY_PER_100M), "currency": "CNY"}


def _period(row: Mapping[str, Any]) -> dict[str, str]:
    """The planned period: exact dates where recorded, else the years the plan gives, as whole years."""
    period = {}
    if row["planned_start"] is not None:
        period["startDate"] = _moment(row["planned_start"])
    elif row["start_year"] is not None:
        period["startDate"] = _moment(date(row["start_year"], 1, 1))
    if row["planned_end"] is not None:
        period["endDate"] = _moment(row["planned_end"], end=True)
    elif row["end_year"] is not None:
        period["endDate"] = _moment(date(row["end_year"], 12, 31), end=True)
    return period


def _reasons(revisions: Iterable[Mapping[str, Any]], field: str) -> str | None:
    """The recorded reasons for changing `field`, dated, in order ("2025-03-01: 征地延误; …")."""
    lines = [f"{r['revised_on']}: {r['reason']}" for r in revisions if r["field"] == field and r.get("reason")]
    return "; ".join(lines) or None


def _milestones(row: Mapping[str, Any], revisions: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Start and completion as milestones: when planned, when met, and why their dates changed."""
    milestones = []
    for code, planned, actual, field in (
        ("commencement", row["planned_start"], row["actual_start"], "planned_start"),
        ("completion", row["planned_end"], row["actual_end"], "planned_end"),
    ):
        milestone: dict[str, Any] = {"id": code, "type": "delivery", "code": code}
        if planned is not None:
            milestone["dueDate"] = _moment(planned, end=code == "completion")
        if actual is not None:
            milestone["dateMet"] = _moment(actual)
            milestone["status"] = "met"
        elif planned is not None:
            milestone["status"] = "scheduled"
        notes = [_reasons(revisions, field)]
        if code == "completion" and row["status"] in ("postponed", "suspended") and row["status_reason"]:
            notes.insert(0, f"{row['status']}: {row['status_reason']}")
        description = "; ".join(n for n in notes if n)
        if description:
            milestone["description"] = description
        if len(milestone) > 3:  # more than id/type/code: something is actually known
            milestones.append(milestone)
    return milestones


def _location(row: Mapping[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {"id": "1", "geometry": row["geometry"]}
    precision = {"surveyed": "Surveyed location", "approximate": "Approximate location", "town": "Town seat only"}
    note = row["location_note"] or ""
    label = precision.get(row["location_precision"], row["location_precision"])
    location["description"] = f"{label}: {note}" if note else label
    if row["towns"]:
        location["address"] = {
            "locality": "、".join(row["towns"]),
            "region": "广东省清远市连州市",
            "countryName": "中国",
        }
    return location


def _completion(row: Mapping[str, Any], revisions: list[Mapping[str, Any]]) -> dict[str, Any]:
    completion: dict[str, Any] = {}
    if row["status"] == "completed":
        if row["actual_end"] is not None:
            completion["endDate"] = _moment(row["actual_end"])
        if (why := _reasons(revisions, "planned_end")) is not None:
            completion["endDateDetails"] = why
        if row["actual_spend_cny_100m"] is not None:
            completion["finalValue"] = _money(row["actual_spend_cny_100m"])
        if (why := _reasons(revisions, "planned_investment_cny_100m")) is not None:
            completion["finalValueDetails"] = why
    elif row["status"] in ("cancelled", "merged"):
        completion["finalScope"] = "取消 (cancelled)" if row["status"] == "cancelled" else "合并 (merged)"
        details = row["status_reason"] or ""
        if row["status"] == "merged" and row["merged_into_slug"]:
            details = f"{details} → {ID_PREFIX}{row['merged_into_slug']}".strip()
        if details:
            completion["finalScopeDetails"] = details
    return completion


def oc4ids_project(row: Mapping[Any, Any]) -> dict[str, Any]:
    """One project as OC4IDS: only the fields planmap has a value for."""
    revisions: list[Mapping[str, Any]] = row["revisions"]
    project: dict[str, Any] = {
        "id": f"{ID_PREFIX}{row['slug']}",
        "identifiers": [{"id": row["slug"], "scheme": "planmap"}],
        "updated": _moment(row["info_date"]),  # the day the information dates from, not the day it was typed
        "language": "zh",
        "title": row["name_zh"],
        "description": row["source_quote"],  # the plan's own words, verbatim
        "locations": [_location(row)],
    }
    if (status := STATUS_CODES.get(row["status"])) is not None:
        project["status"] = status
    if sector := SECTOR_CODES.get(row["category"]):
        project["sector"] = sector
    if period := _period(row):
        project["period"] = period
    if row["investment_cny_100m"] is not None:
        budget: dict[str, Any] = {"amount": _money(row["investment_cny_100m"])}
        if (why := _reasons(revisions, "planned_investment_cny_100m")) is not None:
            budget["description"] = f"revised: {why}"
        project["budget"] = budget
    if milestones := _milestones(row, revisions):
        project["milestones"] = milestones
    if completion := _completion(row, revisions):
        project["completion"] = completion
    if row["lead_unit"]:
        project["publicAuthority"] = {"name": row["lead_unit"], "id": "lead-unit"}
        project["parties"] = [{"id": "lead-unit", "name": row["lead_unit"], "roles": ["publicAuthority"]}]
    return project


def project_package(rows: Iterable[Mapping[Any, Any]], published: datetime, uri: str) -> dict[str, Any]:
    """The whole package: `published` is when its contents last changed (OC4IDS's publishedDate)."""
    return {
        "uri": uri,
        "version": OC4IDS_VERSION,
        "publishedDate": published.astimezone(LIANZHOU_TZ).isoformat(),
        "publisher": {"name": PUBLISHER},
        "projects": [oc4ids_project(row) for row in rows],
    }


def catalog_package(conn: Connection, uri: str) -> dict[str, Any]:
    """The package of every live project, dated to the catalog's last change."""
    rows = conn.execute(q.OC4IDS_PROJECTS).mappings().all()
    published = conn.execute(q.OC4IDS_LAST_CHANGE).scalar() or now()
    return project_package(rows, published, uri)


@cache
def _validator() -> Draft4Validator:
    """The package schema with the project schema registered under its own URL (no network)."""
    package = orjson.loads((SCHEMA_DIR / "project-package-schema.json").read_bytes())
    project = orjson.loads((SCHEMA_DIR / "project-schema.json").read_bytes())
    registry: Registry[Any] = Registry().with_resource(project["id"], Resource.from_contents(project, DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def validate_package(package: Mapping[str, Any]) -> list[ValidationProblem]:
    """Every schema error in the package (an empty list means it validates)."""
    return [
        ValidationProblem("/" + "/".join(str(p) for p in error.absolute_path), error.message)
        for error in _validator().iter_errors(package)
    ]
