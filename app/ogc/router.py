"""OGC API – Features endpoints: landing page, conformance, collections, items.

GDAL's OAPIF driver and QGIS walk these links, so every response carries absolute
`links` with the right media types, and paging follows `next`.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.paging import collection_bytes, decode_cursor, page_links
from app.api.responses import GEOJSON_MEDIA_TYPE, GeoJSONResponse
from app.auth.dependencies import optional_principal
from app.auth.principal import Principal
from app.core import clock
from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.ogc.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    bad_request,
    parse_bbox,
    parse_datetime_years,
    parse_int,
)
from app.ogc.providers import PROVIDERS, ItemQuery, Provider

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

JSON = "application/json"
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
RESERVED_PARAMS = {"bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "cursor", "f"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter is not valid (OGC exception: code, description)"},
    404: {"description": "No such collection or feature"},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _check_format(request: Request) -> None:
    fmt = request.query_params.get("f")
    if fmt not in (None, "json", "geojson"):
        raise bad_request(f"f={fmt!r} is not served; use f=json")


def _provider(collection_id: str) -> Provider:
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
    return {
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
        ],
    }


@router.get("", summary="Landing page")
async def landing(request: Request) -> JSONResponse:
    _check_format(request)
    base = _base(request)
    return JSONResponse(
        {
            "title": "planmap — Lianzhou 14th Five-Year Plan projects",
            "description": "OGC API – Features access to the plan's projects, the towns and the county outline.",
            "links": [
                {"rel": "self", "type": JSON, "title": "This document", "href": f"{base}/ogc"},
                {
                    "rel": "service-desc",
                    "type": OPENAPI_MEDIA_TYPE,
                    "title": "OpenAPI definition",
                    "href": f"{base}/api",
                },
                {"rel": "service-doc", "type": "text/html", "title": "API documentation", "href": f"{base}/docs"},
                {"rel": "conformance", "type": JSON, "title": "Conformance", "href": f"{base}/ogc/conformance"},
                {"rel": "data", "type": JSON, "title": "Collections", "href": f"{base}/ogc/collections"},
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes implemented")
async def conformance(request: Request) -> JSONResponse:
    _check_format(request)
    return JSONResponse({"conformsTo": CONFORMANCE})


@router.get("/collections", summary="Feature collections")
async def collections(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> JSONResponse:
    _check_format(request)
    base = _base(request)
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
    collection_id: Annotated[str, Path(examples=["projects"])],
) -> JSONResponse:
    _check_format(request)
    return JSONResponse(await _collection_doc(conn, _provider(collection_id), _base(request)))


@router.get(
    "/collections/{collection_id}/items",
    response_class=GeoJSONResponse,
    summary="Features of a collection",
    description=(
        "Parameters: `bbox` (minLon,minLat,maxLon,maxLat in CRS84), `limit` (1–10000, default 100), `offset`, "
        "`cursor` (projects: continue after a page, as its `next` link does; such pages omit numberMatched), "
        "`datetime` (RFC 3339 instant or interval; projects match when their plan years meet it), and for "
        "`projects` the property filters `status`, `category`, `town` (comma-separated or repeated)."
    ),
    responses=ERRORS,
)
async def items(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
    collection_id: Annotated[str, Path(examples=["projects"])],
) -> Response:
    provider = _provider(collection_id)
    _check_format(request)
    params = request.query_params
    unknown = sorted(set(params) - RESERVED_PARAMS - set(provider.queryables))
    if unknown:
        raise bad_request(f"unknown parameter(s) for '{collection_id}': {', '.join(unknown)}")
    for crs_param in ("bbox-crs", "crs"):
        crs = params.get(crs_param)
        if crs not in (None, CRS84):
            raise bad_request(f"{crs_param} {crs!r} is not supported; use {CRS84}")
    if params.get("datetime") and not provider.temporal:
        raise bad_request(f"collection '{collection_id}' has no temporal extent; datetime does not apply")
    cursor = params.get("cursor")
    if cursor is not None and (not provider.keyset or params.get("offset")):
        raise bad_request("cursor pages projects only, and cannot be combined with offset: follow the `next` link")
    query = ItemQuery(
        after=None if cursor is None else decode_cursor(cursor),
        bbox=parse_bbox(params.get("bbox")),
        years=parse_datetime_years(params.get("datetime")),
        properties={
            name: [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
            for name in provider.queryables
            if name in params
        },
        limit=parse_int("limit", params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int("offset", params.get("offset"), 0, 0, 10_000_000),
        staff=principal is not None,
    )
    page = await provider.items(conn, query)
    links = page_links(request, page, query.limit, query.offset, GEOJSON_MEDIA_TYPE, keyset=provider.keyset)
    links.append({"rel": "collection", "type": JSON, "href": f"{_base(request)}/ogc/collections/{provider.id}"})
    stamp = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return GeoJSONResponse(collection_bytes(page, links, timeStamp=stamp), headers={"Content-Crs": f"<{CRS84}>"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=GeoJSONResponse,
    summary="One feature",
    responses=ERRORS,
)
async def item(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    collection_id: Annotated[str, Path(examples=["projects"])],
    feature_id: Annotated[str, Path(max_length=120, examples=["tanling-pumped-storage"])],
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    provider = _provider(collection_id)
    _check_format(request)
    body = await provider.item(conn, feature_id, staff=principal is not None)
    if body is None:
        raise NotFound(f"no feature '{feature_id}' in '{collection_id}'")
    feature = orjson.loads(body)
    base = _base(request)
    feature["links"] = [
        {"rel": "self", "type": GEOJSON_MEDIA_TYPE, "href": f"{base}/ogc/collections/{provider.id}/items/{feature_id}"},
        {"rel": "collection", "type": JSON, "href": f"{base}/ogc/collections/{provider.id}"},
    ]
    return GeoJSONResponse(orjson.dumps(feature), headers={"Content-Crs": f"<{CRS84}>"})
