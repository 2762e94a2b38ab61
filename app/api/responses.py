"""Response classes for JSON that PostGIS already serialised."""

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

GEOJSON_MEDIA_TYPE = "application/geo+json"


# What the OpenAPI document promises for a GeoJSON body (checked by the schemathesis run in the tests).
GEOJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"type": "string", "enum": ["Feature", "FeatureCollection"]}},
}


class GeoJSONResponse(JSONResponse):
    """RFC 7946 GeoJSON passed through as the database built it.

    A JSONResponse (so the OpenAPI document describes the body as JSON, not as a plain string), but
    the body is sent as given: PostGIS already serialised it.
    """

    media_type = GEOJSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return bytes(Response.render(self, content))


def geojson_responses(**errors: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a GeoJSON endpoint plus its documented errors (`e404="…"`)."""
    documented: dict[int | str, dict[str, Any]] = {
        200: {"content": {GEOJSON_MEDIA_TYPE: {"schema": GEOJSON_SCHEMA}}, "description": "GeoJSON (RFC 7946)"}
    }
    for key, description in errors.items():
        documented[int(key.removeprefix("e"))] = {"description": description}
    return documented


# What the OpenAPI document says of the reads that answer conditional GETs (app/api/conditional.py).
CONDITIONAL_GET: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the `ETag` sent in If-None-Match (or the If-Modified-Since date) is current"}
}


def json_body(content: Any) -> JSONResponse:
    """A JSON response made as FastAPI makes a route's return value (dates, decimals), for routes that
    add headers to it."""
    return JSONResponse(jsonable_encoder(content))
