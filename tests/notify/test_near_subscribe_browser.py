"""A reader on a phone follows the works within N km of a place from the near page, by email: the page
says what will be sent, the confirmation mail arrives (a real SMTP server in the test process), its
link confirms, and the unsubscribe link in the mail deletes the subscription and the address. The
address typed is never shown back."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from app.core.settings import Settings
from app.notify import worker
from tests.support.browser import browser, needs_chromium, phone, serve_world, shot
from tests.support.editing import EditWorld, open_world
from tests.support.notify import Mailbox

__all__ = ["browser", "phone"]  # fixtures, used by name

pytestmark = needs_chromium
EMAIL = "neighbour@example.org"


@pytest.fixture(scope="module")
def near_world() -> Iterator[EditWorld]:
    with open_world("planmap_browser_near_follow") as world:
        yield world


@pytest.fixture(scope="module")
def base_url(near_world: EditWorld) -> Iterator[str]:
    with serve_world(near_world) as url:
        yield url


def deliver(world: EditWorld, smtp: Mailbox) -> None:
    settings = Settings(database_url=world.url, smtp_host=smtp.host, smtp_port=smtp.port)
    while worker.deliver_next(world.engine, settings):
        pass


def subscriptions(world: EditWorld) -> list[dict[str, Any]]:
    with world.engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT s.scope, s.radius_m, s.confirmed_at IS NOT NULL AS confirmed,
                          ST_X(s.point) AS lon, ST_Y(s.point) AS lat,
                          (SELECT count(*) FROM notify_destinations d WHERE d.subscription_id = s.id) AS addresses
                     FROM notify_subscriptions s ORDER BY s.id"""
            )
        )
        return [dict(r) for r in rows.mappings()]


def follow_link(phone: Any, base_url: str, link: str) -> str:
    """Open a link from the mail on this server (the mail names the configured public URL) and press its button."""
    parts = urlsplit(link)
    phone.goto(f"{base_url}{parts.path}?{parts.query}")
    with phone.expect_navigation():
        phone.click("#pm-subscription-button")
    return str(phone.locator("#pm-subscription-result").inner_text())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_reader_follows_the_works_near_a_place_from_a_phone(
    phone: Any, base_url: str, near_world: EditWorld, smtp: Mailbox, lang: str
) -> None:
    with near_world.engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_subscriptions"))
    phone.goto(f"{base_url}/near?lang={lang}")
    form = phone.locator("#pm-near-follow")
    assert phone.locator("#pm-near-follow-submit").is_disabled()  # no place yet: nothing to follow
    what = phone.locator("#pm-near-follow-what").inner_text()
    assert ("每天最多一封" in what and "退订" in what) if lang == "zh" else ("one digest mail a day" in what)
    phone.select_option("#pm-near-town", "xingzi")  # the place: Xingzi's seat, as the page's search has it
    phone.wait_for_selector("#pm-near-subscribe[data-ready='yes']")
    place = phone.locator("#pm-near-follow-place").inner_text()
    assert ("星子镇政府驻地" in place) if lang == "zh" else ("the seat of Xingzi" in place)
    phone.select_option("#pm-near-follow-km", "2")
    phone.fill("#pm-near-follow-email", EMAIL)
    box = phone.locator("#pm-near-follow-email").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone
    phone.click("#pm-near-follow-submit")
    phone.wait_for_selector("#pm-near-follow[data-sent='yes']")
    sent = phone.locator("#pm-near-follow-result").inner_text()
    assert ("确认邮件已发出" in sent) if lang == "zh" else ("confirmation mail" in sent)
    # the address is never shown back: not in the answer, not left in the page
    assert phone.locator("#pm-near-follow-email").input_value() == ""
    assert EMAIL not in phone.content()
    form.scroll_into_view_if_needed()
    shot(phone, f"near-follow-sent-phone-{lang}")
    phone.set_viewport_size({"width": 1366, "height": 768})
    phone.locator("#pm-near-subscribe").scroll_into_view_if_needed()
    shot(phone, f"near-follow-sent-desktop-{lang}")

    (subscription,) = subscriptions(near_world)
    assert subscription["scope"] == "near" and subscription["radius_m"] == 2000 and not subscription["confirmed"]
    seat = phone.locator("#pm-near-town option[value='xingzi']")
    assert subscription["lon"] == pytest.approx(float(seat.get_attribute("data-lon") or "nan"), abs=1e-6)
    assert subscription["lat"] == pytest.approx(float(seat.get_attribute("data-lat") or "nan"), abs=1e-6)

    deliver(near_world, smtp)
    ((to, mail),) = smtp.messages
    smtp.messages.clear()
    assert to == [EMAIL] and "2 " in mail["Subject"]
    body = mail.get_content()
    confirm = re.search(r"https?://\S+/subscriptions/confirm\?token=[\w-]+", body)
    unsubscribe = re.search(r"https?://\S+/subscriptions/unsubscribe\?token=[\w-]+", body)
    assert confirm and unsubscribe and mail["List-Unsubscribe"] == f"<{unsubscribe.group(0)}>"

    done = follow_link(phone, base_url, confirm.group(0) + f"&lang={lang}")
    assert ("已确认" in done) if lang == "zh" else ("Confirmed" in done)
    assert subscriptions(near_world)[0]["confirmed"]

    done = follow_link(phone, base_url, unsubscribe.group(0) + f"&lang={lang}")
    assert ("已退订" in done) if lang == "zh" else ("Unsubscribed" in done)
    assert subscriptions(near_world) == []  # the subscription and its address are gone
    with near_world.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM notify_destinations WHERE target = :e"), {"e": EMAIL})
        assert left.scalar() == 0
