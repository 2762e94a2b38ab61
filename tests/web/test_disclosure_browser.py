"""The public disclosure page in Chromium: dated, by town and chapter, with the county map; a reader
rates a completed project with no account, the rating waits for moderation, the limit holds, and once a
planner approves it the page shows the result (the comment as text, never as markup)."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core import clock
from tests.reports.conftest import COMPLETED, HISTORY
from tests.support.browser import api, bearer, browser, log_in, needs_chromium, page, serve_world, shot
from tests.support.editing import EditWorld, open_world

# The page has no script of its own (the form is plain HTML), so tests wait for its load, not `data-pm-ready`.

__all__ = ["api", "browser", "page"]  # fixtures, used by name

pytestmark = needs_chromium
PER_HOUR = 2


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_browser_disclosure", feedback_per_hour=PER_HOUR) as w:
        with w.engine.begin() as conn:
            for statement in HISTORY:
                conn.execute(
                    text(statement.replace("UPDATE projects SET ", "UPDATE projects SET version = version + 1, "))
                )
        yield w


@pytest.fixture(scope="module")
def base_url(world: EditWorld) -> Iterator[str]:
    with serve_world(world) as url:
        yield url


def rate(page: Any, slug: str, stars: int, comment: str) -> str:
    section = page.locator(f"#pm-rated-{slug}")
    section.locator(f"input[name=rating][value='{stars}']").check()
    section.locator("textarea[name=comment]").fill(comment)
    section.locator("button[type=submit]").click()
    page.wait_for_selector("#pm-rating-message")
    return str(page.locator("#pm-rating-message").inner_text())


def test_the_disclosure_page_and_public_evaluation(
    page: Any, base_url: str, api: httpx.Client, world: EditWorld
) -> None:
    page.goto(f"{base_url}/disclosure")
    assert page.locator("h1").inner_text() == "规划实施情况公开"
    assert clock.today().isoformat() in page.locator("#pm-disclosure-dated").inner_text()
    stats = api.get("/api/stats", params={"plan": "lianzhou-14th", "as_of": clock.today().isoformat()}).json()
    assert f"列出 {stats['total']} 个项目" in page.locator("#pm-disclosure-summary").inner_text()
    assert page.locator("#pm-disclosure-towns tbody tr").count() == len(stats["by_town"])
    assert page.locator("#pm-disclosure-chapters tbody tr").count() == len(stats["by_chapter"])
    page.wait_for_function("document.getElementById('pm-disclosure-map').naturalWidth > 0", timeout=60_000)
    shot(page, "disclosure")

    section = page.locator(f"#pm-rated-{COMPLETED}")
    assert "尚无公开的评价" in section.inner_text()
    assert "谢谢" in rate(page, COMPLETED, 4, "<b>路面平整</b>，很好")
    assert "尚无公开的评价" in page.locator(f"#pm-rated-{COMPLETED}").inner_text(), "pending is not published"
    assert "谢谢" in rate(page, COMPLETED, 2, "")
    assert "太频繁" in rate(page, COMPLETED, 5, "again"), f"at most {PER_HOUR} per hour"

    planner = bearer(api, "planner")
    queue = api.get("/api/feedback", headers=planner).json()
    items = queue["items"] if isinstance(queue, dict) else queue
    ids = sorted(item["id"] for item in items)
    assert len(ids) == PER_HOUR, "the refused rating was not stored"
    assert api.post(f"/api/feedback/{ids[0]}/approve", json={}, headers=planner).status_code == 200
    assert api.post(f"/api/feedback/{ids[1]}/reject", json={"reason": "测试"}, headers=planner).status_code == 200

    page.goto(f"{base_url}/disclosure")
    section = page.locator(f"#pm-rated-{COMPLETED}")
    assert "平均 4.0 分（1 人评价）" in section.inner_text()
    assert "<b>路面平整</b>，很好" in section.locator(".pm-rating-comments").inner_text()
    assert section.locator(".pm-rating-comments b").count() == 0, "the comment is text, never markup"

    page.goto(f"{base_url}/disclosure?lang=en")
    assert page.locator("h1").inner_text() == "How the plan is going"
    assert "Average 4.0 (1 ratings)" in page.locator(f"#pm-rated-{COMPLETED}").inner_text()


def test_the_rating_api_refuses_clearly(api: httpx.Client) -> None:
    assert api.post("/api/projects/baoan-town-centre-upgrade/rating", json={"rating": 3}).status_code == 409
    assert api.post(f"/api/projects/{COMPLETED}/rating", json={"rating": 6}).status_code == 422
    assert api.post(f"/api/projects/{COMPLETED}/rating", json={"rating": "4"}).status_code == 422
    assert api.post("/api/projects/no-such-project/rating", json={"rating": 3}).status_code == 404


def test_a_planner_downloads_the_reports_from_the_dashboard(page: Any, base_url: str, tmp_path: Any) -> None:
    page.goto(f"{base_url}/dashboard")
    assert page.locator("#pm-report-downloads").count() == 0, "the public sees no report downloads"
    log_in(page, base_url, "planner", "/dashboard")
    page.wait_for_selector("#pm-report-downloads")
    page.select_option("#pm-evaluation-form select[name=kind]", "final")
    with page.expect_download() as download:
        page.click("#pm-evaluation-form button[formaction$='evaluation.pdf']")
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "planmap-lianzhou-14th-final-20251231.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    # (A download ends the navigation that started it: Chromium reports an aborted request, which the
    # browser fixture never counts as a page's failure.)
