"""Paging links, keyset cursors and the FeaturePage envelope around features PostGIS serialised.

Two ways to page, both in slug order. `offset` skips rows, which PostgreSQL can only do by
sorting every matching row before the page: fine near the start, 264 ms at offset 50,000 of
100,000 (issue 23). `cursor` continues after the last slug of the previous page, so the
database never sorts the rows it skips; `next` links carry a cursor whenever the order is by
slug (not with `near`, which orders by distance and keeps offsets).

numberMatched is exact on every offset page (a `count(*)` of the whole match) and absent on
pages reached by cursor, as OGC API Features allows: there the count would cost what the
cursor saves. A client that needs it has it from the first page.
"""

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import Query, Request

from app.core.errors import Invalid
from app.queries.project_pages import FeaturePage

CURSOR_PREFIX = "s:"


# The cycle's lists (the standing, a year's programme): items per page by default and at most, as /api/projects.
LIST_PAGE, LIST_MAX_PAGE = 1000, 10_000
ListLimit = Annotated[int, Query(ge=1, le=LIST_MAX_PAGE, description=f"Items per page (at most {LIST_MAX_PAGE}).")]
ListCursor = Annotated[
    str | None, Query(max_length=400, description="Continue after the page whose `next` link gave this cursor.")
]


def encode_cursor(last_slug: str) -> str:
    """An opaque cursor naming the last slug of a page (URL-safe base64, no padding)."""
    raw = (CURSOR_PREFIX + last_slug).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, where: tuple[str, ...] = ("query", "cursor")) -> str:
    """The slug a cursor continues after; a cursor this server did not write is `Invalid`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(CURSOR_PREFIX) or len(raw) == len(CURSOR_PREFIX):
        raise Invalid(where, "cursor is not one this server wrote: use the `next` link of a previous page")
    return raw[len(CURSOR_PREFIX) :]


def list_links(request: Request, limit: int, last_key: str | None, more: bool) -> list[dict[str, str]]:
    """`self`, and `next` (carrying a cursor after `last_key`) when another page follows: the links of a
    JSON list paged by keyset alone (the year's standing, a programme), every other parameter kept."""
    links = [{"rel": "self", "type": "application/json", "href": str(request.url)}]
    if more and last_key is not None:
        href = request.url.include_query_params(limit=limit, cursor=encode_cursor(last_key))
        links.append({"rel": "next", "type": "application/json", "href": str(href)})
    return links


def list_page(
    request: Request, body: dict[str, Any], limit: int, last_key: str | None, key: str = "items"
) -> dict[str, Any]:
    """A service's page (`more`, `matched` and its list under `key`) as the API answers it: numberMatched
    where it was counted, numberReturned and the links, then the list."""
    more, matched, listed = body.pop("more"), body.pop("matched"), body.pop(key)
    paged: dict[str, Any] = {} if matched is None else {"numberMatched": matched}
    paged |= {"numberReturned": len(listed), "links": list_links(request, limit, last_key, more)}
    return body | paged | {key: listed}


def page_links(
    request: Request,
    page: FeaturePage,
    limit: int,
    offset: int,
    media_type: str,
    keyset: bool = False,
) -> list[dict[str, str]]:
    """`self`, and `next` / `prev` where those pages exist, keeping every other query parameter.

    With `keyset` (slug order), `next` carries a cursor instead of an offset; a page reached by
    cursor has no `prev` (paging backwards by keyset would need a second index direction; offsets
    still reach any page).
    """
    links = [{"rel": "self", "type": media_type, "href": str(request.url)}]
    more = page.more if page.total is None else offset + page.returned < page.total
    if more:
        if keyset and page.last_slug is not None:
            href = request.url.remove_query_params("offset").include_query_params(
                limit=limit, cursor=encode_cursor(page.last_slug)
            )
        else:
            href = request.url.include_query_params(limit=limit, offset=offset + limit)
        links.append({"rel": "next", "type": media_type, "href": str(href)})
    if offset > 0 and page.total is not None:
        href = request.url.include_query_params(limit=limit, offset=max(offset - limit, 0))
        links.append({"rel": "prev", "type": media_type, "href": str(href)})
    return links


def collection_bytes(page: FeaturePage, links: list[dict[str, str]], **members: Any) -> bytes:
    """A FeatureCollection whose `features` array is spliced in unparsed, as the database wrote it."""
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if page.total is not None:
        head["numberMatched"] = page.total
    head.update({"numberReturned": page.returned, **members, "links": links})
    return orjson.dumps(head)[:-1] + b',"features":' + page.features_json.encode() + b"}"
