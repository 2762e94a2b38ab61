"""Towns: their list and settings for the CLI, their GeoJSON for the API, their rows for the pages."""

from typing import Any

from sqlalchemy import Connection, Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.geojson import (
    COUNTY_FEATURE,
    TOWN_COUNTS_JOIN,
    TOWN_FEATURE,
    TOWN_FEATURE_JOINED,
    TOWN_FEATURE_UNCOUNTED,
    feature_collection,
)


def town_review_settings(conn: Connection) -> list[Row[Any]]:
    """Every town's slug, Chinese name and whether officials' edits wait for review, by slug."""
    return list(conn.execute(text("SELECT slug, name_zh, review_required FROM towns ORDER BY slug")).all())


async def towns_collection(conn: AsyncConnection, counts: bool) -> str:
    """Every town as a GeoJSON FeatureCollection (text), with project counts by status or without (instant)."""
    if counts:
        sql = feature_collection(TOWN_FEATURE_JOINED, f"FROM towns t {TOWN_COUNTS_JOIN} ORDER BY t.slug")
    else:
        sql = feature_collection(TOWN_FEATURE_UNCOUNTED, "FROM towns t ORDER BY t.slug")
    return str((await conn.execute(text(sql))).scalar_one())


async def town_feature(conn: AsyncConnection, slug: str) -> str | None:
    """One town as a GeoJSON Feature (text); None when there is no such town."""
    sql = f"SELECT ({TOWN_FEATURE})::text FROM towns t WHERE t.slug = :slug"
    body: str | None = (await conn.execute(text(sql), {"slug": slug})).scalar_one_or_none()
    return body


async def county_collection(conn: AsyncConnection) -> str:
    """The county outline as a GeoJSON FeatureCollection (text)."""
    return str((await conn.execute(text(feature_collection(COUNTY_FEATURE, "FROM county_boundary c")))).scalar_one())
