"""The lean public tile (app/api/public_tile.py) answers exactly what the full tile route would: the same bytes,
ETag, Cache-Control, Vary, gzip, 304 and microcache (including `Cache-Control: no-cache`), a request id and the
security headers; a token, a session cookie, any query or a coordinate not plainly valid falls through to the full
route; a sensitive site stays at its town seat."""

import math
import re
from collections.abc import Iterator
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from app.api.public_tile import PublicTileRoute, plain_tile
from app.core.dependencies import get_conn
from app.core.settings import Settings
from app.main import create_app
from app.middleware.security_headers import API_POLICY
from app.queries.project_filter import ProjectFilter
from app.queries.summary import current_sql
from app.queries.tiles import keys_apply, public_current_sql, public_tile_sql, tile_sql
from tests.support.editing import (
    SENSITIVE_PRECISE,
    XINGZI_SEAT,
    EditWorld,
    create_sensitive_site,
    new_feature,
    open_world,
)

CENTER = (112.3712, 24.7819)  # the seat of Lianzhou town
PRECISE = SENSITIVE_PRECISE
TEAPOT = 418
UNCACHED = {"Cache-Control": "no-cache", "Accept-Encoding": "identity"}  # what the benchmark sends
GZIP = {"Cache-Control": "no-cache", "Accept-Encoding": "gzip"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    rad = math.radians(lat)
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def url(tile: tuple[int, int, int]) -> str:
    return "/tiles/{}/{}/{}.pbf".format(*tile)


# The grid from the kept keys at z5 (whole geometries from the huge index) and z8/z10, street level at z14, and a
# tile of the Gulf of Guinea where nothing lies (an empty body).
TILES = [tile_of(*CENTER, 5), (8, 207, 109), tile_of(*CENTER, 10), tile_of(*CENTER, 14), (10, 512, 512)]


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    # A long microcache, so a test can see what it keeps whatever the machine's speed.
    with open_world("planmap_tile", tile_cache_seconds=60) as w:
        yield w


class FullRouteOnly:
    """The app without the lean route for the duration: the very same request, answered by the full route."""

    def __init__(self, client: TestClient) -> None:
        self.routes: list[BaseRoute] = client.app.router.routes  # type: ignore[attr-defined]

    def __enter__(self) -> None:
        self.lean = next(r for r in self.routes if isinstance(r, PublicTileRoute))
        self.routes.remove(self.lean)

    def __exit__(self, *exc: object) -> None:
        self.routes.insert(0, self.lean)


def slugs(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    decoded = mapbox_vector_tile.decode(response.content)
    return {f["properties"]["slug"] for f in decoded.get("projects", {}).get("features", [])}


def without_request_id(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "x-request-id"}


def test_the_plain_public_tile_takes_the_lean_route_and_every_other_falls_through(world: EditWorld) -> None:
    client = world.client
    planner = world.auth("planner")
    tile = url(TILES[3])

    async def refuse() -> None:
        raise HTTPException(TEAPOT, "through FastAPI's dependencies")

    client.app.dependency_overrides[get_conn] = refuse  # type: ignore[attr-defined]
    try:
        assert client.get(tile).status_code == 200
        assert client.get(tile, headers=UNCACHED).status_code == 200
        assert client.head(tile).status_code == 200
        for other in (f"{tile}?unused=1", f"{tile}?status=planned", f"{tile}?as_of=2023-12-31", f"{tile}?plan=x"):
            assert client.get(other).status_code == TEAPOT, other
        assert client.get(tile, headers=planner).status_code == TEAPOT
        assert client.get(tile, headers={"Cookie": "planmap_session=stale"}).status_code == TEAPOT
        # Not plainly valid: left to the full route, which parses and refuses them itself.
        for other in ("/tiles/05/24/13.pbf", "/tiles/+5/24/13.pbf", "/tiles/3/8/0.pbf", "/tiles/23/0/0.pbf"):
            assert client.get(other).status_code == TEAPOT, other
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    for path, name in (("/tiles/3/8/0.pbf", "x"), ("/tiles/3/0/8.pbf", "y"), ("/tiles/23/0/0.pbf", "z")):
        response = client.get(path)  # the full route's own 422, naming the coordinate
        assert response.status_code == 422 and any(name in e["loc"] for e in response.json()["detail"]), path
    assert client.get("/tiles/05/24/13.pbf").content == client.get("/tiles/5/24/13.pbf?unused=1").content


def test_only_canonical_in_range_coordinates_are_plain() -> None:
    assert plain_tile("/tiles/0/0/0.pbf") == (0, 0, 0)
    assert plain_tile("/tiles/22/4194303/4194303.pbf") == (22, 4194303, 4194303)
    for path in ("/tiles/22/4194304/0.pbf", "/tiles/23/0/0.pbf", "/tiles/1/2/0.pbf", "/tiles/01/0/0.pbf",
                 "/tiles/1/0/0.pbf/", "/tiles/1/0/0.mvt", "/tiles/1/-0/0.pbf", "/tiles/1/0/0x1.pbf"):  # fmt: skip
        assert plain_tile(path) is None, path


@pytest.mark.parametrize("tile", TILES, ids=lambda t: "z{}-{}-{}".format(*t))
def test_the_lean_answer_is_the_full_routes_answer(world: EditWorld, tile: tuple[int, int, int]) -> None:
    client = world.client
    for headers in (GZIP, {}, UNCACHED):  # made afresh (gzip asked for), from the microcache, afresh (identity)
        lean = client.get(url(tile), headers=headers)
        with FullRouteOnly(client):
            full = client.get(url(tile), headers=headers)
        assert lean.status_code == full.status_code == 200
        assert lean.content == full.content
        assert without_request_id(lean.headers) == without_request_id(full.headers), headers
    assert lean.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert lean.headers["cache-control"] == "public, max-age=60"
    # (GZipMiddleware appends another Accept-Encoding to a body of 4 kB or more, on both routes alike.)
    assert lean.headers["vary"].startswith("Accept-Encoding, Authorization, Cookie")
    if tile == (10, 512, 512):
        assert lean.content == b""
    else:
        assert mapbox_vector_tile.decode(lean.content)["county"]["features"]

    tag = lean.headers["etag"]
    again = client.get(url(tile), headers={"If-None-Match": tag})
    with FullRouteOnly(client):
        again_full = client.get(url(tile), headers={"If-None-Match": tag})
    assert again.status_code == again_full.status_code == 304
    assert again.content == b"" and without_request_id(again.headers) == without_request_id(again_full.headers)
    head = client.head(url(tile))
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", tag)


def test_a_large_tile_is_gzipped_alike(world: EditWorld) -> None:
    tile = url(TILES[1])  # z8 over the county: several kB
    lean = world.client.get(tile, headers=GZIP)
    with FullRouteOnly(world.client):
        full = world.client.get(tile, headers=GZIP)
    assert lean.headers["content-encoding"] == full.headers["content-encoding"] == "gzip"
    assert lean.content == full.content and len(lean.content) > 4096


def test_the_microcache_is_shared_and_no_cache_makes_the_tile_afresh(world: EditWorld) -> None:
    """A new project shows on the next pan only after the cached tile expires, or at once for `no-cache`;
    both routes read and fill the same cache entry."""
    client = world.client
    spot = [112.3912, 24.7719]
    tile = url(tile_of(*spot, 14))
    before = client.get(tile)  # kept in the cache by the lean route
    created = client.post("/api/projects", json=new_feature("tile-new-school", spot), headers=world.auth("planner"))
    assert created.status_code == 201, created.text

    assert "tile-new-school" not in slugs(client.get(tile))  # the cached copy, on both routes
    with FullRouteOnly(client):
        assert client.get(tile).content == before.content
    fresh = client.get(tile, headers=UNCACHED)
    assert "tile-new-school" in slugs(fresh) and fresh.headers["etag"] != before.headers["etag"]
    assert client.get(tile).content == fresh.content  # no-cache also refreshed the cached copy
    with FullRouteOnly(client):
        assert client.get(tile).content == fresh.content  # which the full route reads too
        assert "tile-new-school" in slugs(client.get(tile, headers=UNCACHED))


def test_the_request_id_security_headers_and_route_label(world: EditWorld) -> None:
    client = world.client
    metrics = client.app.state.metrics  # type: ignore[attr-defined]
    labels = {"method": "GET", "route": "/tiles/{z}/{x}/{y}.pbf", "status": "200"}

    def count() -> float:
        return metrics.registry.get_sample_value("planmap_http_requests_total", labels) or 0.0

    before = count()
    lean = client.get(url(TILES[3]), headers={"X-Request-ID": "tile-4711"})
    assert count() == before + 1
    assert lean.headers["x-request-id"] == "tile-4711"
    assert lean.headers["content-security-policy"] == API_POLICY
    for name in ("x-content-type-options", "x-frame-options", "referrer-policy", "cross-origin-opener-policy"):
        assert lean.headers[name], name
    assert client.get(url(TILES[3])).headers["x-request-id"] not in ("", "tile-4711")


def test_a_sensitive_site_stays_at_its_town_seat_on_the_lean_route(world: EditWorld) -> None:
    client = world.client
    planner = world.auth("planner")
    slug = "tile-sensitive-clinic"
    create_sensitive_site(world, slug)

    where, seat = url(tile_of(*PRECISE, 14)), url(tile_of(*XINGZI_SEAT, 14))
    assert where != seat
    assert slug not in slugs(client.get(where, headers=UNCACHED))
    assert slug in slugs(client.get(seat, headers=UNCACHED))
    assert slug not in slugs(client.get(where, headers={**UNCACHED, "Cookie": "planmap_session=stale"}))
    staff = client.get(where, headers={**UNCACHED, **planner})  # through the full route: the precise site
    assert slug in slugs(staff) and staff.headers["cache-control"] == "private, no-store"
    assert slug not in slugs(client.get(where))  # the staff tile was never cached for the public


def test_no_other_route_answers_a_get_the_lean_route_takes(world: EditWorld) -> None:
    paths = world.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    fitting = [p for p, methods in paths.items() if "get" in methods and re.fullmatch(r"/tiles/[^/]+/[^/]+/.+", p)]
    assert fitting == ["/tiles/{z}/{x}/{y}.pbf"]


def test_the_cached_public_statements_are_the_public_filters_statements() -> None:
    for stale_days in (180, 30):
        public = ProjectFilter(stale_days=stale_days)
        assert keys_apply(public)  # the lean route asks only whether the keys are current
        assert public_current_sql(stale_days) == current_sql(public)
        for z in range(23):
            for keys in (False, True):
                assert public_tile_sql(stale_days, z, keys) == tile_sql(public, z, keys=keys), (z, keys)


def test_an_unreachable_database_is_the_same_503() -> None:
    database = "postgresql+psycopg://postgres@127.0.0.1:9/planmap?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=database, db_pool_warm=0))) as offline:
        lean, full = offline.get(url(TILES[3])), offline.get(url(TILES[3]) + "?unused=1")
    assert lean.status_code == full.status_code == 503
    assert lean.json() == full.json() and lean.headers["retry-after"] == full.headers["retry-after"]
