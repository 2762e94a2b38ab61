"""HEAD answers every GET route with the GET's status and headers and no body (uptime monitors,
link checkers), and a 405 lists HEAD wherever GET is allowed."""

import pytest
from fastapi.testclient import TestClient

# What a monitor or a link checker would ask for: pages, the API, OGC, feeds, tiles, exports, static files.
URLS = [
    "/healthz",
    "/",
    "/api",
    "/api/projects?limit=5",
    "/api/towns",
    "/ogc",
    "/ogc/collections",
    "/ogc/collections/projects/items?limit=3",
    "/feeds/plan.atom",
    "/api/export/projects.csv",
    "/ogc/collections/rivers",
]


@pytest.mark.parametrize("url", URLS)
def test_head_matches_get_without_a_body(client: TestClient, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers and "content-encoding" not in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]


def test_every_get_route_without_parameters_answers_head(client: TestClient) -> None:
    """Every GET operation of the API document without path parameters (those are covered by URLS)."""
    operations = client.get("/openapi.json").json()["paths"]
    paths = [p for p, ops in operations.items() if "get" in ops and "{" not in p and p != "/metrics"]
    assert len(paths) > 10
    for path in paths:
        status = client.get(path).status_code
        assert client.head(path).status_code == status, path


def test_a_405_lists_head_beside_get(client: TestClient) -> None:
    response = client.put("/ogc/collections")
    assert response.status_code == 405
    assert [m.strip() for m in response.headers["allow"].split(",")][:2] == ["GET", "HEAD"]
