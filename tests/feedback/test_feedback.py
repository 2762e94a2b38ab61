"""Public feedback through the API: validation, size and rate limits, moderation rights, audit, privacy."""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.support.editing import EditWorld, open_world

PER_HOUR = 3
PROJECT = "tanling-pumped-storage"  # in Xingzi
INSIDE = {"type": "Point", "coordinates": [112.3712, 24.7819]}
OUTSIDE = {"type": "Point", "coordinates": [113.26, 23.13]}  # Guangzhou
_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


@pytest.fixture(scope="module")
def fb() -> Iterator[EditWorld]:
    with open_world("planmap_feedback", feedback_per_hour=PER_HOUR) as w:
        yield w


def visitor(world: EditWorld, address: str | None = None) -> TestClient:
    """A client from its own address, so each test starts under the rate limit."""
    return TestClient(world.client.app, client=(address or next(_addresses), 40000))


def send(client: TestClient, slug: str = PROJECT, **body: Any) -> Any:
    return client.post(f"/api/projects/{slug}/feedback", json={"text": "路面已铺好", **body})


def count(world: EditWorld, sql: str = "SELECT count(*) FROM feedback", **params: Any) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_feedback_waits_for_approval_and_its_contact_is_never_public(fb: EditWorld) -> None:
    contact = "wang.secret@example.com"
    sent = send(visitor(fb), text="  施工已停止两个月  ", contact=contact, point=INSIDE)
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "pending"
    assert contact not in sent.text
    fid = sent.json()["id"]
    public = fb.client.get(f"/api/projects/{PROJECT}/feedback")
    assert public.status_code == 200 and all(item["id"] != fid for item in public.json())

    queue = fb.client.get("/api/feedback", headers=fb.auth("planner")).json()
    mine = next(item for item in queue if item["id"] == fid)
    assert mine["contact"] == contact and mine["text"] == "施工已停止两个月"  # staff see the contact; text trimmed
    assert mine["point"] == INSIDE

    approved = fb.client.post(
        f"/api/feedback/{fid}/approve", json={"reply": "已联系施工方"}, headers=fb.auth("planner")
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    public = fb.client.get(f"/api/projects/{PROJECT}/feedback")
    item = next(item for item in public.json() if item["id"] == fid)
    assert item["text"] == "施工已停止两个月" and item["reply"] == "已联系施工方" and item["reply_by"] == "planner"
    assert set(item) == {"id", "text", "point", "created_at", "reply", "replied_at", "reply_by"}
    for answer in (
        public.text,
        fb.client.get(f"/projects/{PROJECT}").text,
        fb.client.get(f"/projects/{PROJECT}?lang=en").text,
    ):
        assert contact not in answer
    assert "已联系施工方" in fb.client.get(f"/projects/{PROJECT}").text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact": "x"}, "text"),  # no text at all
        ({"text": "   "}, "text"),
        ({"text": "长" * 2001}, "text"),
        ({"text": "ok", "contact": "c" * 201}, "contact"),
        ({"text": "ok", "point": OUTSIDE}, "point"),
        ({"text": "ok", "point": {"type": "Point", "coordinates": [200, 24]}}, "point"),
        ({"text": "ok", "point": {"type": "LineString", "coordinates": [[112.3, 24.7], [112.4, 24.8]]}}, "point"),
        ({"text": "bad\x00byte"}, "text"),
        ({"text": "ok", "status": "approved"}, "status"),  # a sender cannot approve their own message
    ],
    ids=["missing", "blank", "too-long", "contact-too-long", "outside", "out-of-range", "not-a-point", "nul", "extra"],
)
def test_invalid_feedback_is_422_and_stores_nothing(fb: EditWorld, body: dict[str, Any], field: str) -> None:
    before = count(fb)
    response = visitor(fb).post(f"/api/projects/{PROJECT}/feedback", json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])
    assert count(fb) == before


def test_the_longest_text_and_contact_are_accepted(fb: EditWorld) -> None:
    response = send(visitor(fb), text="长" * 2000, contact="c" * 200)
    assert response.status_code == 201, response.text


def test_unknown_or_deleted_project_is_404(fb: EditWorld) -> None:
    assert send(visitor(fb), slug="no-such-project").status_code == 404
    assert fb.client.get("/api/projects/no-such-project/feedback").status_code == 404


