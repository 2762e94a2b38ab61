"""The project page shows the edit and report controls exactly when the API would allow them, department
officials included; the review and year pages answer each kind of visitor as they should."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.cycle import EXIT_XINGZI, ROAD_LONGPING, CycleWorld, cycle
from tests.support.editing import PASSWORD

__all__ = ["cycle"]  # the module-scoped fixture

USERS = ("admin", "planner", "official_xingzi", "official_lianzhou", "official_jiaotong", None)
# EXIT_XINGZI lies in Xingzi with no department; ROAD_LONGPING lies in Longping, led by the transport department.
MAY_ACT = {
    EXIT_XINGZI: {"admin", "planner", "official_xingzi"},
    ROAD_LONGPING: {"admin", "planner", "official_jiaotong"},
}
CASES = [(slug, user) for slug in MAY_ACT for user in USERS]


def _session(cycle: CycleWorld, username: str | None) -> TestClient:
    """A browser of its own (cookie jar), logged in through the login form when a user is named."""
    client = TestClient(cycle.client.app, follow_redirects=False)
    if username is not None:
        answer = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
        assert answer.status_code == 303, answer.text
    return client


def _api_allows_report(cycle: CycleWorld, user: str | None, slug: str) -> bool:
    """The API's own verdict, asked without storing anything: a month that has not begun is refused (422)
    only after the permission check has passed (403 otherwise)."""
    response = cycle.report(user, slug, "2099-01", "1")
    assert response.status_code in (401, 403, 422), response.text
    return response.status_code == 422


@pytest.mark.parametrize(("slug", "user"), CASES, ids=[f"{s[:14]}-{u or 'anonymous'}" for s, u in CASES])
def test_the_project_page_shows_the_controls_exactly_when_the_api_allows(
    cycle: CycleWorld, slug: str, user: str | None
) -> None:
    html = _session(cycle, user).get(f"/projects/{slug}").text
    shown = {"editor": 'id="pm-editor"' in html, "report": 'id="pm-report-link"' in html}
    allowed = user in MAY_ACT[slug]
    assert shown == {"editor": allowed, "report": allowed}
    assert _api_allows_report(cycle, user, slug) == allowed


def test_the_review_page_is_for_planners(cycle: CycleWorld) -> None:
    anonymous = _session(cycle, None).get("/progress/review")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=/progress/review")
    official = _session(cycle, "official_zhujian").get("/progress/review")
    assert official.status_code == 403 and 'id="pm-review-forbidden"' in official.text
    assert 'id="pm-review-none"' in _session(cycle, "planner").get("/progress/review").text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_year_page_names_its_year_and_its_four_groupings(cycle: CycleWorld, lang: str) -> None:
    page: Any = _session(cycle, None).get("/dashboard/year", params={"year": 2025, "lang": lang})
    assert page.status_code == 200
    title = "The 2025 annual programme so far" if lang == "en" else "2025 年度计划执行情况"
    assert title in page.text
    for by in ("town", "unit", "category", "class"):
        assert f'id="pm-year-{by}"' in page.text
    assert 'id="pm-year-none"' in _session(cycle, None).get("/dashboard/year", params={"year": 2031}).text
    assert _session(cycle, None).get("/dashboard/year", params={"year": "soon"}).status_code == 422
