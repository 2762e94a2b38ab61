"""Paging links and the FeatureCollection envelope around features PostGIS serialised."""

from typing import Any

import orjson
from fastapi import Request

from app.queries.project_pages import FeaturePage


def page_links(request: Request, page: FeaturePage, limit: int, offset: int, media_type: str) -> list[dict[str, str]]:
    """`self`, and `next` / `prev` where those pages exist, keeping every other query parameter."""
    links = [{"rel": "self", "type": media_type, "href": str(request.url)}]
    if offset + page.returned < page.total:
        href = request.url.include_query_params(limit=limit, offset=offset + limit)
        links.append({"rel": "next", "type": media_type, "href": str(href)})
    if offset > 0:
        href = request.url.include_query_params(limit=limit, offset=max(offset - limit, 0))
        links.append({"rel": "prev", "type": media_type, "href": str(href)})
    return links


def collection_bytes(page: FeaturePage, links: list[dict[str, str]], **members: Any) -> bytes:
    """A FeatureCollection whose `features` array is spliced in unparsed, as the database wrote it."""
    head: dict[str, Any] = {
        "type": "FeatureCollection",
        "numberMatched": page.total,
        "numberReturned": page.returned,
        **members,
        "links": links,
    }
    return orjson.dumps(head)[:-1] + b',"features":' + page.features_json.encode() + b"}"
