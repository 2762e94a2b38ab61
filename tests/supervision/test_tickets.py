"""Supervision tickets (督办) through the API, with the messages they put in the outbox.

What the bureau notices: a planner addresses a unit, only that unit's officials can answer, the
planner closes or reopens; near-due and overdue tickets are flagged; the unit's robot and the
planners are told at each step, and reminded daily without repeats.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text

from app.core.clock import today as lianzhou_today
from app.notify.reminders import queue_report_reminders, queue_ticket_reminders
from tests.support.cycle import CENTRE_DONGBEI, ROAD_LONGPING, CycleWorld, jpeg, open_cycle_world
from tests.support.notify import add_destination

TODAY = lianzhou_today()


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_tickets")


@pytest.fixture(scope="module")
def robots(cycle: CycleWorld) -> dict[str, int]:
    """The housing bureau's DingTalk robot, and the planner's own email."""
    with cycle.engine.begin() as conn:
        robot = add_destination(conn, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x",
                                secret="SEC1", unit="zhujian-ju")  # fmt: skip
        planner = conn.execute(
            text(
                """INSERT INTO notify_destinations (user_id, kind, target)
                   VALUES ((SELECT id FROM users WHERE username = 'planner'), 'email', 'planner@example.org')
                   RETURNING id"""
            )
        ).scalar_one()
    return {"robot": robot, "planner": planner}


_tokens: dict[str, dict[str, str]] = {}


def auth(cycle: CycleWorld, user: str) -> dict[str, str]:
    if user not in _tokens:
        _tokens[user] = cycle.auth(user)
    return _tokens[user]


def outbox(cycle: CycleWorld, event: str) -> list[dict[str, Any]]:
    with cycle.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text("SELECT destination_id, subject, body, link FROM notify_outbox WHERE event = :e ORDER BY id"),
                {"e": event},
            ).mappings()
        ]


def open_ticket(cycle: CycleWorld, deadline: date, slug: str = CENTRE_DONGBEI, unit: str = "zhujian-ju") -> Any:
    body = {"unit": unit, "request": "请说明本月未报进度的原因 <b>并补报</b>", "deadline": deadline.isoformat()}
    return cycle.client.post(f"/api/projects/{slug}/tickets", json=body, headers=auth(cycle, "planner"))


def test_open_answer_close_reopen_with_messages_and_audit(cycle: CycleWorld, robots: dict[str, int]) -> None:
    opened = open_ticket(cycle, TODAY + timedelta(days=2))
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert ticket["state"] == "open" and ticket["flag"] == "due_soon" and ticket["unit"] == "zhujian-ju"
    assert ticket["request"] == "请说明本月未报进度的原因 <b>并补报</b>"  # as typed (rendered as text)
    (message,) = outbox(cycle, "ticket.opened")
    assert message["destination_id"] == robots["robot"] and "请于" in message["subject"]
    assert message["link"].endswith(f"/projects/{CENTRE_DONGBEI}/tickets")
    tid = ticket["id"]

    # another unit's official may not answer (nor learn that the ticket exists); the addressed unit's may
    other = cycle.client.post(
        f"/api/tickets/{tid}/answer", json={"body": "x"}, headers=auth(cycle, "official_jiaotong")
    )
    assert other.status_code == 404 and "zhujian-ju" not in other.text
    answered = cycle.client.post(f"/api/tickets/{tid}/answer", json={"body": "已补报九月进度。"},
                                 headers=auth(cycle, "official_zhujian"))  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered" and answered.json()["flag"] is None
    assert answered.json()["entries"][0]["body"] == "已补报九月进度。"
    assert [m["destination_id"] for m in outbox(cycle, "ticket.answered")] == [robots["planner"]]

    # officials cannot close; planners can, and then answering is refused
    refused = cycle.client.post(f"/api/tickets/{tid}/close", json={}, headers=auth(cycle, "official_zhujian"))
    assert refused.status_code == 403
    closed = cycle.client.post(f"/api/tickets/{tid}/close", json={"note": "办结"}, headers=auth(cycle, "planner"))
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    late = cycle.client.post(
        f"/api/tickets/{tid}/answer", json={"body": "再补充"}, headers=auth(cycle, "official_zhujian")
    )
    assert late.status_code == 409
    reopened = cycle.client.post(f"/api/tickets/{tid}/reopen", json={"reason": "九月投资数据有误,请更正"},
                                 headers=auth(cycle, "planner"))  # fmt: skip
    assert reopened.status_code == 200 and reopened.json()["state"] == "open"
    assert [e["kind"] for e in reopened.json()["entries"]] == ["answer", "close", "reopen"]
    assert len(outbox(cycle, "ticket.reopened")) == 1 and len(outbox(cycle, "ticket.closed")) == 1

    with cycle.engine.connect() as conn:
        actions = (
            conn.execute(
                text(
                    "SELECT action FROM audit_log WHERE object_type = 'supervision_ticket' AND object_key = :k "
                    "ORDER BY id"
                ),
                {"k": str(tid)},
            )
            .scalars()
            .all()
        )
    assert actions == ["ticket_open", "ticket_answer", "ticket_close", "ticket_reopen"]
    # the public project history shows none of it
    public = cycle.client.get(f"/api/projects/{CENTRE_DONGBEI}/history").text
    assert "请说明" not in public and "ticket" not in public
    # the planners and the addressed unit's officials find every step there; another unit's officials do not
    for user, sees in (("planner", True), ("official_zhujian", True), ("official_jiaotong", False)):
        rows = cycle.client.get(f"/api/projects/{CENTRE_DONGBEI}/history", headers=auth(cycle, user)).json()
        steps = [(row["action"], row["ticket"]["id"]) for row in rows if "ticket" in row]
        assert steps == ([(action, tid) for action in actions] if sees else []), user


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"unit": "zhujian-ju", "request": "x", "deadline": (TODAY - timedelta(days=1)).isoformat()}, 422, "past"),
        ({"unit": "no-such-unit", "request": "x", "deadline": TODAY.isoformat()}, 404, "no-such-unit"),
        ({"unit": "zhujian-ju", "request": "", "deadline": TODAY.isoformat()}, 422, "request"),
        ({"unit": "zhujian-ju", "request": "x", "deadline": TODAY.isoformat(), "report_month": "2025-09-15"}, 422,
         "first day"),
    ],
)  # fmt: skip
def test_bad_tickets_are_refused_and_store_nothing(cycle: CycleWorld, body: dict[str, Any], status: int,
                                                   words: str) -> None:  # fmt: skip
    with cycle.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM supervision_tickets")).scalar()
    response = cycle.client.post(f"/api/projects/{CENTRE_DONGBEI}/tickets", json=body, headers=auth(cycle, "planner"))
    assert response.status_code == status and words in response.text
    official = cycle.client.post(f"/api/projects/{CENTRE_DONGBEI}/tickets",
                                 json={"unit": "zhujian-ju", "request": "x", "deadline": TODAY.isoformat()},
                                 headers=auth(cycle, "official_zhujian"))  # fmt: skip
    assert official.status_code == 403
    with cycle.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM supervision_tickets")).scalar() == before


def test_overdue_flags_and_daily_reminders_once(cycle: CycleWorld, robots: dict[str, int]) -> None:
    ticket = open_ticket(cycle, TODAY + timedelta(days=10), ROAD_LONGPING, "jiaotong-ju").json()
    assert ticket["flag"] is None
    soon = open_ticket(cycle, TODAY + timedelta(days=1)).json()
    with cycle.engine.begin() as conn:
        conn.execute(text("UPDATE supervision_tickets SET deadline = :d WHERE id = :id"),
                     {"d": TODAY - timedelta(days=1), "id": ticket["id"]})  # fmt: skip
    flags = {t["id"]: t["flag"] for t in cycle.client.get("/api/tickets", headers=auth(cycle, "planner")).json()}
    assert flags[ticket["id"]] == "overdue" and flags[soon["id"]] == "due_soon"
    # an official sees their own unit's tickets only
    mine = cycle.client.get("/api/tickets", headers=auth(cycle, "official_jiaotong")).json()
    assert {t["unit"] for t in mine} == {"jiaotong-ju"}
    with cycle.engine.begin() as conn:
        first = queue_ticket_reminders(conn, today=TODAY, remind_days=3, public_url="http://p")
        again = queue_ticket_reminders(conn, today=TODAY, remind_days=3, public_url="http://p")
    assert again == 0 and first >= 2  # the robot for the due-soon one; the planner for the overdue one
    overdue = outbox(cycle, "ticket.overdue")
    assert [m["destination_id"] for m in overdue] == [robots["planner"]] and "已逾期" in overdue[0]["subject"]
    assert any(m["destination_id"] == robots["robot"] for m in outbox(cycle, "ticket.due_soon"))


def test_report_reminders_before_the_deadline_and_the_day_after(cycle: CycleWorld, robots: dict[str, int]) -> None:
    # September 2025's reports are due by 5 October (PLANMAP_REPORT_DEADLINE_DAY): the housing bureau's project
    # has none yet, so its robot hears on 3 October (within 3 days) and again on the 6th (missing).
    with cycle.engine.begin() as conn:
        early = queue_report_reminders(conn, today=date(2025, 9, 20), deadline_day=5, remind_days=3, public_url="x")
        due = queue_report_reminders(conn, today=date(2025, 10, 3), deadline_day=5, remind_days=3, public_url="x")
        twice = queue_report_reminders(conn, today=date(2025, 10, 4), deadline_day=5, remind_days=3, public_url="x")
        missing = queue_report_reminders(conn, today=date(2025, 10, 6), deadline_day=5, remind_days=3, public_url="x")
    assert (early, due, twice, missing) == (0, 1, 0, 1)
    (soon,) = outbox(cycle, "report.due")
    assert soon["destination_id"] == robots["robot"] and "2025年09月" in soon["subject"]
    assert f"x/report/{CENTRE_DONGBEI}" in soon["body"]
    assert "逾期" in outbox(cycle, "report.missing")[0]["subject"]


def _photo_count(cycle: CycleWorld) -> int:
    with cycle.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM progress_photos")).scalar_one())


def test_an_answer_carries_photos_through_the_one_photo_pipeline(cycle: CycleWorld) -> None:
    """The housing bureau is asked about the transport bureau's road: its official may add photos to the
    answer though the road is not one of their projects; the photos are re-encoded (no EXIF), staff-only."""
    tid = open_ticket(cycle, TODAY + timedelta(days=20), ROAD_LONGPING, "zhujian-ju").json()["id"]
    url = f"/api/tickets/{tid}/photos"
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (24.0, 50.0, 0.0), 3: "E", 4: (112.0, 20.0, 0.0)}
    photo = {"photo": ("site.jpg", jpeg((640, 480), exif=exif), "image/jpeg")}
    before = _photo_count(cycle)
    # refused, nothing stored: another unit's official; something that is not a photo
    other = cycle.client.post(url, files=photo, headers=auth(cycle, "official_jiaotong"))
    assert other.status_code == 403 and "zhujian-ju" in other.json()["detail"]
    fake = {"photo": ("site.jpg", b"not a photo at all", "image/jpeg")}
    refused = cycle.client.post(url, files=fake, headers=auth(cycle, "official_zhujian"))
    assert refused.status_code == 422 and "not a photo" in refused.text
    assert _photo_count(cycle) == before
    # the project's own upload is not theirs; the ticket's is
    own = f"/api/projects/{ROAD_LONGPING}/photos"
    assert cycle.client.post(own, files=photo, headers=auth(cycle, "official_zhujian")).status_code == 403
    uploaded = cycle.client.post(url, files=photo, headers=auth(cycle, "official_zhujian"))
    assert uploaded.status_code == 201, uploaded.text
    photo_id = uploaded.json()["id"]
    answered = cycle.client.post(f"/api/tickets/{tid}/answer", json={"body": "见现场照片", "photo_ids": [photo_id]},
                                 headers=auth(cycle, "official_zhujian"))  # fmt: skip
    assert answered.status_code == 200 and answered.json()["entries"][-1]["photo_ids"] == [photo_id]
    for user, status in (("official_zhujian", 200), ("official_jiaotong", 200), ("planner", 200), (None, 404)):
        served = cycle.client.get(f"/api/photos/{photo_id}.jpg", headers=auth(cycle, user) if user else {})
        assert served.status_code == status, user
        if status == 200:
            with Image.open(BytesIO(served.content)) as image:
                assert image.size == (640, 480) and not image.getexif()
    # a closed ticket takes no more photos
    assert cycle.client.post(f"/api/tickets/{tid}/close", headers=auth(cycle, "planner")).status_code == 200
    late = cycle.client.post(url, files=photo, headers=auth(cycle, "official_zhujian"))
    assert late.status_code == 409 and _photo_count(cycle) == before + 1
