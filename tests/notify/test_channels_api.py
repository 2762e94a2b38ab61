"""Staff choose their channels, planners give units robots, and the events staff must act on
(feedback awaiting moderation, a change awaiting review) reach them, in the same transaction."""

from typing import Any

from sqlalchemy import text

from app.core.settings import Settings
from app.editing.proposals import set_town_review
from app.notify import worker
from tests.support.editing import EditWorld, etag_of
from tests.support.notify import Mailbox

_tokens: dict[str, dict[str, str]] = {}


def auth(world: EditWorld, user: str) -> dict[str, str]:
    if (world.url, user) not in _tokens:
        _tokens[world.url, user] = world.auth(user)  # type: ignore[index]
    return _tokens[world.url, user]  # type: ignore[index]


def test_channels_and_robots_are_chosen_and_secrets_never_shown(world: EditWorld) -> None:
    planner, official = auth(world, "planner"), auth(world, "official_xingzi")
    added = world.client.post("/api/me/channels", json={"kind": "email", "target": "li.planner@example.org"},
                              headers=planner)  # fmt: skip
    assert added.status_code == 201
    again = world.client.post("/api/me/channels", json={"kind": "email", "target": "li.planner@example.org"},
                              headers=planner)  # fmt: skip
    assert again.status_code == 409
    assert [c["target"] for c in world.client.get("/api/me/channels", headers=planner).json()] == [
        "li.planner@example.org"
    ]
    # officials: their own email or an official robot address, but no webhooks to arbitrary places
    cases: list[tuple[dict[str, Any], int]] = [
        ({"kind": "webhook", "target": "http://10.0.0.5/admin", "secret": "s3cret-key"}, 403),
        ({"kind": "wecom", "target": "http://10.0.0.5/cgi-bin/webhook/send?key=1"}, 422),
        ({"kind": "wecom", "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}, 201),
        ({"kind": "email", "target": "not an address"}, 422),
    ]
    for body, status in cases:
        response = world.client.post("/api/me/channels", json=body, headers=official)
        assert response.status_code == status, (body, response.text)
    assert world.client.post("/api/units/xingzi/robots", json={"kind": "dingtalk", "target": "https://x/"},
                             headers=official).status_code == 403  # fmt: skip
    robot = world.client.post(
        "/api/units/xingzi/robots",
        json={"kind": "dingtalk", "target": "https://oapi.dingtalk.com/robot/send?access_token=t",
              "secret": "SECabcdef123456"},
        headers=planner,
    )  # fmt: skip
    assert robot.status_code == 201
    listed = world.client.get("/api/units/xingzi/robots", headers=official)
    assert listed.json()[0]["signed"] is True and "SECabcdef123456" not in listed.text
    with world.engine.connect() as conn:
        audited = conn.execute(text("SELECT changes::text FROM audit_log WHERE object_type = 'channel'")).scalars()
        assert not any("SEC" in c for c in audited)
    gone = world.client.delete(f"/api/units/xingzi/robots/{robot.json()['id']}", headers=planner)
    assert gone.status_code == 204 and world.client.get("/api/units/xingzi/robots", headers=planner).json() == []


def test_feedback_and_proposals_awaiting_reach_the_reviewers(world: EditWorld, smtp: Mailbox) -> None:
    planner = auth(world, "planner")
    world.client.post("/api/me/channels", json={"kind": "email", "target": "reviewer@example.org", "lang": "en"},
                      headers=planner)  # fmt: skip
    slug = "tanling-pumped-storage"
    sent = world.client.post(f"/api/projects/{slug}/feedback", json={"text": "工地晚上很吵 <script>x</script>"})
    assert sent.status_code == 201
    with world.engine.begin() as conn:
        set_town_review(conn, "xingzi", True, actor="test")
    try:
        towns = world.client.get(f"/api/projects/{slug}").json()["properties"]["towns"]
        assert "xingzi" in towns
        proposed = world.client.patch(
            f"/api/projects/{slug}",
            json={"properties": {"location_note": "official's proposal"}},
            headers={**auth(world, "official_xingzi"), "If-Match": etag_of(world.client, slug)},
        )
        assert proposed.status_code == 202, proposed.text
    finally:
        with world.engine.begin() as conn:
            set_town_review(conn, "xingzi", False, actor="test")
    settings = Settings(database_url=world.url, smtp_host=smtp.host, smtp_port=smtp.port,
                        public_url="https://planmap.lianzhou.example")  # fmt: skip
    while worker.deliver_next(world.engine, settings):
        pass
    mails = {m["Subject"].strip(): m.get_content() for to, m in smtp.messages if to == ["reviewer@example.org"]}
    feedback = next(body for subject, body in mails.items() if subject.startswith("New public feedback"))
    assert "https://planmap.lianzhou.example/moderation" in feedback
    assert "<script>" not in feedback and "吵" not in feedback  # unmoderated text is never forwarded
    assert any(subject.startswith("A change by") for subject in mails)


def test_undelivered_messages_are_listed_for_staff_without_addresses(world: EditWorld) -> None:
    planner = auth(world, "planner")
    created = world.client.post("/api/me/channels", json={"kind": "email", "target": "bounces@example.org"},
                                headers=planner)  # fmt: skip
    with world.engine.begin() as conn:
        conn.execute(
            text(
                """INSERT INTO notify_outbox (idempotency_key, event, destination_id, subject, body, state, attempts,
                                             last_error)
                   VALUES ('t:failed', 'ticket.opened', :d, 's', 'b', 'failed', 8, 'recipient refused: [550]')"""
            ),
            {"d": created.json()["id"]},
        )
    listed = world.client.get("/api/notifications/undelivered", headers=planner)
    assert listed.status_code == 200
    failed = next(m for m in listed.json() if m["event"] == "ticket.opened" and m["state"] == "failed")
    assert failed["owner"] == "planner" and failed["kind"] == "email" and "550" in failed["last_error"]
    assert "bounces@example.org" not in listed.text
    assert world.client.get("/api/notifications/undelivered", headers=auth(world, "official_xingzi")).status_code == 403
