"""OGC API – Features Part 4 on the `projects` collection: create (POST), replace (PUT), update (PATCH), delete.

Each route is a thin door onto the editing service, the same one /api/projects uses
(app.api.project_writes): the same roles and town scoping, validation, review before publishing
(202 with the proposal), history, and the same no-lost-update rule: a write to an existing
feature needs `If-Match` with the ETag of the last read (428 without it, 412 with a stale one).
QGIS 3.32+ sends no If-Match; it is refused with 428 rather than let it overwrite an edit
nobody saw (README, "OGC API – Features", for the reasons).

The per-geometry collections (projects-points/-lines/-areas), towns and county are read-only:
no write route matches them, so they answer 405 with `Allow` (app.middleware.allow_header),
and OPTIONS says the same to clients that ask first (QGIS decides what it may edit by OPTIONS).
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.project_writes import held, parse_if_match, run_edit, warning_header
from app.api.responses import GEOJSON_MEDIA_TYPE, GeoJSONResponse
from app.auth.dependencies import FORBIDDEN, UNAUTHORIZED, require_planner, require_principal
from app.auth.principal import Principal
from app.core.dependencies import get_engine, read_connection
from app.core.errors import Invalid, VersionRequired
from app.editing import features, proposals, service
from app.ogc.providers import PROVIDERS
from app.ogc.router import CollectionId, base_of, feature_response, provider_for

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
T = TypeVar("T")

COLLECTION = "projects"
ITEMS = f"/collections/{COLLECTION}/items"
MERGE_PATCH = "application/merge-patch+json"
FEATURE_TYPES = (GEOJSON_MEDIA_TYPE, "application/json")
PATCH_TYPES = (MERGE_PATCH, "application/json")
FeatureId = Annotated[str, Path(max_length=120, examples=["tanling-pumped-storage"])]

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The ETag of your last read of the feature (`ETag: "v3"` on GET …/items/{featureId}). '
    "Without it the write is refused with 428 (never applied unconditionally: QGIS sends none, and an "
    "unconditional write could silently overwrite another editor's change); a stale one gets 412.",
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    **FORBIDDEN,
    400: {"description": "The feature is not valid: each problem named (OGC exception); nothing is stored"},
    404: {"description": "No such feature"},
    409: {"description": "A project with this id (slug) exists, or a proposal for it awaits review"},
    412: {"description": "The feature changed since you read it: `ETag` holds the current one"},
    415: {"description": "The body's media type is not one this operation takes"},
    428: {"description": "If-Match is missing: GET the feature and send its ETag"},
}
HELD: dict[int | str, dict[str, Any]] = {
    202: {"description": "Held for a planner's review (the town requires it): body names the proposal"}
}


def _body(types: tuple[str, ...], description: str) -> dict[str, Any]:
    schema = {"type": "object", "description": description}
    return {"requestBody": {"required": True, "content": {t: {"schema": schema} for t in types}}}


async def _document(request: Request, types: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object; a body of another media type is 415, one that is not an object 400."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in types:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"send the body as {' or '.join(types)} (got {media_type or 'no Content-Type'})",
        )
    try:
        document = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise Invalid(("body",), f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise Invalid(("body",), "the body must be a JSON object (a GeoJSON Feature)")
    return document


async def _edit(request: Request, engine: AsyncEngine, work: Callable[..., T], *args: Any) -> T:
    """run_edit, with a 428 that tells an OGC client where its ETag is (the feature's own URL)."""
    try:
        return await run_edit(engine, work, *args)
    except VersionRequired as missing:
        url = str(request.url.replace(query=""))
        raise VersionRequired(
            f"send If-Match with the ETag of your last read (GET {url} answers it in its ETag header); a write "
            "without one is refused so that it cannot overwrite a change you have not seen",
            current_etag=missing.current_etag,
        ) from None


async def _written(request: Request, engine: AsyncEngine, slug: str, warnings: list[str], code: int) -> Response:
    """The feature as its writer now reads it through this collection, with its new ETag."""
    provider = PROVIDERS[COLLECTION]
    async with read_connection(engine) as conn:
        found = await provider.item(conn, slug, staff=True)
    assert found is not None, slug
    response = feature_response(request, provider, slug, found, status_code=code)
    response.headers.update(warning_header(warnings))
    return response


async def _rewrite(
    request: Request,
    engine: AsyncEngine,
    principal: Principal,
    feature_id: str,
    types: tuple[str, ...],
    work: Callable[..., tuple[Any, list[str]]],
) -> Response:
    """PUT and PATCH alike: the body, the If-Match, the editing service's `work`; 202 when held for review."""
    document = await _document(request, types)
    expected = parse_if_match(request.headers.get("if-match"))
    proposal, warnings = await _edit(request, engine, work, principal, feature_id, expected, document)
    return held(proposal) if proposal is not None else await _written(request, engine, feature_id, warnings, 200)


@router.post(
    ITEMS,
    status_code=201,
    response_class=GeoJSONResponse,
    summary="Add a project (OGC API – Features Part 4: create)",
    description="A GeoJSON Feature with the catalog's properties (`towns` may be left out: derived from the "
    "geometry; the feature's `id` serves as `slug` when that is missing). Computed properties a GIS sends "
    "back (`version`, `warnings`, …) are ignored. 201 with `Location` and `ETag`, or 202 when the town "
    "requires review.",
    responses={**WRITE_ERRORS, **HELD},
    openapi_extra=_body(FEATURE_TYPES, "A GeoJSON Feature"),
)
async def create(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
) -> Response:
    feature, note = features.creation(await _document(request, FEATURE_TYPES))
    proposal, warnings = await run_edit(engine, proposals.create_or_propose, principal, feature, note)
    if proposal is not None:
        return held(proposal)
    slug = str(feature["properties"]["slug"])
    response = await _written(request, engine, slug, warnings, 201)
    response.headers["Location"] = f"{base_of(request)}/ogc{ITEMS}/{slug}"
    return response


@router.put(
    ITEMS + "/{feature_id}",
    response_class=GeoJSONResponse,
    summary="Replace a project (Part 4: replace)",
    description="The whole feature: catalog properties left out are cleared (refused where required); "
    "planned/actual values and `sensitive` keep theirs unless given; computed properties are ignored.",
    responses={**WRITE_ERRORS, **HELD},
    openapi_extra={"parameters": [IF_MATCH], **_body(FEATURE_TYPES, "A GeoJSON Feature")},
)
async def replace(
    request: Request,
    feature_id: FeatureId,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
) -> Response:
    return await _rewrite(request, engine, principal, feature_id, FEATURE_TYPES, features.replace_or_propose)


@router.patch(
    ITEMS + "/{feature_id}",
    response_class=GeoJSONResponse,
    summary="Change a project (Part 4: update, JSON merge patch)",
    description="A JSON merge patch (RFC 7396) of the feature: `properties` to change (`null` clears one; "
    "`figures` merges figure by figure), `geometry` to move it, `note` for the history.",
    responses={**WRITE_ERRORS, **HELD},
    openapi_extra={"parameters": [IF_MATCH], **_body(PATCH_TYPES, "A JSON merge patch of the feature")},
)
async def update(
    request: Request,
    feature_id: FeatureId,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_principal)],
) -> Response:
    return await _rewrite(request, engine, principal, feature_id, PATCH_TYPES, features.merge_or_propose)


