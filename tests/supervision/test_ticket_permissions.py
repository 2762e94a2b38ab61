"""Who may read and act on a supervision ticket (督办): the permission matrix, role by role, surface by surface.

Reading follows acting (app.auth.scope_queries): planners and admins see every ticket; an official sees
the tickets addressed to their units and those on the projects they may act for; nobody else learns that
a ticket exists — its id answers 404 exactly as an id never issued, it is in no list, no page, no
history. Only the addressed unit's officials answer and add photos; only planners and admins close.
A refusal stores nothing. And a ticket's messages reach only the people who may read it.
"""

from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.accounts import add_user
from app.core.clock import today as lianzhou_today
from app.notify import worker
from tests.support.cycle import CENTRE_DONGBEI, ROAD_LONGPING, ROAD_XINGZI, CycleWorld, jpeg, open_cycle_world
from tests.support.editing import PASSWORD
from tests.support.notify import Mailbox, smtp

__all__ = ["smtp"]  # the in-process SMTP server (aiosmtpd), as a fixture

DEADLINE = (lianzhou_today() + timedelta(days=14)).isoformat()


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    """The implementation-cycle world, with an official of Dongbei town (CENTRE_DONGBEI's town, whose lead
    unit is the housing department)."""
    for world in open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_ticket_perms"):
        with world.engine.begin() as conn:
            add_user(conn, "official_dongbei", PASSWORD, "official", "东陂镇", ["dongbei"], "test")
        yield world


_tokens: dict[str, dict[str, str]] = {}


def auth(cycle: CycleWorld, user: str | None) -> dict[str, str]:
    if user is None:
        return {}
    if user not in _tokens:
        _tokens[user] = cycle.auth(user)
    return _tokens[user]


# What a role is to a ticket: "planner" (reads all, closes, answers nothing), "answers" (an official of the
# addressed unit), "reads" (an official who may act for the project, but another unit is asked), "hidden"
# (an official of another town or department), "anonymous".
TICKETS = {
    # a Xingzi road (no department), addressed to Xingzi town
    "town": (ROAD_XINGZI, "xingzi"),
    # Dongbei's town centre (lead: the housing department), addressed to the housing department
    "department": (CENTRE_DONGBEI, "zhujian-ju"),
    # a Longping road (lead: the transport department), addressed to Longping town
    "lead": (ROAD_LONGPING, "longping"),
}
ROLES = {
    "town": {None: "anonymous", "admin": "planner", "planner": "planner", "official_xingzi": "answers",
             "official_lianzhou": "hidden", "official_dongbei": "hidden", "official_zhujian": "hidden",
             "official_jiaotong": "hidden"},
    "department": {None: "anonymous", "admin": "planner", "planner": "planner", "official_xingzi": "hidden",
                   "official_lianzhou": "hidden", "official_dongbei": "reads", "official_zhujian": "answers",
                   "official_jiaotong": "hidden"},
    "lead": {None: "anonymous", "admin": "planner", "planner": "planner", "official_xingzi": "hidden",
             "official_lianzhou": "hidden", "official_dongbei": "hidden", "official_zhujian": "hidden",
             "official_jiaotong": "reads"},
}  # fmt: skip
CASES = [(kind, user, role) for kind, by_user in ROLES.items() for user, role in by_user.items()]
# The status each operation answers, by role.
EXPECTED = {
    #             detail answer photo close
    "planner": (200, 403, 403, 200),
    "answers": (200, 200, 201, 403),
    "reads": (200, 403, 403, 403),
    "hidden": (404, 404, 404, 404),
    "anonymous": (401, 401, 401, 401),
}
_marker = count(1)


def _open(cycle: CycleWorld, slug: str, unit: str) -> tuple[int, str]:
    """A fresh ticket (its request carries a marker found nowhere else) and that request."""
    request = f"督办事项 #{next(_marker)}:请说明征地进展"
    body = {"unit": unit, "request": request, "deadline": DEADLINE}
    opened = cycle.client.post(f"/api/projects/{slug}/tickets", json=body, headers=auth(cycle, "planner"))
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"]), request


