"""Mapbox Vector Tiles of the projects, towns and county: `GET /tiles/{z}/{x}/{y}.pbf`.

A GeoJSON of every project stops being an option once the catalog holds a province's plans
(a million features is hundreds of megabytes); a tile holds only what one screen square
needs, already clipped and quantised by PostGIS (`ST_AsMVTGeom`), so a map stays fast at
any size. Layers: `projects` (filtered exactly like `/api/projects`, because the same
`ProjectFilter` writes the SQL), `clusters` (up to zoom GRID_MAX_ZOOM, small projects counted
into grid cells), `towns` and `county` (never filtered: the frame of the map). The SQL and
its reasons are in app/queries/tiles.py.

Caching: the ETag is a hash of the tile's bytes, so it is strong and can never describe
stale data (an edit changes the bytes, hence the ETag); `If-None-Match` with it gives 304
without a body. `Cache-Control` lets a browser or proxy reuse a tile for a minute, short
enough that an official's edit shows up on the next pan.

Each worker also keeps the tiles it made for PLANMAP_TILE_CACHE_SECONDS (10 s; a
"microcache"): a map's popular tiles are asked for by every visitor at once, and the
benchmark showed tile latency under load is mostly queueing behind identical PostGIS work.
The TTL stays below max-age, so nobody sees older data than the headers already allow; a
request with `Cache-Control: no-cache` skips the cached copy and makes the tile afresh.
"""

import hashlib
import time
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.project_params import project_filter
from app.core.dependencies import get_conn
from app.core.errors import Invalid
from app.queries.driver import fetch_one
from app.queries.project_filter import ProjectFilter
from app.queries.summary import summary_current
from app.queries.tiles import GRID_MAX_ZOOM, keys_apply, tile_sql

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
CACHE_CONTROL = "public, max-age=60"


class TileCache:
    """Tiles by (z, x, y, query string) for a few seconds, least recently used out first, bounded in bytes."""

    def __init__(self, ttl_seconds: float, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.ttl, self.max_bytes, self.size = ttl_seconds, max_bytes, 0
        self._entries: OrderedDict[tuple[int, int, int, str], tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: tuple[int, int, int, str]) -> tuple[bytes, str] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1], entry[2]

    def put(self, key: tuple[int, int, int, str], body: bytes, tag: str) -> None:
        if self.ttl <= 0 or len(body) > self.max_bytes // 8:
            return
        if key in self._entries:
            self._drop(key)
        now = time.monotonic()
        # Expired tiles that nobody asked for again would otherwise stay until the byte bound pushed them
        # out: the soak test saw a worker's memory climb steadily towards 64 MB of dead tiles. The least
        # recently used come first, so dropping expired ones from the front is cheap.
        while self._entries and next(iter(self._entries.values()))[0] < now:
            self._drop(next(iter(self._entries)))
        self._entries[key] = (now + self.ttl, body, tag)
        self.size += len(body)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[int, int, int, str]) -> None:
        self.size -= len(self._entries.pop(key)[1])


def tile_cache(app: Any) -> TileCache:
    """The worker's microcache, shared by this route and the lean one (app/api/public_tile.py)."""
    cache: TileCache | None = getattr(app.state, "tile_cache", None)
    if cache is None:
        cache = app.state.tile_cache = TileCache(app.state.settings.tile_cache_seconds)
    return cache


def cache_key(z: int, x: int, y: int, staff: bool, query: str) -> tuple[int, int, int, str]:
    """Staff and the public see different tiles (sensitive sites), so they never share a cached one."""
    return (z, x, y, f"{'staff' if staff else 'public'}?{query}")


def cached_tile(cache: TileCache, key: tuple[int, int, int, str], cache_control: str) -> tuple[bytes, str] | None:
    """The cached tile, unless the request's Cache-Control says `no-cache` (make it afresh)."""
    return None if "no-cache" in cache_control else cache.get(key)


def keep_tile(cache: TileCache, key: tuple[int, int, int, str], body: bytes) -> str:
    """Keep a tile just made; its ETag."""
    tag = tile_etag(body)
    cache.put(key, body, tag)
    return tag


def tile_response(body: bytes, tag: str, staff: bool, if_none_match: str | None) -> Response:
    """The tile, or 304 when If-None-Match names its tag; a staff tile is never stored by anyone."""
    cache_control = "private, no-store" if staff else CACHE_CONTROL
    headers = {"ETag": tag, "Cache-Control": cache_control, "Vary": "Accept-Encoding, Authorization, Cookie"}
    if _matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MVT_MEDIA_TYPE, headers=headers)


def tile_etag(body: bytes) -> str:
    """A strong ETag from the tile's content: equal bytes, equal tag; any change, a new tag."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or tag in candidates


@router.get(
    "/{z}/{x}/{y}.pbf",
    response_class=Response,
    responses={
        200: {
            "content": {MVT_MEDIA_TYPE: {}},
            "description": "Mapbox Vector Tile with layers `projects` (slug, name, name_en, status, category, "
            "precision, dim: 0 point / 1 line / 2 polygon, warnings: comma-separated, rag: red/amber/green, "
            f"both as of the day), `clusters` (zoom {GRID_MAX_ZOOM} and below: grid cells of two or more small "
            "projects, each with `count` and `mix`, the count of each combination of warnings as "
            "`:12;late_start+stale:3`), `towns` and `county`; empty body when nothing lies in the tile",
        },
        304: {"description": "Not modified: the If-None-Match ETag is the tile's current one"},
        422: {"description": "z, x or y is out of range, or a filter is not valid; `detail[].loc` names it"},
    },
    summary="Vector tile (Web Mercator XYZ) of projects, towns and county",
)
async def tile(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    flt: Annotated[ProjectFilter, Depends(project_filter)],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description=f"Zoom level 0–{MAX_ZOOM}.")],
    x: Annotated[int, Path(ge=0, description="Column, 0 … 2^z − 1 (west to east).")],
    y: Annotated[int, Path(ge=0, description="Row, 0 … 2^z − 1 (north to south, XYZ scheme).")],
) -> Response:
    size = 1 << z
    for name, value in (("x", x), ("y", y)):
        if value >= size:
            raise Invalid(("path", name), f"{name} must be below 2^z = {size} at zoom {z}, got {value}")
    cache = tile_cache(request.app)
    key = cache_key(z, x, y, flt.staff, request.url.query)
    cached = cached_tile(cache, key, request.headers.get("cache-control", ""))
    if cached is not None:
        body, tag = cached
    else:
        keys = z <= GRID_MAX_ZOOM and keys_apply(flt) and await summary_current(conn, flt)
        sql, params = tile_sql(flt, z, keys=keys)
        # Street-level tiles: one plan for every tile (planning was half their database time); the grid's plans
        # depend on the filters and zoom more, and stay per call.
        row = await fetch_one(conn, sql, {**params, "z": z, "x": x, "y": y}, generic_plan=z > GRID_MAX_ZOOM)
        body = bytes(row[0]) if row is not None else b""
        tag = keep_tile(cache, key, body)
    return tile_response(body, tag, flt.staff, request.headers.get("if-none-match"))
