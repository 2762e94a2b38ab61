"""The plain public tile, answered without FastAPI's routing and dependency solving (issue 23).

A map asks for dozens of `GET /tiles/{z}/{x}/{y}.pbf` at a time, nearly all without parameters.
For each, the full route (app/api/tiles.py) had FastAPI solve `project_filter`'s twelve query
parameters, `read_context`, the principal and the connection, each a dependency: with the tile's
SQL down to ~1.3 ms of a street-level tile's ~3.7 ms (bench/NOTES.md, fifth round), that was the
largest part of what was left, as it had been for one project (app/api/public_item.py).

This route answers only the request that needs none of it: GET (or HEAD, routed as GET by the
middleware) with no query string, no `Authorization` header and no session cookie
(`is_plain_public_read`), and a path whose z, x and y are plainly valid — canonical decimal
integers, z ≤ MAX_ZOOM, x and y below 2^z. For it the full route would build
`ProjectFilter(stale_days=…)`: an anonymous reader, today, the default plan, no filter. Anything
else — a token, a session cookie (even a stale one), any query parameter, `05` or `+5` or an
out-of-range coordinate — is not matched and falls through to the full route, so its parsing,
401/422 answers, staff tiles and OpenAPI entry stay FastAPI's own. Visibility is safe by
construction: this module only ever makes the public tile (`fetch_public_tile`:
`projects_public`, sensitive sites at their town seat).

What the answer shares with the full route is shared code, not a copy: the worker's microcache
and its key (`public?` with an empty query, so both routes hit the same entries), `no-cache` in the
request's Cache-Control making the tile afresh, the ETag, Cache-Control, Vary and the 304 for a
matching If-None-Match (`tile_response`). The tile's statements run on a connection of the app's
pool lent for them (`run_pooled`: the kept-keys check and the tile in one greenlet switch).

It runs inside the same middleware as every route: request id, metrics and access log under the
route template `/tiles/{z}/{x}/{y}.pbf`, security headers, gzip, the error shield (a database
failure is the same 503).
"""

import re
from typing import Any

from starlette.datastructures import URLPath
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from app.api.public_item import is_plain_public_read, route_path
from app.api.tiles import MAX_ZOOM, cache_key, cached_tile, keep_tile, tile_cache, tile_response
from app.queries.tiles import fetch_public_tile

PATH_FORMAT = "/tiles/{z}/{x}/{y}.pbf"
# Canonical decimal integers only (no sign, no leading zero): what int() and FastAPI's parsing agree on.
_PATH = re.compile(r"^/tiles/(0|[1-9][0-9]?)/(0|[1-9][0-9]{0,6})/(0|[1-9][0-9]{0,6})\.pbf$")
_CACHE_CONTROL = b"cache-control"
_IF_NONE_MATCH = b"if-none-match"


def plain_tile(path: str) -> tuple[int, int, int] | None:
    """(z, x, y) of a tile path the full route would accept as it is; None for anything else."""
    found = _PATH.match(path)
    if found is None:
        return None
    z, x, y = (int(part) for part in found.groups())
    size = 1 << z if z <= MAX_ZOOM else 0
    return (z, x, y) if x < size and y < size else None


class PublicTileRoute(BaseRoute):
    """Matches the plain public tile; anything else is left to the routes after it (the full tile route)."""

    path_format = PATH_FORMAT  # the route template metrics and the access log label the request with
    include_in_schema = False  # documented by the full route, which answers every other form of this URL

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not is_plain_public_read(scope):
            return Match.NONE, {}
        tile = plain_tile(route_path(scope))
        if tile is None:
            return Match.NONE, {}
        z, x, y = tile
        return Match.FULL, {"path_params": {"z": z, "x": x, "y": y}, "route": self}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = scope["path_params"]
        response = await public_tile(scope, params["z"], params["x"], params["y"])
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # nothing links to it by name: the full route's name stays the one


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, as Starlette's `request.headers.get` reads it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def public_tile(scope: Scope, z: int, x: int, y: int) -> Response:
    """The public's tile, from the microcache unless `no-cache` is asked for; as the full route answers it."""
    app = scope["app"]
    cache = tile_cache(app)
    key = cache_key(z, x, y, staff=False, query="")
    cached = cached_tile(cache, key, _header(scope, _CACHE_CONTROL) or "")
    if cached is not None:
        body, tag = cached
    else:
        body = await fetch_public_tile(app.state.engine, app.state.settings.stale_days, z, x, y)
        tag = keep_tile(cache, key, body)
    return tile_response(body, tag, staff=False, if_none_match=_header(scope, _IF_NONE_MATCH))
