"""`/metrics` is for staff and for Prometheus with its token, unless configured public (issue 15).

The route and status counts show an outsider which endpoints are used and how slow they are, so by
default only admins and planners (bearer token or session cookie) and the holder of
PLANMAP_METRICS_TOKEN read them; an official is refused, an anonymous caller is asked to log in.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app
from tests.support.editing import PASSWORD, EditWorld, open_world

SCRAPE_TOKEN = "prometheus-scrape-token-0123456789abcdef"


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_metrics", metrics_token=SCRAPE_TOKEN) as w:
        yield w


def _scrape(world: EditWorld, headers: dict[str, str] | None = None) -> tuple[int, str]:
    response = world.client.get("/metrics", headers=headers)
    return response.status_code, response.text


def test_anonymous_callers_are_refused_and_told_how_to_get_in(world: EditWorld) -> None:
    status, body = _scrape(world)
    assert status == 401
    assert "planmap_http_requests_total" not in body and "staff" in body
    assert _scrape(world, {"Authorization": "Bearer guessed-token-guessed-token-guessed"})[0] == 401


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("planner", 200), ("official_xingzi", 403)])
def test_admins_and_planners_read_the_metrics_officials_do_not(world: EditWorld, user: str, status: int) -> None:
    got, body = _scrape(world, world.auth(user))
    assert got == status
    assert ("planmap_http_requests_total" in body) is (status == 200)


def test_prometheus_scrapes_with_the_metrics_token(world: EditWorld) -> None:
    status, body = _scrape(world, {"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert status == 200 and "planmap_db_pool_size" in body


def test_a_planners_browser_session_reads_the_metrics(world: EditWorld) -> None:
    browser = TestClient(world.client.app, follow_redirects=False)
    assert browser.post("/login", data={"username": "planner", "password": PASSWORD}).status_code == 303
    assert browser.get("/metrics").status_code == 200


def test_metrics_can_be_made_public(world: EditWorld) -> None:
    settings = Settings(database_url=world.url, db_pool_warm=0, metrics_public=True)
    with TestClient(create_app(settings)) as client:
        response = client.get("/metrics")
    assert response.status_code == 200 and "planmap_http_requests_total" in response.text
