"""Every endpoint of the OpenAPI document, fuzzed by schemathesis: no 5xx, no response that breaks its schema.

Runs against an in-process app on a database of its own, authenticated as an admin, so the
write endpoints are exercised past the token check (most fuzzed bodies then end in 422, which is
the point). Examples per operation are bounded (PLANMAP_FUZZ_EXAMPLES, default 25) and the
cases are derandomised (the same every run, so a failure reproduces); raise the number for a
deeper, slower run.

The schema is loaded when the module is imported (schemathesis makes one test per operation
at collection time); the app it points at only reaches its database, created by the
module fixture below, when the first case runs.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
)
from sqlalchemy import text

from app.auth.tokens import issue_token
from app.core import dbadmin
from app.core.db import make_sync_engine
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import throwaway_url
from tests.support.reliability import prepare_database

# Every built-in check runs except this one, and why:
# - positive_data_acceptance expects any request that fits the schema to succeed (2xx). This API's rules
#   go beyond what a schema can say: a town slug must exist, If-Match must name the current version, a
#   geometry must lie in the county, a date may not be in the future. A 4xx for a schema-valid request is
#   the correct, documented answer there, so this check would only report false alarms.
EXCLUDED_CHECKS = [positive_data_acceptance]
# And for single operations, each with its reason:
# - PATCH/DELETE of an OGC feature without If-Match answer 428 Precondition Required (RFC 6585 §3), the status
#   made for it and documented on the operation; schemathesis accepts only 400/401/403/406/415/422 there;
# - the OGC items template `/ogc/collections/{collection_id}/items`: `projects` is one of its values and takes
#   POST (declared on its own path, `/ogc/collections/projects/items`); schemathesis expects 405 for a method
#   the template does not list, so the 415 (no body) of a real POST would be reported; for the same reason
#   the template's OPTIONS answers, for `projects`, an `Allow` that names the writes of the concrete paths;
# - the public's rating and feedback: a body over PLANMAP_FEEDBACK_MAX_BYTES is refused with 413 (Content Too
#   Large, RFC 9110 §15.5.14) while it is read, before its fields are; schemathesis counts only 400/401/403/404/
#   406/415/422 as a rejection of schema-violating data, so a too-long comment refused that way was reported.
PER_OPERATION: dict[tuple[str, str], list[object]] = {
    ("PATCH", "/ogc/collections/projects/items/{feature_id}"): [missing_required_header],
    ("DELETE", "/ogc/collections/projects/items/{feature_id}"): [missing_required_header],
    ("GET", "/ogc/collections/{collection_id}/items"): [unsupported_method],
    ("OPTIONS", "/ogc/collections/{collection_id}/items"): [allow_header_conformance],
    ("OPTIONS", "/ogc/collections/{collection_id}/items/{feature_id}"): [allow_header_conformance],
    ("POST", "/api/projects/{slug}/rating"): [negative_data_rejection],
    ("POST", "/api/projects/{slug}/feedback"): [negative_data_rejection],
}
MAX_EXAMPLES = int(os.environ.get("PLANMAP_FUZZ_EXAMPLES", "25"))
FUZZ_URL = throwaway_url("planmap_fuzz")
# Generous login limits: the fuzzer's failed logins must not lock the token endpoint mid-run.
APP = create_app(Settings(database_url=FUZZ_URL, login_failures_per_user=10**6, login_failures_per_client=10**6))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def fuzz_database() -> Iterator[None]:
    dbadmin.create_database(FUZZ_URL)
    try:
        prepare_database(FUZZ_URL)
        engine = make_sync_engine(FUZZ_URL)
        with engine.begin() as conn:
            admin = conn.execute(text("SELECT id FROM users WHERE username = 'admin'")).scalar_one()
            TOKEN["admin"] = issue_token(conn, admin, 600).token
        engine.dispose()
        yield
    finally:
        from schemathesis.python.asgi import shutdown_lifespans

        shutdown_lifespans()  # close the app's pool before its database is dropped
        dbadmin.drop_database(FUZZ_URL)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_endpoint_survives_fuzzing(case: schemathesis.Case) -> None:
    # Logging out would revoke the token the other cases use: that one case goes without it.
    headers = {} if case.path == "/api/auth/logout" else {"Authorization": f"Bearer {TOKEN['admin']}"}
    excluded = EXCLUDED_CHECKS + PER_OPERATION.get((case.operation.method.upper(), case.operation.path), [])
    case.call_and_validate(headers=headers, excluded_checks=excluded, timeout=_read_timeout(case.path))


def _read_timeout(path: str) -> float:
    """Seconds to wait for an answer: schemathesis' 10 s, but a minute for the documents a report renders (the
    evaluation DOCX starts its rendering process on first use: 3.4 s quiet, over 10 s under the suite's load)."""
    return 60.0 if path.startswith("/api/reports/") else 10.0