def _stored(cycle: CycleWorld) -> tuple[Any, ...]:
    return tuple(
        cycle.sql(
            """SELECT (SELECT count(*) FROM supervision_entries), (SELECT count(*) FROM progress_photos),
                      (SELECT count(*) FROM audit_log),
                      (SELECT count(*) FROM supervision_tickets WHERE state = 'closed')"""
        )[0]
    )


def _browser(cycle: CycleWorld, user: str | None) -> TestClient:
    client = TestClient(cycle.client.app, follow_redirects=False)
    if user:
        assert client.post("/login", data={"username": user, "password": PASSWORD, "next": "/"}).status_code == 303
    return client


@pytest.mark.parametrize(("kind", "user", "role"), CASES, ids=[f"{k}-{u or 'anonymous'}" for k, u, _ in CASES])
def test_ticket_permission_matrix(cycle: CycleWorld, kind: str, user: str | None, role: str) -> None:
    slug, unit = TICKETS[kind]
    tid, request = _open(cycle, slug, unit)
    headers = auth(cycle, user)
    sees = role in ("planner", "answers", "reads")
    detail, answer, photo, close = EXPECTED[role]

    # the lists: the dashboard's and the project's
    for url in ("/api/tickets?include_closed=true&limit=500", f"/api/projects/{slug}/tickets"):
        listed = cycle.client.get(url, headers=headers)
        if role == "anonymous":
            assert listed.status_code == 401, url
            continue
        assert listed.status_code == 200, listed.text
        assert (tid in {t["id"] for t in listed.json()}) == sees, url
        assert (request in listed.text) == sees, url

    # one ticket by its id: a hidden one answers exactly as one never issued
    got = cycle.client.get(f"/api/tickets/{tid}", headers=headers)
    assert got.status_code == detail, got.text
    assert (request in got.text) == sees and (unit in got.text) == sees
    if role == "hidden":
        never = cycle.client.get(f"/api/tickets/{2**31 - 1}", headers=headers)
        assert never.status_code == 404
        assert got.json()["detail"].replace(str(tid), "N") == never.json()["detail"].replace(str(2**31 - 1), "N")

    # the ticket page and the project's history
    page = _browser(cycle, user).get(f"/projects/{slug}/tickets")
    assert page.status_code == (303 if role == "anonymous" else 200)
    assert (request in page.text) == sees
    history = cycle.client.get(f"/api/projects/{slug}/history", headers=headers)
    assert history.status_code == 200
    assert (tid in {row["ticket"]["id"] for row in history.json() if "ticket" in row}) == sees
    assert (request in history.text) == sees
    project_page = _browser(cycle, user).get(f"/projects/{slug}")  # its history section, and its ticket flag
    assert project_page.status_code == 200 and (request in project_page.text) == sees

    # acting on it: refused writes store nothing
    before = _stored(cycle)
    files = {"photo": ("site.jpg", jpeg(), "image/jpeg")}
    uploaded = cycle.client.post(f"/api/tickets/{tid}/photos", files=files, headers=headers)
    assert uploaded.status_code == photo, uploaded.text
    photo_ids = [uploaded.json()["id"]] if photo == 201 else []
    answered = cycle.client.post(f"/api/tickets/{tid}/answer", json={"body": "已处理", "photo_ids": photo_ids},
                                 headers=headers)  # fmt: skip
    assert answered.status_code == answer, answered.text
    closed = cycle.client.post(f"/api/tickets/{tid}/close", json={"note": "办结"}, headers=headers)
    assert closed.status_code == close, closed.text
    for refused in (uploaded, answered, closed):
        if refused.status_code == 404:
            assert request not in refused.text and unit not in refused.text
    entries, photos, audits, closes = _stored(cycle)
    assert photos - before[1] == (photo == 201)
    assert entries - before[0] == (answer == 200) + (close == 200)
    assert audits - before[2] == (photo == 201) + (answer == 200) + (close == 200)
    assert closes - before[3] == (close == 200)


