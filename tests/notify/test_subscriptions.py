"""Public subscriptions end to end: the API, the mail (a real SMTP server), the pages behind its links.

What a subscriber notices: nothing arrives but the confirmation until they confirm; the digest
comes once a day and lists each changed project once; the unsubscribe link (and the one-click
header) work and their address is gone; a radius means true distance on the ground; and a
sensitive site appears only where its public page places it.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from app.core import clock
from app.core.settings import Settings
from app.notify import worker
from app.notify.subscriptions import queue_digests
from tests.support.editing import EditWorld, etag_of, new_feature
from tests.support.notify import Mailbox

P = (112.45, 24.90)  # a point in Lianzhou about 10 km from Xingzi's town seat
XINGZI_SEAT = (112.55, 25.0)
DAY = date(2026, 11, 30)


@pytest.fixture
def mail(world: EditWorld, smtp: Mailbox) -> Iterator["Postman"]:
    yield Postman(world, smtp)


class Postman:
    """Runs the worker against the test's SMTP server and hands over what arrived."""

    def __init__(self, world: EditWorld, smtp: Mailbox) -> None:
        self.world, self.smtp = world, smtp
        self.settings = Settings(database_url=world.url, smtp_host=smtp.host, smtp_port=smtp.port)

    def deliver(self) -> list[EmailMessage]:
        before = len(self.smtp.messages)
        while worker.deliver_next(self.world.engine, self.settings):
            pass
        return [m for _, m in self.smtp.messages[before:]]

    def digest(self) -> int:
        with self.world.engine.begin() as conn:
            return queue_digests(conn, day=DAY, until=clock.now(), public_url="http://planmap.example")


def subscribe(world: EditWorld, **scope: object) -> None:
    body = {"email": scope.pop("email", "reader@example.org"), **scope}
    response = world.client.post("/api/subscriptions", json=body)
    assert response.status_code == 202, response.text


def token_in(mail: EmailMessage) -> str:
    found = re.search(r"/subscriptions/confirm\?token=([A-Za-z0-9_-]+)", mail.get_content())
    assert found, mail.get_content()
    return found.group(1)


def confirmed(world: EditWorld, mail: Postman, address: str, **scope: object) -> EmailMessage:
    subscribe(world, email=address, **scope)
    (confirmation,) = mail.deliver()
    response = world.client.post(f"/subscriptions/confirm?token={token_in(confirmation)}")
    assert response.status_code == 200
    return confirmation


_tokens: dict[str, dict[str, str]] = {}


def planner(world: EditWorld) -> dict[str, str]:
    """The planner's bearer header, fetched once per database (a login costs a password hash)."""
    if world.url not in _tokens:
        _tokens[world.url] = world.auth("planner")
    return _tokens[world.url]


def edit(world: EditWorld, slug: str, note: str) -> None:
    response = world.client.patch(
        f"/api/projects/{slug}",
        json={"properties": {"location_note": note}},
        headers={**planner(world), "If-Match": etag_of(world.client, slug)},
    )
    assert response.status_code == 200, response.text


def create(world: EditWorld, slug: str, lon: float, lat: float) -> None:
    feature = new_feature(slug, [lon, lat], towns=["xingzi"], name_zh=f"测试项目{slug[-1]}", name_en=f"Test {slug}")
    response = world.client.post("/api/projects", json=feature, headers=planner(world))
    assert response.status_code == 201, response.text


def first_xingzi_project(world: EditWorld) -> str:
    with world.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    """SELECT p.slug FROM projects p JOIN project_towns pt ON pt.project_id = p.id
                       JOIN towns t ON t.id = pt.town_id WHERE t.slug = 'xingzi' AND NOT p.sensitive
                       AND p.deleted_at IS NULL ORDER BY p.slug LIMIT 1"""
                )
            ).scalar_one()
        )


