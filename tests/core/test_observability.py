"""Structured logs with a request id on every line, tokens never logged, Prometheus metrics."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.editing import etag_of
from tests.support.reliability import PASSWORD, fresh_database, login, serve_app


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real server logging at DEBUG."""
    log_path = tmp_path_factory.mktemp("logs") / "server.log"
    with fresh_database("planmap_obs") as url, serve_app(url, log_path, PLANMAP_LOG_LEVEL="DEBUG") as base:
        yield base, log_path


def log_lines(log_path: Path, until_id: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    """The log's records; with `until_id`, first wait for that request's access line (written after the
    response has gone out, so it may land a moment after the client got its answer)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in log_path.read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line must be one JSON object
        if until_id is None or any(r.get("request_id") == until_id for r in records) or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def test_every_log_line_is_json_with_a_request_id(served: tuple[str, Path]) -> None:
    base, log_path = served
    with httpx.Client(base_url=base) as client:
        mine = client.get("/api/projects/tanling-pumped-storage", headers={"X-Request-ID": "support-ticket-4711"})
        assert mine.headers["x-request-id"] == "support-ticket-4711"  # a sane incoming id is kept
        forged = client.get("/api/towns", headers={"X-Request-ID": 'x" level=ERROR fake=' + "a" * 200})
        assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])  # an insane one is replaced
        fresh = client.get("/api/projects?town=no-such-town")
        assert fresh.status_code == 422
    records = log_lines(log_path, until_id=fresh.headers["x-request-id"])
    access = [r for r in records if r["logger"] == "planmap.access"]
    by_id = {r["request_id"]: r for r in access}
    line = by_id["support-ticket-4711"]
    assert line["method"] == "GET" and line["path"] == "/api/projects/tanling-pumped-storage"
    assert line["route"] == "/api/projects/{slug}" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert by_id[fresh.headers["x-request-id"]]["status"] == 422
    assert by_id[forged.headers["x-request-id"]]["path"] == "/api/towns"
    assert all("request_id" in r and r["message"] for r in records)  # startup lines have it too (null)
    assert not [r for r in records if r["logger"] == "uvicorn.access"]  # replaced by ours


def test_tokens_and_passwords_never_reach_the_log(served: tuple[str, Path]) -> None:
    base, log_path = served
    with httpx.Client(base_url=base) as client:
        token = login(client, "planner")
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/auth/me", headers=auth).status_code == 200
        slug = "tanling-pumped-storage"
        patch = client.patch(
            f"/api/projects/{slug}",
            json={"note": "log test", "properties": {"location_note": "Checked for the log test."}},
            headers={**auth, "If-Match": etag_of(client, slug)},
        )
        assert patch.status_code == 200, patch.text
        assert client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-real-token-x1"}).status_code == 401
        last = client.post("/api/auth/logout", headers=auth)
        assert last.status_code == 204
    log_lines(log_path, until_id=last.headers["x-request-id"])
    text = log_path.read_text()
    assert token not in text
    assert token[:16] not in text
    assert PASSWORD not in text
    assert "not-a-real-token-x1" not in text
    assert "Bearer" not in text
    # ... while the requests themselves were logged
    assert '"path":"/api/auth/token"' in text and '"path":"/api/projects/tanling-pumped-storage"' in text


def test_metrics_count_requests_by_route_template_and_status(served: tuple[str, Path]) -> None:
    base, _ = served
    with httpx.Client(base_url=base) as client:
        for slug in ("tanling-pumped-storage", "no-such-project", "another-missing-one"):
            client.get(f"/api/projects/{slug}")
        client.get("/some/scanner/probe.php")
        scrape = client.get("/metrics", headers={"Authorization": f"Bearer {login(client, 'planner')}"})
    assert scrape.headers["content-type"].startswith("text/plain")
    body = scrape.text

    samples = [s for family in text_string_to_metric_families(body) for s in family.samples]

    def sample(name: str, **labels: str) -> float:
        for found in samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
        raise AssertionError(f"{name}{labels} not in /metrics")

    route = "/api/projects/{slug}"
    assert sample("planmap_http_requests_total", method="GET", route=route, status="404") >= 2
    assert sample("planmap_http_requests_total", method="GET", route=route, status="200") >= 1
    assert sample("planmap_http_requests_total", method="GET", route="<unmatched>", status="404") >= 1
    assert "probe.php" not in body  # raw paths never become labels
    assert sample("planmap_http_request_duration_seconds_count", method="GET", route=route) >= 3
    assert sample("planmap_http_request_duration_seconds_bucket", method="GET", route=route, le="+Inf") >= 3
    assert re.search(r"^planmap_db_pool_size 20\.0$", body, re.M)
    assert re.search(r"^planmap_db_pool_checked_out \d+\.0$", body, re.M)
    assert re.search(r"^planmap_db_pool_overflow \d+\.0$", body, re.M)
