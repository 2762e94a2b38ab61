"""Spatial checks of a feature's geometry, done by PostGIS against the stored county and towns.

The same checks serve the seed loader, imports and (later) API writes, so a location
is judged the same way whoever submits it.
"""

from dataclasses import dataclass, field

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.catalog import queries
from app.catalog.vocab import Category, Precision, allowed_geometry_types

# Points and areas must lie in the county; this tolerance (about 200 m) absorbs the
# generalisation of the county outline, not guesswork about the site.
COUNTY_TOLERANCE_DEG = 0.002


@dataclass
class GeometryVerdict:
    """What PostGIS found: errors refuse the feature, warnings are reported only."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    computed_towns: list[str] = field(default_factory=list)


def check_geometry(
    conn: Connection,
    geometry: dict[str, object],
    category: Category,
    precision: Precision,
    declared_towns: list[str],
    known_towns: set[str],
) -> GeometryVerdict:
    verdict = GeometryVerdict()
    unknown = sorted(set(declared_towns) - known_towns)
    if unknown:
        verdict.errors.append(f"unknown town slug(s): {', '.join(unknown)}")
    try:
        with conn.begin_nested():
            row = conn.execute(
                queries.CHECK_GEOMETRY, {"geojson": orjson.dumps(geometry).decode(), "tol": COUNTY_TOLERANCE_DEG}
            ).one()
    except DBAPIError as exc:
        message = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        verdict.errors.append(f"geometry is not readable GeoJSON: {message}")
        return verdict

    if row.empty:
        verdict.errors.append("geometry is empty")
        return verdict
    if not row.in_range:
        verdict.errors.append(
            "coordinates out of range: longitude must be within ±180 and latitude within ±90 "
            "(GeoJSON order is longitude, latitude)"
        )
        return verdict
    if not row.valid:
        verdict.errors.append(f"invalid geometry: {row.reason}")
    allowed = allowed_geometry_types(category, precision)
    if row.kind not in allowed:
        verdict.errors.append(f"a {category.value} project must be a {' or '.join(sorted(allowed))}, not a {row.kind}")
    if not row.touches_county:
        verdict.errors.append("geometry lies outside Lianzhou county")
    elif row.kind in ("Point", "MultiPoint", "Polygon", "MultiPolygon") and not row.inside_county:
        verdict.errors.append("geometry extends beyond Lianzhou county (only routes may cross the border)")
    verdict.computed_towns = list(row.computed_towns)
    if not unknown and row.valid and sorted(declared_towns) != verdict.computed_towns:
        verdict.warnings.append(
            f"declared towns {sorted(declared_towns)} differ from the towns whose (approximate) areas "
            f"the geometry meets {verdict.computed_towns}"
        )
    return verdict
