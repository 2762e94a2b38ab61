"""Plan monitoring on the pages, without a browser: how `as_of` is read, kept in links and refused, the
chapter order, and what the server-rendered HTML says. The browser tests (test_monitoring_browser.py)
check what the maps draw."""

from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.web.i18n import Translator
from app.web.monitoring import chapter_number, page_query, parse_as_of, with_as_of

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("raw", "day", "problem"),
    [
        (None, None, None),
        ("", None, None),
        ("2023-12-31", date(2023, 12, 31), None),
        (" 2023-12-31 ", date(2023, 12, 31), None),
        ("2026-11-27", TODAY, None),  # today is allowed, as the API allows it
        ("2026-11-28", None, "future"),
        ("2023-02-30", None, "invalid"),
        ("0", None, "invalid"),  # the API's lax parsing once read this as 1970
        ("31/12/2023", None, "invalid"),
        ("2023-12-31T00:00", None, "invalid"),
    ],
)
def test_as_of_is_read_as_the_api_reads_it(raw: str | None, day: date | None, problem: str | None) -> None:
    as_of = parse_as_of(raw, today=TODAY)
    assert (as_of.day, as_of.problem) == (day, problem)
    if problem:
        assert as_of.rejected == raw.strip() and as_of.note(Translator("en"))


def test_links_keep_the_day_only_between_the_dated_pages() -> None:
    as_of = parse_as_of("2023-12-31", today=TODAY)
    assert with_as_of("/", as_of) == "/?as_of=2023-12-31"
    assert with_as_of("/towns/xingzi", as_of) == "/towns/xingzi?as_of=2023-12-31"
    assert with_as_of("/projects/x?lang=en", as_of) == "/projects/x?lang=en&as_of=2023-12-31"
    for path in ("/near", "/moderation", "/feeds/plan.atom", "/towns/xingzi/wallmap.pdf", "/login?next=/"):
        assert with_as_of(path, as_of) == path
    assert with_as_of("/towns/xingzi", parse_as_of(None, today=TODAY)) == "/towns/xingzi"
    assert page_query("en", as_of) == "?as_of=2023-12-31&lang=en"
    assert page_query("zh", parse_as_of("nonsense", today=TODAY)) == ""


def test_chapters_sort_as_the_plan_numbers_them() -> None:
    chapters = ["第十二章", "第一章", "第十章", "第九章", "第二十一章", None]
    assert [chapter_number(c) for c in chapters] == [12, 1, 10, 9, 21, 999]


def test_a_refused_date_is_a_note_not_an_error(client: TestClient) -> None:
    for path in ("/", "/towns/xingzi", "/projects/tanling-pumped-storage", "/dashboard"):
        page = client.get(path, params={"as_of": "2999-01-01"})
        assert page.status_code == 200, path
        assert 'id="pm-as-of-note"' in page.text and 'data-problem="future"' in page.text
        assert 'id="pm-as-of-banner"' not in page.text
        assert '"asOf": null' in page.text  # the map script sends no date the API would refuse


def test_a_past_day_is_announced_and_kept_in_links(client: TestClient) -> None:
    html = client.get("/", params={"as_of": "2023-12-31", "lang": "en"}).text
    assert "The programme as recorded at the end of 31 December 2023" in html
    assert 'href="/towns/xingzi?as_of=2023-12-31&amp;lang=en"' in html
    assert 'href="/near?lang=en"' in html  # the near-me page has no dated view
    assert 'href="/feeds/plan.atom?lang=en"' in html  # feeds describe the current record


def test_project_page_before_it_was_recorded(client: TestClient) -> None:
    page = client.get("/projects/tanling-pumped-storage", params={"as_of": "2020-01-01", "lang": "en"})
    assert page.status_code == 404
    assert "no record of this project on that day" in page.text


def test_injected_as_of_is_shown_as_text(client: TestClient) -> None:
    page = client.get("/", params={"as_of": "<script>alert(1)</script>"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
