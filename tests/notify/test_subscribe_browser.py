"""A reader follows a project from its page by email, in Chromium: the page says to check the mailbox,
and the confirmation mail arrives (a real SMTP server in the test process)."""

from collections.abc import Iterator
from typing import Any

import pytest

from app.core.settings import Settings
from app.notify import worker
from tests.support.browser import browser, needs_chromium, page, serve_world
from tests.support.editing import EditWorld, open_world
from tests.support.notify import Mailbox

__all__ = ["browser", "page"]  # fixtures, used by name

pytestmark = needs_chromium
SLUG = "tanling-pumped-storage"


@pytest.fixture(scope="module")
def reader_world() -> Iterator[EditWorld]:
    with open_world("planmap_browser_subscribe") as world:
        yield world


@pytest.fixture(scope="module")
def base_url(reader_world: EditWorld) -> Iterator[str]:
    with serve_world(reader_world) as url:
        yield url


def test_a_reader_follows_a_project_from_its_page(
    page: Any, base_url: str, reader_world: EditWorld, smtp: Mailbox
) -> None:
    page.goto(f"{base_url}/projects/{SLUG}")
    page.fill("#pm-subscribe-email", "reader@example.org")
    page.click("#pm-subscribe-submit")
    page.wait_for_selector("#pm-subscribe[data-sent='yes']")
    assert "确认邮件已发出" in page.locator("#pm-subscribe-result").inner_text()
    page.wait_for_load_state("networkidle")
    settings = Settings(database_url=reader_world.url, smtp_host=smtp.host, smtp_port=smtp.port)
    while worker.deliver_next(reader_world.engine, settings):
        pass
    ((to, mail),) = smtp.messages
    assert to == ["reader@example.org"] and SLUG in mail["Subject"]
    assert "/subscriptions/confirm?token=" in mail.get_content()
