"""OGC API – Features endpoints: landing page, conformance, collections, items.

GDAL's OAPIF driver and QGIS walk these links, so every response carries absolute
`links` with the right media types, and paging follows `next`.
"""

import logging
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.openapi_doc import OPENAPI_MEDIA_TYPE, OpenAPIResponse, openapi_response
from app.api.paging import collection_bytes, decode_cursor, page_links
from app.api.responses import GEOJSON_MEDIA_TYPE, GeoJSONResponse
from app.auth.dependencies import optional_principal
from app.auth.principal import Principal
from app.catalog.vocab import Category, Status
from app.core import clock
from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.editing.current import etag
from app.ogc.api_document import ogc_api_document
from app.ogc.cql2_sql import FILTER_LANGS, check_enum, equals_tree, parse_filter, translate
from app.ogc.params import (
    CRS84,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    bad_request,
    parse_bbox,
    parse_datetime_years,
    parse_int,
)
from app.ogc.providers import PROVIDERS, Item, ItemQuery, Provider
from app.ogc.queryables import queryables_document

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
log = logging.getLogger("planmap.ogc")

JSON = "application/json"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
# Only what holds (tests/ogc prove each): no oas30, because the API document is OpenAPI 3.1 (FastAPI's),
# advertised as such; the CQL2 classes are those app.ogc.cql2_sql implements in full.
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    # Part 4 on the `projects` collection (app.ogc.writes): POST, PUT, DELETE, and PATCH as a JSON merge patch.
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
]
RESERVED_PARAMS = {
    *("bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "cursor", "f", "filter", "filter-lang"),
    "filter-crs",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter is not valid (OGC exception: code, description)"},
    404: {"description": "No such collection or feature"},
}
COLLECTION_IDS = list(PROVIDERS)
CollectionId = Annotated[str, Path(examples=["projects"], json_schema_extra={"enum": COLLECTION_IDS})]


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **extra}


_LIST = {"style": "form", "explode": False}
# The items parameters, declared for clients (GDAL reads them from the API document) and parsed by hand
# below, so a bad value is an OGC exception naming it rather than FastAPI's 422.
ITEMS_PARAMETERS = [
    _query("limit", {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
           f"Features per page; above {MAX_LIMIT} means {MAX_LIMIT}."),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0}, "Features to skip."),
    _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
           "minLon,minLat,maxLon,maxLat (CRS84): features whose geometry intersects the box.", **_LIST),
    _query("bbox-crs", {"type": "string", "enum": [CRS84]}, "The CRS of bbox: only CRS84."),
    _query("crs", {"type": "string", "enum": [CRS84]}, "The CRS of the response: only CRS84."),
    _query("datetime", {"type": "string"},
           "RFC 3339 instant or interval (`..` for an open end). Projects match when their plan years meet it; "
           "collections without time (towns, county) match any."),
    _query("filter", {"type": "string"}, "A CQL2 filter over the collection's queryables."),
    _query("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
           "The encoding of filter."),
    _query("filter-crs", {"type": "string", "enum": [CRS84]}, "The CRS of geometries in filter: only CRS84."),
    _query("status", {"type": "array", "items": {"type": "string", "enum": [s.value for s in Status]}},
           "Projects collections: these statuses.", **_LIST),
    _query("category", {"type": "array", "items": {"type": "string", "enum": [c.value for c in Category]}},
           "Projects collections: these categories.", **_LIST),
    _query("town", {"type": "array", "items": {"type": "string"}}, "Projects collections: in these towns (slugs).",
           **_LIST),
    _query("f", {"type": "string", "enum": ["json", "geojson"]}, "Format: GeoJSON only."),
]  # fmt: skip


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _check_format(request: Request) -> None:
    fmt = request.query_params.get("f")
    if fmt not in (None, "json", "geojson"):
        raise bad_request(f"f={fmt!r} is not served; use f=json")


def provider_for(collection_id: str) -> Provider:
    provider = PROVIDERS.get(collection_id)
    if provider is None:
        raise NotFound(f"no collection '{collection_id}'; see /ogc/collections")
    return provider