@router.delete(
    ITEMS + "/{feature_id}",
    status_code=204,
    summary="Delete a project (Part 4: delete; soft, planners only, restorable through /api)",
    responses=WRITE_ERRORS,
    openapi_extra={"parameters": [IF_MATCH]},
)
async def delete(
    request: Request,
    feature_id: FeatureId,
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    principal: Annotated[Principal, Depends(require_planner)],
) -> Response:
    expected = parse_if_match(request.headers.get("if-match"))
    await _edit(request, engine, service.delete_project, principal, feature_id, expected, None)
    return Response(status_code=204)


def _allow(collection_id: str, *write: str) -> Response:
    methods = ["GET", "HEAD", *(write if provider_for(collection_id).writable else ()), "OPTIONS"]
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})


NO_COLLECTION: dict[int | str, dict[str, Any]] = {404: {"description": "No such collection"}}


@router.options(
    "/collections/{collection_id}/items", status_code=204, summary="Methods the items take", responses=NO_COLLECTION
)
async def items_options(collection_id: CollectionId) -> Response:
    return _allow(collection_id, "POST")


@router.options(
    "/collections/{collection_id}/items/{feature_id}",
    status_code=204,
    summary="Methods a feature takes",
    responses=NO_COLLECTION,
)
async def item_options(collection_id: CollectionId, feature_id: FeatureId) -> Response:
    return _allow(collection_id, "PUT", "PATCH", "DELETE")