def test_the_dashboard_flags_count_only_the_tickets_one_may_read(cycle: CycleWorld) -> None:
    """The project page's supervision flag counts what its reader may read: the housing department's official
    sees the Dongbei centre's tickets; the transport department's official sees none of them."""
    _open(cycle, CENTRE_DONGBEI, "zhujian-ju")
    waiting = int(cycle.sql("SELECT count(*) FROM supervision_tickets t JOIN projects p ON p.id = t.project_id "
                            "WHERE p.slug = :s AND t.state <> 'closed'", s=CENTRE_DONGBEI)[0][0])  # fmt: skip
    for user, expected in (("official_zhujian", waiting), ("planner", waiting), ("official_jiaotong", 0)):
        html = _browser(cycle, user).get(f"/projects/{CENTRE_DONGBEI}").text
        assert f'data-waiting="{expected}"' in html, user


def _email(cycle: CycleWorld, user: str) -> str:
    address = f"{user}@example.org"
    cycle.sql(
        """INSERT INTO notify_destinations (user_id, kind, target)
           SELECT id, 'email', :address FROM users WHERE username = :user""",
        address=address,
        user=user,
    )
    return address


def test_a_tickets_messages_reach_only_those_who_may_read_it(cycle: CycleWorld, smtp: Mailbox) -> None:
    """Opened: the addressed town's officials (not a disabled one, not another town's or department's);
    answered: the planners. Every message, delivered by the worker over real SMTP."""
    cycle.sql("DELETE FROM notify_outbox")
    users = ("planner", "official_xingzi", "official_gone", "official_lianzhou", "official_zhujian",
             "official_jiaotong", "official_dongbei")  # fmt: skip
    address = {user: _email(cycle, user) for user in users}
    settings = cycle.client.app.state.settings.with_changes(
        smtp_host=smtp.host, smtp_port=smtp.port, smtp_from="planmap@lianzhou.example", notify_timeout_seconds=5
    )

    def deliver() -> dict[str, str]:
        """Everything due, delivered: each recipient's text (subject and body)."""
        smtp.messages.clear()
        while worker.deliver_next(cycle.engine, settings) is not None:
            pass
        return {rcpt: f"{m['Subject']}\n{m.get_body().get_content()}" for rcpts, m in smtp.messages for rcpt in rcpts}

    tid, request = _open(cycle, ROAD_XINGZI, "xingzi")
    opened = deliver()
    assert set(opened) == {address["official_xingzi"]}
    assert request in opened[address["official_xingzi"]]
    answer = "卫生院用地已报批 (answer)"
    answered = cycle.client.post(f"/api/tickets/{tid}/answer", json={"body": answer},
                                 headers=auth(cycle, "official_xingzi"))  # fmt: skip
    assert answered.status_code == 200, answered.text
    told = deliver()
    assert set(told) == {address["planner"]} and answer in told[address["planner"]]

    # a department's ticket: its members only, not the officials of other units
    _open(cycle, CENTRE_DONGBEI, "zhujian-ju")
    assert set(deliver()) == {address["official_zhujian"]}
    # a planner since made an official elsewhere no longer hears of the answers to the tickets they opened
    cycle.sql("UPDATE users SET role = 'official' WHERE username = 'planner'")
    try:
        cycle.client.post(f"/api/tickets/{tid}/reopen", json={"reason": "再核实"}, headers=auth(cycle, "admin"))
        deliver()
        again = cycle.client.post(f"/api/tickets/{tid}/answer", json={"body": "已核实"},
                                  headers=auth(cycle, "official_xingzi"))  # fmt: skip
        assert again.status_code == 200, again.text
        assert deliver() == {}
    finally:
        cycle.sql("UPDATE users SET role = 'planner' WHERE username = 'planner'")
