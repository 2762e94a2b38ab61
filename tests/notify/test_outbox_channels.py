"""The outbox and its channels against real receivers: an SMTP server and an HTTP sink in the test process.

What a recipient notices: the email arrives in their language with the page's link and a stable
Message-ID; the robots get their documented JSON; DingTalk's `sign` and planmap's webhook HMAC
verify; a failing channel is retried with doubling waits and then marked failed, not dropped.
"""

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.notify import worker
from app.notify.channels import message_id
from app.notify.outbox import Notice, enqueue
from app.notify.signing import dingtalk_sign, webhook_signature_valid
from tests.support.notify import Mailbox, Sink, add_destination

NOTICE = Notice(
    subject_zh="督办提醒:大路边镇污水处理厂",
    body_zh="请于 2026-12-10 前答复。",
    subject_en="Supervision reminder: Dalubian sewage plant",
    body_en="Please answer by 2026-12-10.",
    link="http://planmap.example/projects/x",
)


@pytest.fixture
def outbox(engine: Engine, first_seed: SeedResult) -> Iterator[Engine]:
    """An empty outbox (the worker takes any due message, so each test starts from none)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_outbox; DELETE FROM notify_destinations"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_outbox; DELETE FROM notify_destinations"))


def _settings(settings: Settings, **changes: object) -> Settings:
    return settings.with_changes(notify_timeout_seconds=5, **changes)


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT idempotency_key, state, attempts, last_error, next_attempt_at, now() AS now "
                    "FROM notify_outbox ORDER BY id"
                )
            ).mappings()
        ]


def test_a_message_exists_exactly_when_its_change_is_committed(outbox: Engine) -> None:
    with outbox.begin() as conn:
        dest = add_destination(conn, "email", "a@example.org")
    with pytest.raises(RuntimeError), outbox.begin() as conn:
        enqueue(conn, event="ticket.opened", key="ticket:1:opened", notice=NOTICE, destinations=[dest])
        raise RuntimeError("the change failed after the message was written")
    assert _rows(outbox) == []
    with outbox.begin() as conn:
        assert enqueue(conn, event="ticket.opened", key="ticket:1:opened", notice=NOTICE, destinations=[dest]) == 1
        # the same event again (a retried request): stored once
        assert enqueue(conn, event="ticket.opened", key="ticket:1:opened", notice=NOTICE, destinations=[dest]) == 0
    assert [r["idempotency_key"] for r in _rows(outbox)] == [f"ticket:1:opened:{dest}"]


def test_email_arrives_in_each_readers_language_with_link(outbox: Engine, settings: Settings, smtp: Mailbox) -> None:
    with outbox.begin() as conn:
        zh = add_destination(conn, "email", "zhang@example.org")
        en = add_destination(conn, "email", "smith@example.org", lang="en")
        enqueue(conn, event="ticket.opened", key="ticket:2:opened", notice=NOTICE, destinations=[zh, en])
    config = _settings(settings, smtp_host=smtp.host, smtp_port=smtp.port, smtp_from="planmap@lianzhou.example")
    outcomes = [worker.deliver_next(outbox, config), worker.deliver_next(outbox, config)]
    assert [o.state for o in outcomes if o] == ["sent", "sent"]
    assert worker.deliver_next(outbox, config) is None
    mails = {to[0]: mail for to, mail in smtp.messages}
    assert set(mails) == {"zhang@example.org", "smith@example.org"}
    chinese, english = mails["zhang@example.org"], mails["smith@example.org"]
    assert chinese["Subject"] == NOTICE.subject_zh and english["Subject"] == NOTICE.subject_en
    assert chinese["From"] == "planmap@lianzhou.example"
    assert chinese["Message-ID"] == message_id(f"ticket:2:opened:{zh}")
    body = chinese.get_content()
    assert "请于 2026-12-10 前答复。" in body and "查看:http://planmap.example/projects/x" in body
    assert "Open: http://planmap.example/projects/x" in english.get_content()
    assert {r["state"] for r in _rows(outbox)} == {"sent"}


def test_robots_get_their_documented_json_and_dingtalk_sign_verifies(
    outbox: Engine, settings: Settings, sink: Sink
) -> None:
    secret = "SEC0123456789abcdef"
    with outbox.begin() as conn:
        wecom = add_destination(conn, "wecom", f"{sink.url}/wecom?key=abc")
        ding = add_destination(conn, "dingtalk", f"{sink.url}/dingtalk?access_token=tok", secret=secret)
        enqueue(conn, event="ticket.overdue", key="ticket:3:overdue", notice=NOTICE, destinations=[wecom, ding])
    config = _settings(settings)
    while worker.deliver_next(outbox, config):
        pass
    by_path = {r.path: r for r in sink.requests}
    wecom_body = by_path["/wecom"].json()
    assert by_path["/wecom"].query == {"key": "abc"}
    assert wecom_body["msgtype"] == "markdown"
    assert NOTICE.subject_zh in wecom_body["markdown"]["content"]
    assert "[查看](http://planmap.example/projects/x)" in wecom_body["markdown"]["content"]
    ding_request = by_path["/dingtalk"]
    assert ding_request.json()["markdown"]["title"] == NOTICE.subject_zh
    query = ding_request.query
    assert query["access_token"] == "tok"
    # what DingTalk checks: the sign is HMAC-SHA256 of "timestamp\nsecret", for a timestamp within the hour
    assert query["sign"] == dingtalk_sign(secret, int(query["timestamp"]))
    assert abs(int(query["timestamp"]) / 1000 - datetime.now().timestamp()) < 3600
    assert {r["state"] for r in _rows(outbox)} == {"sent"}


def test_generic_webhook_is_signed_over_body_and_timestamp(outbox: Engine, settings: Settings, sink: Sink) -> None:
    secret = "whsec-lianzhou"
    with outbox.begin() as conn:
        dest = add_destination(conn, "webhook", f"{sink.url}/hook", secret=secret, lang="en")
        enqueue(conn, event="feedback.awaiting", key="feedback:9:awaiting", notice=NOTICE, destinations=[dest])
    assert worker.deliver_next(outbox, _settings(settings)) is not None
    (request,) = sink.requests
    headers = request.headers
    assert webhook_signature_valid(secret, headers["x-planmap-timestamp"], request.body, headers["x-planmap-signature"])
    assert not webhook_signature_valid("wrong", headers["x-planmap-timestamp"], request.body,
                                       headers["x-planmap-signature"])  # fmt: skip
    tampered = request.body.replace(b"Supervision", b"Superstition")
    assert not webhook_signature_valid(secret, headers["x-planmap-timestamp"], tampered, headers["x-planmap-signature"])
    assert request.json() == {
        "id": f"feedback:9:awaiting:{dest}",
        "event": "feedback.awaiting",
        "lang": "en",
        "subject": NOTICE.subject_en,
        "body": NOTICE.body_en,
        "link": NOTICE.link,
    }
    assert headers["x-planmap-idempotency-key"] == f"feedback:9:awaiting:{dest}"


@pytest.mark.parametrize("path", ["/fail", "/robot-busy"])
def test_failing_channel_is_retried_with_doubling_waits_then_failed(
    outbox: Engine, settings: Settings, sink: Sink, path: str
) -> None:
    kind = "wecom" if path == "/robot-busy" else "webhook"
    with outbox.begin() as conn:
        dest = add_destination(conn, kind, sink.url + path, secret="s")
        enqueue(conn, event="ticket.opened", key="ticket:5:opened", notice=NOTICE, destinations=[dest])
    config = _settings(settings, notify_max_attempts=4, notify_backoff_seconds=60, notify_backoff_cap_seconds=150)
    waits = []
    for _ in range(3):
        outcome = worker.deliver_next(outbox, config)
        assert outcome is not None and outcome.state == "retry"
        (row,) = _rows(outbox)
        waits.append(round((row["next_attempt_at"] - row["now"]).total_seconds()))
        # not due yet: the worker leaves it alone until the wait is over
        assert worker.deliver_next(outbox, config) is None
        with outbox.begin() as conn:
            conn.execute(text("UPDATE notify_outbox SET next_attempt_at = now()"))
    assert waits == [60, 120, 150]  # doubled, then capped
    final = worker.deliver_next(outbox, config)
    assert final is not None and final.state == "failed"
    (row,) = _rows(outbox)
    assert row["state"] == "failed" and row["attempts"] == 4
    assert ("503" if path == "/fail" else "45009") in str(row["last_error"])
    assert len(sink.requests) == 4
    assert worker.deliver_next(outbox, config) is None  # a failed message is not tried again


def test_a_revoked_robot_fails_at_once(outbox: Engine, settings: Settings, sink: Sink) -> None:
    with outbox.begin() as conn:
        dest = add_destination(conn, "wecom", "http://127.0.0.1:9/unreachable")
        gone = add_destination(conn, "webhook", sink.url + "/missing", secret="s")
        enqueue(conn, event="ticket.opened", key="ticket:6:opened", notice=NOTICE, destinations=[dest, gone])
    config = _settings(settings, notify_backoff_seconds=60)
    outcomes = {o.key: o.state for o in [worker.deliver_next(outbox, config), worker.deliver_next(outbox, config)] if o}
    # a refused connection may be a restart: retried; a 404 from the receiver will not change: failed
    assert outcomes == {f"ticket:6:opened:{dest}": "retry", f"ticket:6:opened:{gone}": "failed"}
