"""`/api`: the OpenAPI document, where OGC API – Features clients look for the service description."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["OGC API - Features"])


class OpenAPIResponse(JSONResponse):
    media_type = "application/vnd.oai.openapi+json;version=3.0"


@router.get("/api", response_class=OpenAPIResponse, summary="OpenAPI definition of this service")
async def openapi_document(request: Request) -> OpenAPIResponse:
    return OpenAPIResponse(request.app.openapi())
