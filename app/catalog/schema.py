"""The shape of one catalog feature, as `geodata/projects.geojson` and imports carry it.

Pydantic checks what can be checked without the database (required fields, enums,
slug form, finite coordinates); the spatial checks run in PostGIS (see `checks.py`).
"""

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, StringConstraints, field_validator, model_validator

from app.catalog.text_policy import clean_text
from app.catalog.vocab import Category, Precision, Status

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
TownSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=40)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

# The longest text each property may hold, in characters. Every write path validates through this model
# (API create and patch, file imports, the seed), so one bound holds everywhere. The plan's own longest
# values are far shorter (name_zh 25, name_en 78, an alias 25, status_basis 56, location_note 297), so the
# bounds refuse only nonsense, and keep any one project from making a page, a tile or a PDF unbounded
# (issue 15, item 2: a 2,000-character name once made the wall map's layout loop forever).
TEXT_LIMITS = {"name_zh": 200, "name_en": 200, "aliases": 200, "status_basis": 500, "location_note": 2000}
MAX_ALIASES = 20
NameZh = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_LIMITS["name_zh"], strip_whitespace=True)]
NameEn = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_LIMITS["name_en"], strip_whitespace=True)]
Alias = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_LIMITS["aliases"], strip_whitespace=True)]
LocationNote = Annotated[
    str, StringConstraints(min_length=1, max_length=TEXT_LIMITS["location_note"], strip_whitespace=True)
]

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


class ProjectProperties(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    slug: Slug
    name_zh: NameZh
    name_en: NameEn
    aliases: list[Alias] = Field(default_factory=list, max_length=MAX_ALIASES)
    category: Category
    status: Status
    status_basis: str | None = Field(default=None, max_length=TEXT_LIMITS["status_basis"])
    towns: list[TownSlug] = Field(min_length=1)
    plan_chapter: str | None = Field(default=None, pattern=r"^第[一二三四五六七八九十]+章$")
    plan_section: str | None = Field(default=None, pattern=r"^第[一二三四五六七八九十]+节$")
    source_quote: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # FiniteFloat: JSON parsers accept NaN and Infinity (and 1e400 becomes inf); a figure must be a number.
    figures: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")], FiniteFloat] = Field(default_factory=dict)
    start_year: int | None = Field(default=None, ge=1990, le=2050)
    end_year: int | None = Field(default=None, ge=1990, le=2050)
    location_precision: Precision
    location_note: LocationNote
    # The same note in Chinese, written from the same facts; optional (older files and imports lack it).
    location_note_zh: LocationNote | None = None

    @field_validator("*")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        """Every text property: no control, bidi-override or invisible characters; NFC (app/catalog/text_policy.py)."""
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean_text(v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("towns")
    @classmethod
    def _unique_towns(cls, towns: list[str]) -> list[str]:
        if len(set(towns)) != len(towns):
            raise ValueError("towns must not repeat")
        return sorted(towns)


class GeometryIn(BaseModel):
    """A GeoJSON geometry; coordinates are checked for finiteness here, the rest in PostGIS."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    coordinates: list[Any]

    @field_validator("coordinates")
    @classmethod
    def _finite_numbers(cls, coords: list[Any]) -> list[Any]:
        def walk(node: Any, depth: int) -> None:
            if depth > 4:
                raise ValueError("coordinates are nested too deeply")
            if isinstance(node, list):
                if node and all(isinstance(v, int | float) and not isinstance(v, bool) for v in node):
                    if len(node) not in (2, 3):
                        raise ValueError("a position must have 2 or 3 numbers")
                    try:
                        finite = all(math.isfinite(v) for v in node)
                    except OverflowError:  # an integer too large for a float
                        finite = False
                    if not finite:
                        raise ValueError("coordinates must be finite numbers")
                    return
                for child in node:
                    walk(child, depth + 1)
            else:
                raise ValueError("coordinates must be nested arrays of numbers")

        walk(coords, 0)
        return coords

    @model_validator(mode="after")
    def _wgs84_only(self) -> "GeometryIn":
        """RFC 7946 GeoJSON is always WGS 84 lon/lat; a legacy `crs` member naming anything else means the
        coordinates are not what they would be taken for (PostGIS would even honour it), so refuse it."""
        crs = (self.model_extra or {}).get("crs")
        if crs is not None:
            name = str(((crs or {}).get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
            if not name.upper().replace("::", ":").endswith(("CRS84", "EPSG:4326")):
                raise ValueError(
                    f"crs {name or crs!r} is not supported: send WGS 84 longitude/latitude (RFC 7946) without `crs`"
                )
        return self


class ProjectFeature(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    properties: ProjectProperties
    geometry: GeometryIn
