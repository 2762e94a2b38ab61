"""`/api`: the OpenAPI document, where OGC API – Features clients look for the service description.

FastAPI writes OpenAPI 3.1, and this says so: the document used to be labelled 3.0 and failed
validation as 3.0 (70 errors). Rewriting it down to 3.0 would mean translating every nullable
and example by hand on each FastAPI upgrade; clients read 3.1 (GDAL only looks for the items
parameters), and openapi-spec-validator checks it as 3.1 (tests/ogc/test_openapi.py).
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["OGC API - Features"])


OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"


class OpenAPIResponse(JSONResponse):
    media_type = OPENAPI_MEDIA_TYPE


def _wants_plain_json(accept: str) -> bool:
    """True when the client takes `application/json` but not OpenAPI 3.1's media type (GDAL asks for the
    3.0 type or plain JSON): it gets the same 3.1 document labelled as JSON, never one claiming to be 3.0."""
    plain = takes_31 = False
    for part in accept.split(","):
        kind, *params = (p.strip().lower() for p in part.split(";"))
        version = next((p.split("=", 1)[1] for p in params if p.startswith("version=")), None)
        if kind == "application/json":
            plain = True
        elif kind in ("*/*", "application/*") or (
            kind == "application/vnd.oai.openapi+json" and version in (None, "3.1")
        ):
            takes_31 = True
    return plain and not takes_31


def openapi_response(request: Request, document: dict[str, Any]) -> JSONResponse:
    """An OpenAPI document, labelled as the client asked (see `_wants_plain_json`)."""
    if _wants_plain_json(request.headers.get("accept", "")):
        return JSONResponse(document, headers={"Vary": "Accept"})
    return OpenAPIResponse(document, headers={"Vary": "Accept"})


@router.get("/api", response_class=OpenAPIResponse, summary="OpenAPI definition of this service")
async def openapi_document(request: Request) -> JSONResponse:
    return openapi_response(request, request.app.openapi())