async def _collection_doc(conn: AsyncConnection, provider: Provider, base: str) -> dict[str, Any]:
    extent = await provider.extent(conn)
    doc_extent: dict[str, Any] = {"spatial": {"bbox": [extent.bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    if provider.temporal and extent.years:
        start, end = extent.years
        doc_extent["temporal"] = {
            "interval": [[f"{start}-01-01T00:00:00Z" if start else None, f"{end}-12-31T23:59:59Z" if end else None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    href = f"{base}/ogc/collections/{provider.id}"
    doc: dict[str, Any] = {
        "id": provider.id,
        "title": provider.title,
        "description": provider.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": doc_extent,
        "links": [
            {"rel": "self", "type": JSON, "title": "This collection", "href": href},
            {"rel": "items", "type": GEOJSON_MEDIA_TYPE, "title": "Features", "href": f"{href}/items"},
            {"rel": QUERYABLES_REL, "type": SCHEMA_JSON, "title": "Queryables", "href": f"{href}/queryables"},
        ],
    }
    if provider.geometry_type:
        doc["geometryType"] = provider.geometry_type  # every feature has this type (a desktop GIS layer)
    return doc


@router.get("", summary="Landing page")
async def landing(request: Request) -> JSONResponse:
    _check_format(request)
    base = base_of(request)
    return JSONResponse(
        {
            "title": "planmap — Lianzhou 14th Five-Year Plan projects",
            "description": "OGC API – Features access to the plan's projects, the towns and the county outline.",
            "links": [
                {"rel": "self", "type": JSON, "title": "This document", "href": f"{base}/ogc"},
                {
                    "rel": "service-desc",
                    "type": OPENAPI_MEDIA_TYPE,
                    "title": "OpenAPI 3.1 definition of this OGC API",
                    "href": f"{base}/ogc/api",
                },
                {"rel": "service-doc", "type": "text/html", "title": "API documentation", "href": f"{base}/docs"},
                {"rel": "conformance", "type": JSON, "title": "Conformance", "href": f"{base}/ogc/conformance"},
                {"rel": "data", "type": JSON, "title": "Collections", "href": f"{base}/ogc/collections"},
            ],
        }
    )


@router.get("/api", response_class=OpenAPIResponse, summary="OpenAPI definition of the OGC API alone")
async def api_document(request: Request) -> JSONResponse:
    return openapi_response(request, ogc_api_document(request.app.openapi(), base_of(request)))


@router.get("/conformance", summary="Conformance classes implemented")
async def conformance(request: Request) -> JSONResponse:
    _check_format(request)
    return JSONResponse({"conformsTo": CONFORMANCE})


@router.get("/collections", summary="Feature collections")
async def collections(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> JSONResponse:
    _check_format(request)
    base = base_of(request)
    docs = [await _collection_doc(conn, p, base) for p in PROVIDERS.values()]
    return JSONResponse(
        {
            "links": [{"rel": "self", "type": JSON, "href": f"{base}/ogc/collections"}],
            "collections": docs,
        }
    )


@router.get("/collections/{collection_id}", summary="One feature collection", responses=ERRORS)
async def collection(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    collection_id: CollectionId,
) -> JSONResponse:
    _check_format(request)
    return JSONResponse(await _collection_doc(conn, provider_for(collection_id), base_of(request)))


class SchemaJSONResponse(JSONResponse):
    media_type = SCHEMA_JSON


@router.get(
    "/collections/{collection_id}/queryables",
    response_class=SchemaJSONResponse,
    summary="What a filter may name in this collection (JSON Schema)",
    responses=ERRORS,
)
async def queryables(request: Request, collection_id: CollectionId) -> SchemaJSONResponse:
    provider = provider_for(collection_id)
    _check_format(request)
    href = f"{base_of(request)}/ogc/collections/{provider.id}/queryables"
    return SchemaJSONResponse(queryables_document(provider.queryables, href, provider.title))


@router.get(
    "/collections/{collection_id}/items",
    response_class=GeoJSONResponse,
    summary="Features of a collection",
    description=(
        "Parameters: `bbox` (minLon,minLat,maxLon,maxLat in CRS84), `limit` (default 100, at most 10000), "
        "`offset`, `cursor` (projects: continue after a page, as its `next` link does; such pages omit "
        "numberMatched), `datetime` (RFC 3339 instant or interval; projects match when their plan years meet "
        "it), `filter` (CQL2 text or JSON over the collection's queryables), and for the projects collections "
        "the property filters `status`, `category`, `town` (comma-separated or repeated)."
    ),
    responses=ERRORS,
    openapi_extra={"parameters": ITEMS_PARAMETERS},
)
async def items(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
    collection_id: CollectionId,
) -> Response:
    provider = provider_for(collection_id)
    _check_format(request)
    params = request.query_params
    # Part 1 §7.15.5: a queryable may also be given as `name=value` (what GDAL sends for a `where`).
    by_property = {
        name: params[name]
        for name in provider.queryables
        if name in params and name != "geometry" and name not in provider.parameters
    }
    unknown = sorted(set(params) - RESERVED_PARAMS - set(provider.parameters) - set(by_property))
    if unknown:
        raise bad_request(f"unknown parameter(s) for '{collection_id}': {', '.join(unknown)}")
    lang = params.get("filter-lang")
    if lang is not None and lang not in FILTER_LANGS:  # refused even without a filter: it is not a valid value
        raise bad_request(f"filter-lang {lang!r} is not supported; use cql2-text or cql2-json")
    for crs_param in ("bbox-crs", "crs", "filter-crs"):
        crs = params.get(crs_param)
        if crs not in (None, CRS84):
            raise bad_request(f"{crs_param} {crs!r} is not supported; use {CRS84}")
    # Parsed (so a malformed datetime is refused everywhere), but only a temporal collection is narrowed by it:
    # OGC API – Features /req/core/fc-time-response: without a temporal property, every feature matches.
    years = parse_datetime_years(params.get("datetime"))
    raw_filter = params.get("filter")
    trees = [equals_tree(provider.queryables[name], value) for name, value in by_property.items()]
    if raw_filter is not None:
        trees.append(parse_filter(raw_filter, params.get("filter-lang")))
    condition = None
    if trees:
        tree = trees[0] if len(trees) == 1 else {"op": "and", "args": trees}
        condition = translate(tree, provider.queryables, provider.id, params.get("filter-crs"))
    cursor = params.get("cursor")
    if cursor is not None and (not provider.keyset or params.get("offset")):
        raise bad_request("cursor pages projects only, and cannot be combined with offset: follow the `next` link")

    properties = {
        name: [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
        for name in provider.parameters
        if name in params
    }
    for name, values in properties.items():
        if name in provider.queryables:
            for value in values:
                check_enum(provider.queryables[name], value)
    query = ItemQuery(
        after=None if cursor is None else decode_cursor(cursor),
        bbox=parse_bbox(params.get("bbox")),
        years=years if provider.temporal else None,
        properties=properties,
        limit=parse_int("limit", params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT, clamp=True),
        offset=parse_int("offset", params.get("offset"), 0, 0, 10_000_000),
        staff=principal is not None,
        condition=condition,
    )
    if condition is not None or query.properties:
        # The server's log is how an operator (and tests/ogc/test_clients.py) sees a client's filter run here,
        # in SQL, rather than on the client after fetching everything.
        log.info(
            "filter evaluated in the database",
            extra={"collection": provider.id, "filter": raw_filter, "properties": {**by_property, **query.properties}},
        )
    page = await provider.items(conn, query)
    links = page_links(request, page, query.limit, query.offset, GEOJSON_MEDIA_TYPE, keyset=provider.keyset)
    links.append({"rel": "collection", "type": JSON, "href": f"{base_of(request)}/ogc/collections/{provider.id}"})
    stamp = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return GeoJSONResponse(collection_bytes(page, links, timeStamp=stamp), headers={"Content-Crs": f"<{CRS84}>"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=GeoJSONResponse,
    summary="One feature",
    responses={**ERRORS, 200: {"description": "The feature; for projects with an ETag, the If-Match of a write"}},
)
async def item(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(max_length=120, examples=["tanling-pumped-storage"])],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    provider = provider_for(collection_id)
    _check_format(request)
    found = await provider.item(conn, feature_id, staff=principal is not None)
    if found is None:
        raise NotFound(f"no feature '{feature_id}' in '{collection_id}'")
    return feature_response(request, provider, feature_id, found)


def feature_response(
    request: Request, provider: Provider, feature_id: str, found: Item, status_code: int = 200
) -> GeoJSONResponse:
    """One feature with its links, and its ETag when it has a version (what a Part 4 write's If-Match names)."""
    feature = orjson.loads(found.body)
    base = base_of(request)
    feature["links"] = [
        {"rel": "self", "type": GEOJSON_MEDIA_TYPE, "href": f"{base}/ogc/collections/{provider.id}/items/{feature_id}"},
        {"rel": "collection", "type": JSON, "href": f"{base}/ogc/collections/{provider.id}"},
    ]
    headers = {"Content-Crs": f"<{CRS84}>"}
    if found.version is not None:
        headers["ETag"] = etag(found.version)
    return GeoJSONResponse(orjson.dumps(feature), status_code=status_code, headers=headers)
