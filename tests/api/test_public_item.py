"""The lean public read of one project (app/api/public_item.py) answers exactly what get_project would:
the same body, ETag, headers and 404, a request id and the security headers; a staff reader, `as_of`,
`plan` or any other query falls through to get_project; a sensitive site stays generalised."""

import re
from collections.abc import Iterator

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from app.core.dependencies import get_conn
from app.core.settings import Settings
from app.main import create_app
from app.middleware.security_headers import API_POLICY
from app.queries.project_filter import ProjectFilter
from app.queries.project_pages import feature_sql, public_feature_sql
from tests.support.editing import SENSITIVE_PRECISE, EditWorld, create_sensitive_site, etag_of, open_world

SLUG = "tanling-pumped-storage"
URL = f"/api/projects/{SLUG}"
# `unused` is a parameter get_project ignores: the same read, but through FastAPI's route.
FULL = f"{URL}?unused=1"
PRECISE = SENSITIVE_PRECISE
TEAPOT = 418


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_item") as w:
        yield w


def _without_dependencies(client: TestClient) -> None:
    """Make every FastAPI route that reads the database answer 418: what still answers 200 is the lean route."""

    async def refuse() -> None:
        raise HTTPException(TEAPOT, "through FastAPI's dependencies")

    client.app.dependency_overrides[get_conn] = refuse  # type: ignore[attr-defined]


def test_the_plain_public_read_takes_the_lean_route_and_every_other_falls_through(world: EditWorld) -> None:
    client = world.client
    planner = world.auth("planner")
    _without_dependencies(client)
    try:
        assert client.get(URL).status_code == 200
        assert client.head(URL).status_code == 200
        for other in (FULL, f"{URL}?as_of=2023-12-31", f"{URL}?plan=lianzhou-14th"):
            assert client.get(other).status_code == TEAPOT, other
        assert client.get(URL, headers=planner).status_code == TEAPOT
        assert client.get(URL, headers={"Cookie": "planmap_session=stale"}).status_code == TEAPOT
        assert client.get(f"{URL}/plans").status_code == TEAPOT  # a longer path is not this route's
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert client.get(f"/api/projects/{'x' * 121}").status_code == 422  # get_project's own limit


def test_the_lean_answer_is_get_projects_answer(world: EditWorld) -> None:
    client = world.client
    lean, full = client.get(URL, headers={"X-Request-ID": "item-4711"}), client.get(FULL)
    assert lean.status_code == full.status_code == 200
    assert lean.content == full.content
    assert lean.json()["properties"]["slug"] == SLUG
    for name in ("etag", "content-type", "content-length", "content-security-policy", "x-content-type-options",
                 "x-frame-options", "referrer-policy", "permissions-policy", "cross-origin-opener-policy"):  # fmt: skip
        assert lean.headers[name] == full.headers[name], name
    assert lean.headers["etag"] == etag_of(client, SLUG) == '"v1"'
    assert lean.headers["content-type"] == "application/geo+json"
    assert lean.headers["content-security-policy"] == API_POLICY
    assert lean.headers["x-request-id"] == "item-4711"
    assert lean.headers["x-request-id"] != full.headers["x-request-id"]

    head = client.head(URL)
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", lean.headers["etag"])
    assert head.headers["content-length"] == lean.headers["content-length"]
    # No conditional GET on this URL, on either route: its ETag is the edit validator (If-Match), the same
    # for every reader and unchanged when the day changes a warning, so it cannot vouch for a cached body.
    again = client.get(URL, headers={"If-None-Match": lean.headers["etag"]})
    assert again.status_code == 200 and again.content == lean.content


def test_a_missing_project_is_the_same_404(world: EditWorld) -> None:
    lean = world.client.get("/api/projects/no-such-project")
    full = world.client.get("/api/projects/no-such-project?unused=1")
    assert lean.status_code == full.status_code == 404
    assert lean.json() == full.json() and "no-such-project" in lean.text
    assert lean.headers["content-security-policy"] == API_POLICY and lean.headers["x-request-id"]


def test_the_request_is_counted_under_the_route_template(world: EditWorld) -> None:
    metrics = world.client.app.state.metrics  # type: ignore[attr-defined]
    labels = {"method": "GET", "route": "/api/projects/{slug}", "status": "200"}

    def count() -> float:
        return metrics.registry.get_sample_value("planmap_http_requests_total", labels) or 0.0

    before = count()
    world.client.get(URL)
    assert count() == before + 1


def test_a_sensitive_site_stays_generalised_on_the_lean_route(world: EditWorld) -> None:
    client = world.client
    planner = world.auth("planner")
    slug = "item-sensitive-clinic"
    create_sensitive_site(world, slug)

    def reveals(text: str) -> bool:
        return str(PRECISE[0]) in text or str(PRECISE[1]) in text

    public = client.get(f"/api/projects/{slug}")
    assert public.status_code == 200 and not reveals(public.text)
    assert public.content == client.get(f"/api/projects/{slug}?unused=1").content
    stale_cookie = client.get(f"/api/projects/{slug}", headers={"Cookie": "planmap_session=stale"})
    assert stale_cookie.status_code == 200 and not reveals(stale_cookie.text)
    staff = client.get(f"/api/projects/{slug}", headers=planner)
    assert staff.status_code == 200 and reveals(staff.text)


def test_no_other_route_answers_a_get_the_lean_route_takes(world: EditWorld) -> None:
    """The lean route is matched first, so no other GET route may fit its pattern (a literal path such as
    `/api/projects/export` would be shadowed): only get_project's template does."""
    paths = world.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    fitting = [p for p, methods in paths.items() if "get" in methods and re.fullmatch(r"/api/projects/[^/]+", p)]
    assert fitting == ["/api/projects/{slug}"]


def test_the_cached_public_statement_is_the_public_filters_statement() -> None:
    for stale_days in (180, 30):
        assert public_feature_sql(stale_days, SLUG) == feature_sql(ProjectFilter(stale_days=stale_days), SLUG)


def test_an_unreachable_database_is_the_same_503() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:9/planmap?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=url, db_pool_warm=0))) as offline:
        lean, full = offline.get(URL), offline.get(FULL)
    assert lean.status_code == full.status_code == 503
    assert lean.json() == full.json() and lean.headers["retry-after"] == full.headers["retry-after"]
