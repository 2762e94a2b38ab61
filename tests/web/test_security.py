"""Web security a user (or an attacker) would notice: headers, CORS, login throttling, no user
enumeration, and a production server that refuses to start on development defaults."""

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT, Settings
from app.core.startup_checks import InsecureSettingsError, production_problems
from app.main import create_app
from tests.support.reliability import fresh_database

STRONG_URL = "postgresql+psycopg://planmap:x7Vq9-long-random-Password@db.internal:5432/planmap"


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with fresh_database("planmap_websec") as url:
        yield url


def make_client(url: str, client_addr: str = "testclient", **overrides: object) -> TestClient:
    settings = Settings(database_url=url, **overrides)
    return TestClient(create_app(settings), client=(client_addr, 50000))


@pytest.fixture(scope="module")
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/", {}),
        ("GET", "/projects/tanling-pumped-storage?lang=en", {}),
        ("GET", "/api/projects?limit=2", {}),
        ("GET", "/api/projects/no-such-project", {}),
        ("GET", "/api/projects?bbox=1,2", {}),
        ("GET", "/tiles/10/838/442.pbf", {}),
        ("GET", "/static/css/site.css", {}),
        ("GET", "/no/such/url", {}),
        ("GET", "/docs", {}),
        ("GET", "/metrics", {}),
        ("POST", "/api/projects", {"content": b"x" * (2 << 20)}),  # 413 from the body limit
        ("GET", "/api/projects?q=%00", {}),  # 422 from the NUL guard
    ],
)
def test_security_headers_on_every_response(client: TestClient, method: str, path: str, kwargs: dict) -> None:  # type: ignore[type-arg]
    response = client.request(method, path, **kwargs)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "geolocation=(self)" in response.headers["permissions-policy"]
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    if not response.headers["content-type"].startswith("text/html"):
        assert policy.startswith("default-src 'none'")  # JSON, tiles, CSS: nothing may load from them
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_page_scripts_carry_the_nonce_of_their_own_response(client: TestClient) -> None:
    nonces = []
    for _ in range(2):
        page = client.get("/towns/xingzi")
        policy = page.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
        assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]  # no inline script without the nonce
        assert "'unsafe-eval'" not in policy
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", page.text):
            if 'type="application/json"' in tag or " src=" in tag:
                continue  # data, never executed; or a file from our origin ('self')
            assert f'nonce="{nonce}"' in tag, tag
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # a nonce is never reused


def test_tile_server_of_the_settings_is_the_only_image_host(db_url: str) -> None:
    with make_client(db_url, tiles="none") as offline:
        assert "img-src 'self' data:;" in offline.get("/").headers["content-security-policy"]
    with make_client(db_url, tiles="osm") as osm:
        assert "img-src 'self' data: https://tile.openstreetmap.org;" in osm.get("/").headers["content-security-policy"]


def test_docs_page_works_with_its_own_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in response.text
    assert client.get("/openapi.json").status_code == 200


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = client.get("/api/towns", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/projects",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(db_url: str) -> None:
    with make_client(db_url, cors_origins=["https://partner.example"]) as cors:
        ok = cors.get("/api/towns", headers={"Origin": "https://partner.example"})
        assert ok.headers["access-control-allow-origin"] == "https://partner.example"
        assert "etag" in ok.headers["access-control-expose-headers"].lower()
        assert "access-control-allow-credentials" not in ok.headers  # the site cookie never goes cross-origin
        other = cors.get("/api/towns", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = cors.options(
            "/api/projects/x",
            headers={
                "Origin": "https://partner.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, if-match, content-type",
            },
        )
        assert preflight.status_code == 200
        assert "PATCH" in preflight.headers["access-control-allow-methods"]


def test_login_does_not_reveal_which_usernames_exist(client: TestClient) -> None:
    def attempt(username: str) -> tuple[float, int, str]:
        started = time.perf_counter()
        response = client.post("/api/auth/token", data={"username": username, "password": "not the password"})
        return time.perf_counter() - started, response.status_code, response.text

    # Alternated, so a burst of load on the machine (the suite runs in parallel) falls on both kinds alike.
    pairs = [(attempt("planner"), attempt(f"ghost{i}")) for i in range(5)]
    known, unknown = [k for k, _ in pairs], [u for _, u in pairs]
    assert (
        {(s, t) for _, s, t in known}
        == {(s, t) for _, s, t in unknown}
        == {(401, '{"detail":"wrong username or password"}')}
    )
    # Both verify an Argon2 hash (a dummy one for an unknown user): their fastest attempts (the cost of the
    # work itself, least touched by load) differ by noise only. Skipping the hash would make one ~100x faster.
    known_fastest = min(d for d, _, _ in known)
    unknown_fastest = min(d for d, _, _ in unknown)
    assert 0.6 < known_fastest / unknown_fastest < 1.6, (known_fastest, unknown_fastest)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (DEFAULT_DATABASE_URL, "DATABASE_URL is not set"),
        ("postgresql+psycopg://app:S3cure-enough-passw0rd@127.0.0.1:55432/planmap", "development cluster"),
        ("postgresql+psycopg://planmap:postgres@db.internal:5432/planmap", "well-known default"),
    ],
)
def test_production_refuses_development_defaults(url: str, expected: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=url, env="production")
    with pytest.raises(InsecureSettingsError, match=expected):
        create_app(settings)
    assert any(expected in r.getMessage() and r.levelname == "CRITICAL" for r in caplog.records)
    # development tolerates all of it
    assert production_problems(Settings(database_url=url, env="development")) == []


def test_production_starts_with_proper_settings() -> None:
    assert production_problems(Settings(database_url=STRONG_URL, env="production")) == []
    create_app(Settings(database_url=STRONG_URL, env="production"))


def test_production_server_exits_and_logs_why(tmp_path: Path) -> None:
    """Through the real server: uvicorn exits instead of serving, and the log line says why."""
    env = {"PLANMAP_ENV": "production", "DATABASE_URL": DEFAULT_DATABASE_URL, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", "0"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    refusals = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{") and "refusing" in line]
    assert refusals and refusals[0]["level"] == "CRITICAL"
    assert "DATABASE_URL is not set" in refusals[0]["message"]