def test_large_bodies_are_refused_with_413_before_being_read(fb: EditWorld) -> None:
    before = count(fb)
    limit = fb.client.app.state.settings.feedback_max_bytes
    huge = b'{"text": "' + b"a" * (limit + 10) + b'"}'
    client = visitor(fb)
    declared = client.post(
        f"/api/projects/{PROJECT}/feedback", content=huge, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413, declared.text
    # without Content-Length (chunked): stopped once the limit is passed
    chunked = client.post(
        f"/api/projects/{PROJECT}/feedback",
        content=iter([huge[:limit], huge[limit:]]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 413, chunked.text
    assert count(fb) == before


def test_rate_limit_per_client_with_retry_after(fb: EditWorld) -> None:
    address = "203.0.113.77"
    client = visitor(fb, address)
    for _ in range(PER_HOUR):
        assert send(client).status_code == 201
    refused = send(client)
    assert refused.status_code == 429, refused.text
    assert 3590 <= int(refused.headers["retry-after"]) <= 3600
    assert send(visitor(fb)).status_code == 201  # another client is not affected
    # only a salted hash of the address is kept, nowhere the address itself
    assert count(fb, "SELECT count(*) FROM feedback WHERE client_hash LIKE :a", a=f"%{address}%") == 0
    hashes = count(fb, "SELECT count(DISTINCT client_hash) FROM feedback WHERE length(client_hash) = 64")
    assert hashes >= 2
    dump = count(
        fb,
        """SELECT count(*) FROM (SELECT to_jsonb(f)::text AS t FROM feedback f
                                 UNION ALL SELECT to_jsonb(a)::text FROM audit_log a) x WHERE t LIKE :a""",
        a=f"%{address}%",
    )
    assert dump == 0


def _pending(world: EditWorld, slug: str = PROJECT) -> int:
    response = send(visitor(world), slug=slug, text=f"意见 {next(_addresses)}", contact="13800000000")
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_moderation_rights_follow_the_projects_towns(fb: EditWorld) -> None:
    fid = _pending(fb)
    other = fb.auth("official_lianzhou")
    own = fb.auth("official_xingzi")
    assert fid not in [f["id"] for f in fb.client.get("/api/feedback", headers=other).json()]
    assert fid in [f["id"] for f in fb.client.get("/api/feedback", headers=own).json()]
    assert fb.client.get("/api/feedback").status_code == 401
    assert fb.client.post(f"/api/feedback/{fid}/approve").status_code == 401
    assert fb.client.post(f"/api/feedback/{fid}/approve", headers=other).status_code == 403
    assert fb.client.post(f"/api/feedback/{fid}/reject", json={"reason": "spam"}, headers=other).status_code == 403
    assert fb.client.post(f"/api/feedback/{fid}/approve", headers=own).status_code == 200  # no reply needed
    assert fb.client.post(f"/api/feedback/{fid}/reject", json={"reason": "x"}, headers=own).status_code == 409
    assert fb.client.post("/api/feedback/999999/approve", headers=own).status_code == 404


def test_rejecting_needs_a_reason_and_keeps_the_message_private(fb: EditWorld) -> None:
    fid = _pending(fb)
    planner = fb.auth("planner")
    assert fb.client.post(f"/api/feedback/{fid}/reject", json={}, headers=planner).status_code == 422
    assert fb.client.post(f"/api/feedback/{fid}/reject", json={"reason": "  "}, headers=planner).status_code == 422
    rejected = fb.client.post(f"/api/feedback/{fid}/reject", json={"reason": "广告"}, headers=planner)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert fid not in [f["id"] for f in fb.client.get(f"/api/projects/{PROJECT}/feedback").json()]
    decided = fb.client.get("/api/feedback", params={"status": "rejected"}, headers=planner).json()
    assert next(f for f in decided if f["id"] == fid)["reject_reason"] == "广告"


def test_moderation_is_audited(fb: EditWorld) -> None:
    approve_id, reject_id = _pending(fb), _pending(fb)
    planner = fb.auth("planner")
    fb.client.post(f"/api/feedback/{approve_id}/approve", json={"reply": "谢谢"}, headers=planner)
    fb.client.post(f"/api/feedback/{reject_id}/reject", json={"reason": "重复"}, headers=planner)
    with fb.engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT object_key, actor, action, changes, user_id IS NOT NULL AS by_user FROM audit_log
                   WHERE object_type = 'feedback' AND object_key IN (:a, :r) ORDER BY id"""
            ),
            {"a": str(approve_id), "r": str(reject_id)},
        ).all()
    by_action = {(r.object_key, r.action): r for r in rows}
    submitted = by_action[(str(approve_id), "submit")]
    assert submitted.actor == "public" and "13800000000" not in str(submitted.changes)
    approved = by_action[(str(approve_id), "approve")]
    assert approved.actor == "planner" and approved.by_user
    assert approved.changes["status"] == {"old": "pending", "new": "approved"} and approved.changes["reply"] == "谢谢"
    rejected = by_action[(str(reject_id), "reject")]
    assert rejected.changes["status"]["new"] == "rejected" and rejected.changes["reason"] == "重复"
    assert rejected.changes["project"] == PROJECT


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_numbers_are_422_naming_the_field_never_500(fb: EditWorld, literal: str) -> None:
    """Issue 15 item 8: `NaN`, `Infinity` or `1e400` crashed the 422 answer itself (500, connection reset)."""
    fid = _pending(fb)
    planner = {**fb.auth("planner"), "Content-Type": "application/json"}
    before = count(fb)
    cases = [
        (f"/api/projects/{PROJECT}/feedback", f'{{"text": "ok", "point": {{"type": "Point", '
         f'"coordinates": [{literal}, 24.78]}}}}', {"Content-Type": "application/json"}, "point"),
        (f"/api/feedback/{fid}/approve", f'{{"reply": {literal}}}', planner, "reply"),
        (f"/api/feedback/{fid}/reject", f'{{"reason": {literal}}}', planner, "reason"),
    ]  # fmt: skip
    for url, body, headers, field in cases:
        response = visitor(fb).post(url, content=body, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert field in str(response.json()["detail"][0]["loc"])
    assert count(fb) == before
    assert count(fb, "SELECT count(*) FROM feedback WHERE id = :i AND state = 'pending'", i=fid) == 1
