"""The controlled vocabularies of the plan catalog.

The database holds the same values in lookup tables (created by migration 0001) so a
bad value is refused by a foreign key whoever writes it; this module lets Python
validate early and give a message that names the problem.
"""

from enum import StrEnum


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
