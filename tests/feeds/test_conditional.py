"""Feeds are cacheable: ETag and Last-Modified on every feed, 304 for a reader whose copy is current,
the whole feed again once something changed; entries saved in the same second keep distinct `updated`."""

from email.utils import parsedate_to_datetime

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.feeds.atom import timestamp


def test_an_unchanged_feed_answers_304_to_if_none_match_and_if_modified_since(client: TestClient) -> None:
    first = client.get("/feeds/plan.atom")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert parsedate_to_datetime(modified).tzinfo is not None
    again = client.get("/feeds/plan.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/feeds/plan.atom", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/plan.atom", headers={"If-None-Match": '"stale"'}).status_code == 200
    english = client.get("/feeds/plan.atom?lang=en", headers={"If-None-Match": etag})
    assert english.status_code == 200 and english.headers["etag"] != etag  # another body, another tag


def test_a_change_gives_the_feed_a_new_etag(client: TestClient, engine: Engine) -> None:
    etag = client.get("/feeds/plan.atom").headers["etag"]
    with engine.begin() as conn:
        before = conn.execute(text("SELECT max(id) FROM audit_log")).scalar()
        conn.execute(
            text(
                "INSERT INTO audit_log (actor, action, object_type, object_key, changes, object_version) "
                "SELECT 'test', 'update', 'project', slug, '{\"status\": {\"old\": \"planned\", "
                '"new": "preparing"}}\'::jsonb, version FROM projects ORDER BY slug LIMIT 1'
            )
        )
    try:
        changed = client.get("/feeds/plan.atom", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id > :b"), {"b": before or 0})


def test_atom_timestamps_keep_microseconds_so_same_second_entries_differ() -> None:
    from datetime import UTC, datetime

    a = datetime(2026, 11, 30, 8, 0, 0, 120000, tzinfo=UTC)
    b = a.replace(microsecond=830000)
    assert timestamp(a) != timestamp(b)
    assert feedparser.parse(f'<feed xmlns="http://www.w3.org/2005/Atom"><updated>{timestamp(a)}</updated></feed>').feed
