"""The controlled vocabularies of the plan catalog, and the one loader of their labels, colours and icons.

The database holds the same values in lookup tables (created by migration 0001) so a
bad value is refused by a foreign key whoever writes it; this module lets Python
validate early and give a message that names the problem.

Labels come from those tables (`load_vocab`), colours and icons from here: pages, feeds and
wall maps take both from this module, so a status is called and coloured the same everywhere.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.queries import vocabulary_rows, vocabulary_rows_sync

# The catalog's two languages: every label and note exists in both.
Lang = Literal["zh", "en"]


class Status(StrEnum):
    PLANNED = "planned"
    PREPARING = "preparing"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETED = "completed"
    EXISTING = "existing"
    SUSPENDED = "suspended"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    MERGED = "merged"


# Honest endings and delays must say why (and a merger, into what): see POST /status.
STATUSES_NEEDING_REASON = frozenset({Status.POSTPONED, Status.CANCELLED, Status.MERGED})


class WarningKind(StrEnum):
    """Computed from dates, money and activity; never typed in."""

    LATE_START = "late_start"
    LATE_COMPLETION = "late_completion"
    # The plan's period is over and the project, with no completion date of its own, is not finished.
    PLAN_PERIOD_ENDED = "plan_period_ended"
    # The plan says it is under construction (在建/加快建设), but no start has been recorded.
    NO_RECORDED_START = "no_recorded_start"
    OVER_BUDGET = "over_budget"
    STALE = "stale"


class Precision(StrEnum):
    """How much a location can be trusted; only people on the ground may claim `surveyed`."""

    SURVEYED = "surveyed"
    APPROXIMATE = "approximate"
    TOWN = "town"


# How a precision is written in a bureau's own lists (XLSX imports); the pages' labels live in app/web/i18n.py.
PRECISION_LABELS: dict[str, Precision] = {
    "实测": Precision.SURVEYED,
    "近似": Precision.APPROXIMATE,
    "估计": Precision.APPROXIMATE,
    "仅知所在镇": Precision.TOWN,
    "镇": Precision.TOWN,
}


class Category(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    TRANSPORT_HUB = "transport_hub"
    WATERWAY = "waterway"
    ENERGY = "energy"
    WATER = "water"
    INDUSTRIAL_PARK = "industrial_park"
    COMMERCE = "commerce"
    AGRICULTURE = "agriculture"
    TOURISM = "tourism"
    GREENWAY = "greenway"
    RURAL_REVITALIZATION = "rural_revitalization"
    URBAN_DEVELOPMENT = "urban_development"
    PARK = "park"
    HERITAGE = "heritage"
    NATURE_RESERVE = "nature_reserve"
    ENVIRONMENT = "environment"
    EDUCATION = "education"
    HEALTH = "health"
    SPORTS = "sports"
    CULTURE = "culture"
    EMERGENCY = "emergency"
    SOCIAL_WELFARE = "social_welfare"
    RELOCATION = "relocation"
    TELECOM = "telecom"


_LINES = frozenset({"LineString", "MultiLineString"})
_POINTS = frozenset({"Point", "MultiPoint"})
_AREAS = frozenset({"Polygon", "MultiPolygon"})
_ANY = _LINES | _POINTS | _AREAS

# Which geometry kinds make sense for each category: a road is a line, a school a point,
# a reserve an area. A feature known only to its town may always be a point at the seat.
GEOMETRY_TYPES: dict[Category, frozenset[str]] = {
    Category.ROAD: _LINES,
    Category.RAIL: _LINES,
    Category.GREENWAY: _LINES,
    Category.TRANSPORT_HUB: _POINTS,
    Category.EDUCATION: _POINTS,
    Category.HEALTH: _POINTS,
    Category.CULTURE: _POINTS,
    Category.EMERGENCY: _POINTS,
    Category.SOCIAL_WELFARE: _POINTS,
    Category.INDUSTRIAL_PARK: _AREAS,
    Category.PARK: _AREAS,
    Category.NATURE_RESERVE: _AREAS,
    Category.WATERWAY: _LINES | _POINTS,
    Category.URBAN_DEVELOPMENT: _AREAS | _POINTS,
    Category.COMMERCE: _AREAS | _POINTS,
    Category.AGRICULTURE: _AREAS | _POINTS,
    Category.SPORTS: _AREAS | _POINTS,
    Category.RELOCATION: _AREAS | _POINTS,
    Category.TELECOM: _LINES | _POINTS,
    Category.ENERGY: _ANY,
    Category.WATER: _ANY,
    Category.TOURISM: _ANY,
    Category.RURAL_REVITALIZATION: _ANY,
    Category.HERITAGE: _ANY,
    Category.ENVIRONMENT: _ANY,
}


def allowed_geometry_types(category: Category, precision: Precision) -> frozenset[str]:
    """Geometry kinds a feature of this category and precision may have."""
    allowed = GEOMETRY_TYPES[category]
    return allowed | {"Point"} if precision is Precision.TOWN else allowed


# One colour per status, chosen to stay distinguishable for the common colour-vision
# deficiencies (blue / orange / vermillion / green / grey / purple) and on a light background.
STATUS_COLORS: dict[str, str] = {
    "planned": "#0072b2",
    "preparing": "#e69f00",
    "under_construction": "#d55e00",
    "completed": "#009e73",
    "existing": "#7f7f7f",
    "suspended": "#8e44ad",
    # The honest endings: postponed reddish purple, merged sky blue (Okabe-Ito), cancelled near-black.
    "postponed": "#cc79a7",
    "cancelled": "#2b2b2b",
    "merged": "#56b4e9",
}
DEFAULT_COLOR = "#444444"

# A Font Awesome (free, solid) icon per category, drawn inside the status-coloured marker.
CATEGORY_ICONS: dict[str, str] = {
    "road": "road",
    "rail": "train",
    "transport_hub": "bus",
    "waterway": "ship",
    "energy": "bolt",
    "water": "droplet",
    "industrial_park": "industry",
    "commerce": "store",
    "agriculture": "seedling",
    "tourism": "mountain-sun",
    "greenway": "person-biking",
    "rural_revitalization": "house-chimney",
    "urban_development": "city",
    "park": "tree",
    "heritage": "landmark",
    "nature_reserve": "leaf",
    "environment": "recycle",
    "education": "school",
    "health": "hospital",
    "sports": "futbol",
    "culture": "masks-theater",
    "emergency": "truck-medical",
    "social_welfare": "hand-holding-heart",
    "relocation": "people-roof",
    "telecom": "tower-cell",
}
DEFAULT_ICON = "circle"


def status_color(code: str) -> str:
    return STATUS_COLORS.get(code, DEFAULT_COLOR)


def category_icon(code: str) -> str:
    return CATEGORY_ICONS.get(code, DEFAULT_ICON)


@dataclass(frozen=True)
class Vocab:
    """Statuses (workflow order, with colour) and categories (by label, with icon) labelled in one language."""

    statuses: list[dict[str, str]]
    categories: list[dict[str, str]]

    def status_label(self, code: str) -> str:
        return next((s["label"] for s in self.statuses if s["code"] == code), code)

    def category_label(self, code: str) -> str:
        return next((c["label"] for c in self.categories if c["code"] == code), code)

    @property
    def status_labels(self) -> dict[str, str]:
        return {s["code"]: s["label"] for s in self.statuses}

    @property
    def category_labels(self) -> dict[str, str]:
        return {c["code"]: c["label"] for c in self.categories}


def _vocab(statuses: list[tuple[str, str]], categories: list[tuple[str, str]]) -> Vocab:
    return Vocab(
        statuses=[{"code": code, "label": label, "color": status_color(code)} for code, label in statuses],
        categories=[{"code": code, "label": label, "icon": category_icon(code)} for code, label in categories],
    )


async def load_vocab(conn: AsyncConnection, lang: str) -> Vocab:
    """Labels in `lang` ("en"; anything else: Chinese) with colours and icons, for pages and feeds."""
    statuses, categories = await vocabulary_rows(conn, lang)
    return _vocab([(r.code, r.label) for r in statuses], [(r.code, r.label) for r in categories])


def load_vocab_sync(conn: Connection, lang: str) -> Vocab:
    """The same from a synchronous connection (wall maps, CLI)."""
    statuses, categories = vocabulary_rows_sync(conn, lang)
    return _vocab([(r.code, r.label) for r in statuses], [(r.code, r.label) for r in categories])
