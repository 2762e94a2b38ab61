"""Towns: their list and settings for the CLI, their GeoJSON for the API, their rows for the pages."""

from typing import Any

from sqlalchemy import Connection, Row, text


def town_review_settings(conn: Connection) -> list[Row[Any]]:
    """Every town's slug, Chinese name and whether officials' edits wait for review, by slug."""
    return list(conn.execute(text("SELECT slug, name_zh, review_required FROM towns ORDER BY slug")).all())
