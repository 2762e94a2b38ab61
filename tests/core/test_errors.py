"""The one error table: each domain error's status, headers and body, under /api and under /ogc.

A small FastAPI app with the real handlers installed raises each error; the client sees what a
user of the API would see. The full app's uses of the table are covered where the errors arise
(tests/editing, tests/feedback, tests/ogc).
"""

import inspect
from collections.abc import Callable

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, text

from app.core import error_responses, errors
from app.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    RateLimited,
    StaleVersion,
    Unavailable,
    VersionRequired,
)

HISTORY = [{"at": "2026-11-30T08:00:00+08:00", "actor": "planner", "action": "update", "version": 3}]
RAISED: dict[str, Callable[[], DomainError]] = {
    "not-found": lambda: NotFound("no project 'x'"),
    "forbidden": lambda: Forbidden("this project lies in xingzi; you edit only xian"),
    "conflict": lambda: Conflict("proposal 3 is already approved"),
    "rate-limited": lambda: RateLimited("at most 5 messages per hour", 120),
    "version-required": lambda: VersionRequired('send If-Match (If-Match: "v3")', current_etag='"v3"'),
    "stale": lambda: StaleVersion(
        "project 'x' changed since you read it", current_etag='"v3"', current_version=3, changes_since=HISTORY
    ),
    "stale-bare": lambda: StaleVersion("project 'x' changed during your edit; reload it"),
    "invalid": lambda: Invalid(("body", "reason"), "a reason is needed", Problem(("body", "date"), "in the future")),
    "unavailable": lambda: Unavailable("the database is unavailable; try again shortly", 5),
}

# kind: (status under /api, the /api body's detail, status under /ogc, OGC code, extra headers)
EXPECTED: dict[str, tuple[int, object, int, str, dict[str, str]]] = {
    "not-found": (404, "no project 'x'", 404, "NotFound", {}),
    "forbidden": (403, "this project lies in xingzi; you edit only xian", 403, "Forbidden", {}),
    "conflict": (409, "proposal 3 is already approved", 409, "Conflict", {}),
    "rate-limited": (429, "at most 5 messages per hour", 429, "TooManyRequests", {"retry-after": "120"}),
    "version-required": (428, 'send If-Match (If-Match: "v3")', 428, "PreconditionRequired", {}),
    "stale": (
        412,
        {"message": "project 'x' changed since you read it", "current_version": 3, "changes_since": HISTORY},
        412,
        "PreconditionFailed",
        {"etag": '"v3"'},
    ),
    "stale-bare": (412, "project 'x' changed during your edit; reload it", 412, "PreconditionFailed", {}),
    "invalid": (
        422,
        [
            {"loc": ["body", "reason"], "msg": "a reason is needed", "type": "value_error"},
            {"loc": ["body", "date"], "msg": "in the future", "type": "value_error"},
        ],
        400,
        "InvalidParameterValue",
        {},
    ),
    "unavailable": (
        503,
        "the database is unavailable; try again shortly",
        503,
        "ServiceUnavailable",
        {"retry-after": "5", "cache-control": "no-store"},
    ),
}


class Body(BaseModel):
    note: str
    amount: int


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    error_responses.install(app)

    @app.get("/api/raise/{kind}")
    @app.get("/ogc/raise/{kind}")
    async def raise_it(kind: str) -> None:
        raise RAISED[kind]()

    @app.post("/api/body")
    async def take_body(body: Body) -> dict[str, str]:
        return {"ok": body.note}

    return TestClient(app)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_error_has_one_answer_under_api_and_ogc(client: TestClient, kind: str) -> None:
    status, detail, ogc_status, ogc_code, headers = EXPECTED[kind]
    api = client.get(f"/api/raise/{kind}")
    assert api.status_code == status
    assert api.json() == {"detail": detail}
    ogc = client.get(f"/ogc/raise/{kind}")
    assert ogc.status_code == ogc_status
    assert ogc.json() == {"code": ogc_code, "description": RAISED[kind]().message}
    for answer in (api, ogc):
        assert answer.headers["content-type"] == "application/json"
        assert {k: answer.headers.get(k) for k in headers} == headers


def test_every_domain_error_has_a_row_in_the_table() -> None:
    kinds = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, DomainError)]
    assert set(kinds) - {DomainError} == set(error_responses.TABLE)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_non_finite_number_is_a_422_naming_the_field_in_valid_json(client: TestClient, literal: str) -> None:
    body = f'{{"note": {literal}, "amount": 1}}'
    response = client.post("/api/body", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    detail = orjson.loads(response.content)["detail"]  # orjson refuses NaN: the answer is strict JSON
    assert detail[0]["loc"] == ["body", "note"]
    assert "only finite numbers are accepted" in detail[0]["msg"]


def test_an_unreadable_body_is_a_422_like_any_bad_body(client: TestClient) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/api/body", content=nested, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body"], "msg": error_responses.UNREADABLE_BODY, "type": "json_invalid"}
    ]


@pytest.mark.parametrize(
    ("value", "status", "words"),
    [
        ("-1", 422, "the rule h3_probe_x_check of h3_probe"),
        ("NULL", 422, "x is required"),
        ("1", 409, "duplicate an existing h3_probe (h3_probe_x_key)"),
        ("1e400", 422, "a value cannot be stored"),
    ],
    ids=["check", "not-null", "unique", "out-of-range"],
)
def test_a_database_refusal_of_input_is_named_never_a_500(engine: Engine, value: str, status: int, words: str) -> None:
    """PostgreSQL's own refusals (constraints, values out of range) reach the client as 422/409, not 500."""
    app = FastAPI()
    error_responses.install(app)

    @app.post("/api/probe")
    def probe() -> None:
        with engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE h3_probe (x numeric(6) NOT NULL UNIQUE CHECK (x > 0))"))
            conn.execute(text("INSERT INTO h3_probe VALUES (1)"))
            conn.execute(text(f"INSERT INTO h3_probe VALUES ({value})"))

    response = TestClient(app, raise_server_exceptions=False).post("/api/probe")
    assert response.status_code == status, response.text
    assert words in response.text
    assert "INSERT" not in response.text  # the statement is never echoed
