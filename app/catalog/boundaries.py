"""Loading the county outline and the towns, and deriving the towns' approximate areas.

No public township-boundary file exists for Lianzhou, so each town's area is the
Voronoi cell of its seat clipped to the county outline, computed by PostGIS and marked
`approximate` until an official boundary replaces it (which the seed then leaves alone).
"""

import csv
from pathlib import Path

import orjson
from sqlalchemy import Connection

from app.catalog import queries
from app.catalog.report import LoadReport
from app.history import audit

COUNTY_FILE = "lianzhou_county_outline.geojson"
SEATS_FILE = "town_seats.csv"
SEAT_SOURCE = "GeoNames cities1000 (CC BY 4.0), about 0.01° precision for some seats"
AREA_SOURCE = "Voronoi cell of the town seat clipped to the county outline (derived, approximate)"


def load_county(conn: Connection, geodata: Path, report: LoadReport) -> None:
    collection = orjson.loads((geodata / COUNTY_FILE).read_bytes())
    for feature in collection["features"]:
        props = feature["properties"]
        params = {
            "adcode": props["adcode"],
            "name_zh": props["name_zh"],
            "name_en": props["name_en"],
            "geom": orjson.dumps(feature["geometry"]).decode(),
            "source": props["source"],
            "crs_note": props["crs_note"],
        }
        existing = conn.execute(
            queries.COUNTY_UNCHANGED,
            params,
        ).scalar()
        if existing is True:
            report.unchanged.append(props["adcode"])
            continue
        conn.execute(
            queries.UPSERT_COUNTY,
            params,
        )
        (report.inserted if existing is None else report.updated).append(props["adcode"])
        _audit(conn, "county", props["adcode"], "insert" if existing is None else "update")


def load_towns(conn: Connection, geodata: Path, report: LoadReport) -> None:
    with (geodata / SEATS_FILE).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        params = {
            "slug": row["slug"],
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "kind": row["kind"].replace(" ", "_"),
            "lon": float(row["seat_lon"]),
            "lat": float(row["seat_lat"]),
            "seat_source": SEAT_SOURCE,
        }
        same = conn.execute(
            queries.TOWN_UNCHANGED,
            params,
        ).scalar()
        if same is True:
            continue
        conn.execute(
            queries.UPSERT_TOWN,
            params,
        )
        (report.inserted if same is None else report.updated).append(row["slug"])
        _audit(conn, "town", row["slug"], "insert" if same is None else "update")
    derived = _derive_town_areas(conn)
    report.updated.extend(s for s in derived if s not in report.inserted and s not in report.updated)
    report.unchanged.extend(
        r["slug"] for r in rows if r["slug"] not in report.inserted and r["slug"] not in report.updated
    )


def _derive_town_areas(conn: Connection) -> list[str]:
    """Recompute approximate town areas; returns the towns whose area changed."""
    changed = (
        conn.execute(
            queries.DERIVE_TOWN_AREAS,
            {"source": AREA_SOURCE},
        )
        .scalars()
        .all()
    )
    for slug in changed:
        _audit(conn, "town", slug, "derive_area")
    return list(changed)


def _audit(conn: Connection, object_type: str, key: str, action: str) -> None:
    audit.record(conn, actor="seed", action=action, object_type=object_type, object_key=key)