def test_nothing_but_the_confirmation_until_confirmed_then_unsubscribe_deletes_the_address(
    world: EditWorld, mail: Postman
) -> None:
    slug = first_xingzi_project(world)
    address = "wang.fang@example.org"
    subscribe(world, email=address, project=slug)
    (confirmation,) = mail.deliver()
    assert confirmation["To"] == address and confirmation["Subject"].startswith("请确认订阅")
    token = token_in(confirmation)
    edit(world, slug, "unconfirmed readers hear nothing of this")
    mail.digest()
    assert mail.deliver() == []  # not confirmed: no digest
    # Opening the link changes nothing (scanners open links); the page's button confirms.
    page = world.client.get(f"/subscriptions/confirm?token={token}")
    assert page.status_code == 200 and 'id="pm-subscription-button"' in page.text
    with world.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM notify_subscriptions WHERE confirmed_at IS NOT NULL")).scalar() == 0
        )
    assert world.client.post(f"/subscriptions/confirm?token={token}").status_code == 200
    edit(world, slug, "confirmed readers hear of this")
    assert mail.digest() >= 1
    (digest,) = mail.deliver()
    assert digest["To"] == address
    assert f"http://planmap.example/projects/{slug}" in digest.get_content()
    unsubscribe_url = digest["List-Unsubscribe"].strip("<>")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscriptions/unsubscribe?token=" in digest.get_content()
    # RFC 8058 one-click: the mail client POSTs to the header's URL
    parts = urlsplit(unsubscribe_url)
    done = world.client.post(f"{parts.path}?{parts.query}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="pm-subscription-result"' in done.text
    with world.engine.connect() as conn:
        # the address is gone from every table, and was never in the audit log
        assert (
            conn.execute(text("SELECT count(*) FROM notify_destinations WHERE target = :a"), {"a": address}).scalar()
            == 0
        )
        assert (
            conn.execute(text("SELECT count(*) FROM audit_log WHERE changes::text LIKE '%example.org%'")).scalar() == 0
        )
        actions = (
            conn.execute(text("SELECT action FROM audit_log WHERE object_type = 'subscription' ORDER BY id"))
            .scalars()
            .all()
        )
    assert actions[:3] == ["subscribe", "confirm", "unsubscribe"]
    assert world.client.post(f"{parts.path}?{parts.query}").status_code == 404  # already gone
    edit(world, slug, "after unsubscribing")
    mail.digest()
    assert mail.deliver() == []


def test_digest_lists_each_changed_project_once_and_comes_once_a_day(world: EditWorld, mail: Postman) -> None:
    confirmed(world, mail, "town.reader@example.org", town="xingzi", lang="en")
    with world.engine.connect() as conn:
        slugs = (
            conn.execute(
                text(
                    """SELECT p.slug FROM projects p JOIN project_towns pt ON pt.project_id = p.id
                   JOIN towns t ON t.id = pt.town_id WHERE t.slug = 'xingzi' AND NOT p.sensitive
                   AND p.deleted_at IS NULL ORDER BY p.slug LIMIT 2"""
                )
            )
            .scalars()
            .all()
        )
    for n in range(3):
        edit(world, slugs[0], f"first project, edit {n}")
    edit(world, slugs[1], "second project, one edit")
    mail.digest()
    mails = [m for m in mail.deliver() if m["To"] == "town.reader@example.org"]
    assert len(mails) == 1  # one digest, not four messages
    body = mails[0].get_content()
    assert mails[0]["Subject"].startswith("Lianzhou plan projects, 2026-11-30: 2 project(s) changed")
    assert body.count(f"/projects/{slugs[0]}?lang=en") == 1 and "3 update(s)" in body
    assert body.count(f"/projects/{slugs[1]}?lang=en") == 1 and "1 update(s)" in body
    # a second run the same day queues nothing more
    edit(world, slugs[1], "later the same day")
    mail.digest()
    assert [m for m in mail.deliver() if m["To"] == "town.reader@example.org"] == []


def test_radius_is_true_distance_and_sensitive_sites_only_at_their_public_place(
    world: EditWorld, mail: Postman
) -> None:
    # At 24.9°N a degree of longitude is ~101 km and a degree of latitude ~110.8 km: `east` is the
    # farther one in degrees but the nearer on the ground, so only true distance gets both right.
    create(world, "radius-east", P[0] + 0.0195, P[1])  # ≈ 1.97 km east of P
    create(world, "radius-north", P[0], P[1] + 0.0185)  # ≈ 2.05 km north of P
    create(world, "radius-secret", P[0] + 0.001, P[1])  # ≈ 100 m from P, but sensitive
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET sensitive = true WHERE slug = 'radius-secret'"))
        metres = dict(
            conn.execute(
                text(
                    """SELECT slug, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)
                       FROM projects WHERE slug LIKE 'radius-%'"""
                ),
                {"x": P[0], "y": P[1]},
            )
            .tuples()
            .all()
        )
    assert metres["radius-east"] < 2000 < metres["radius-north"]
    confirmed(world, mail, "near.p@example.org", near={"lon": P[0], "lat": P[1], "radius_km": 2})
    confirmed(
        world, mail, "near.seat@example.org", near={"lon": XINGZI_SEAT[0], "lat": XINGZI_SEAT[1], "radius_km": 0.5}
    )
    for slug in ("radius-east", "radius-north", "radius-secret"):
        edit(world, slug, f"changed at {datetime.now():%H:%M:%S}")
    mail.digest()
    by_reader = {m["To"]: m.get_content() for m in mail.deliver()}
    near_p = by_reader["near.p@example.org"]
    assert "/projects/radius-east" in near_p and "/projects/radius-north" not in near_p
    # the sensitive site, 100 m from P, is not betrayed by an alert about P …
    assert "radius-secret" not in near_p
    # … and is told only where its public page puts it, at Xingzi's seat, with its public name
    near_seat = by_reader["near.seat@example.org"]
    assert "/projects/radius-secret" in near_seat and "测试项目t" in near_seat


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "not-an-address", "town": "xingzi"}, 422),
        ({"email": "a@example.org"}, 422),
        ({"email": "a@example.org", "town": "xingzi", "project": "x"}, 422),
        ({"email": "a@example.org", "near": {"lon": 113.5, "lat": 23.1, "radius_km": 1}}, 422),
        ({"email": "a@example.org", "near": {"lon": 112.45, "lat": 24.9, "radius_km": 50}}, 422),
        ({"email": "a@example.org", "town": "atlantis"}, 404),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(world: EditWorld, body: dict[str, object], status: int) -> None:
    with world.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM notify_subscriptions")).scalar()
    response = world.client.post("/api/subscriptions", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notify_subscriptions")).scalar() == before


def test_confirmation_mails_to_one_address_are_rate_limited(world: EditWorld) -> None:
    answers = [
        world.client.post("/api/subscriptions", json={"email": "victim@example.org", "town": "xijiang"}).status_code
        for _ in range(4)
    ]
    assert answers == [202, 202, 202, 429]
