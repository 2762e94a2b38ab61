"""Response classes for JSON that PostGIS already serialised."""

from typing import Any

from fastapi.responses import Response

GEOJSON_MEDIA_TYPE = "application/geo+json"


class GeoJSONResponse(Response):
    """RFC 7946 GeoJSON passed through as the database built it."""

    media_type = GEOJSON_MEDIA_TYPE


def geojson_responses(**errors: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a GeoJSON endpoint plus its documented errors (`e404="…"`)."""
    documented: dict[int | str, dict[str, Any]] = {
        200: {"content": {GEOJSON_MEDIA_TYPE: {}}, "description": "GeoJSON (RFC 7946)"}
    }
    for key, description in errors.items():
        documented[int(key.removeprefix("e"))] = {"description": description}
    return documented
