"""The worker as a real process, killed mid-delivery, stopped politely, and cut off from its database.

What the guarantee is, and what the tests hold it to: every committed message is delivered, and a
message is repeated only when the worker (or the database) died after the receiver got it but
before its delivery was recorded — then it is repeated once, with the same idempotency key, so a
receiver that keeps keys (as webhook receivers should, and as mail clients do with Message-ID)
sees it once. A message recorded as sent is never sent again.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT
from app.notify.outbox import Notice, enqueue
from tests.support.notify import Sink, add_destination
from tests.support.pgcluster import PG_BIN, private_cluster

NOTICE = Notice("项目有更新", "星子镇的项目有新的进度。", "A project changed", "A project in Xingzi has news.", None)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def start_worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANMAP_")},
        "DATABASE_URL": database_url,
        "PLANMAP_NOTIFY_POLL_SECONDS": "0.2",
        "PLANMAP_NOTIFY_TIMEOUT_SECONDS": "60",
        "PLANMAP_NOTIFY_BACKOFF_SECONDS": "0.5",
        "PLANMAP_DB_CONNECT_TIMEOUT": "2",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "app", "worker"], env=env, cwd=REPO_ROOT, stdout=out, stderr=out)


def states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT idempotency_key, state FROM notify_outbox")).tuples().all())


def queue(engine: Engine, sink: Sink, events: range) -> list[str]:
    with engine.begin() as conn:
        dest = conn.execute(text("SELECT id FROM notify_destinations WHERE kind = 'webhook'")).scalar()
        if dest is None:
            dest = add_destination(conn, "webhook", f"{sink.url}/hook", secret="whsec")
        for n in events:
            enqueue(conn, event="project.changed", key=f"project:{n}:changed", notice=NOTICE, destinations=[dest])
    return [f"project:{n}:changed:{dest}" for n in events]


@pytest.fixture
def clean_outbox(engine: Engine, first_seed: SeedResult) -> Iterator[Engine]:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_outbox; DELETE FROM notify_destinations"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_outbox; DELETE FROM notify_destinations"))


def test_worker_killed_mid_delivery_repeats_only_the_message_in_flight(
    clean_outbox: Engine, database_url: str, sink: Sink, tmp_path: Path
) -> None:
    engine = clean_outbox
    keys = queue(engine, sink, range(5))
    sink.hold_nth = 3  # the receiver has the third message when the worker dies
    worker = start_worker(database_url, tmp_path / "worker.log")
    try:
        wait_for(sink.holding.is_set, 30, "the third delivery to be in flight")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        sink.release.set()
        assert states(engine) == dict.fromkeys(keys[:2], "sent") | dict.fromkeys(keys[2:], "pending")
        worker = start_worker(database_url, tmp_path / "worker.log")
        wait_for(lambda: set(states(engine).values()) == {"sent"}, 30, "every message to be sent")
    finally:
        worker.terminate()
        worker.wait(10)
    arrivals = Counter(sink.keys())
    assert set(arrivals) == set(keys)
    # the one in flight arrived again, with its key; the two recorded before the kill were not resent
    assert arrivals == Counter({keys[0]: 1, keys[1]: 1, keys[2]: 2, keys[3]: 1, keys[4]: 1})


def test_worker_stopped_politely_finishes_the_message_in_hand(
    clean_outbox: Engine, database_url: str, sink: Sink, tmp_path: Path
) -> None:
    engine = clean_outbox
    keys = queue(engine, sink, range(10, 13))
    sink.hold_nth = 2
    log = tmp_path / "worker.log"
    worker = start_worker(database_url, log)
    try:
        wait_for(sink.holding.is_set, 30, "the second delivery to be in flight")
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        sink.release.set()
        assert worker.wait(20) == 0, log.read_text()
        assert states(engine) == {keys[0]: "sent", keys[1]: "sent", keys[2]: "pending"}
        worker = start_worker(database_url, log)
        wait_for(lambda: set(states(engine).values()) == {"sent"}, 30, "every message to be sent")
    finally:
        worker.terminate()
        worker.wait(10)
    assert Counter(sink.keys()) == Counter(keys)  # each exactly once


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server binaries missing")
def test_database_killed_during_delivery_every_committed_message_arrives_once(sink: Sink, tmp_path: Path) -> None:
    with private_cluster("planmap_notify_fault") as cluster:
        engine = make_sync_engine(cluster.url)
        log = tmp_path / "worker.log"
        try:
            keys = queue(engine, sink, range(6))
            engine.dispose()
            sink.hold_nth = 2
            worker = start_worker(cluster.url, log)
            try:
                wait_for(sink.holding.is_set, 30, "the second delivery to be in flight")
                cluster.ctl("stop")  # the database goes away while the receiver holds message 2
                sink.release.set()
                time.sleep(2)  # the worker finds it cannot record the delivery, and keeps trying
                assert worker.poll() is None, log.read_text()
                cluster.ctl("start")
                wait_for(lambda: set(states(engine).values()) == {"sent"}, 60, "every message to be sent")
                assert worker.poll() is None  # it carried on by itself
            finally:
                worker.terminate()
                worker.wait(10)
        finally:
            engine.dispose()
    arrivals = Counter(sink.keys())
    assert set(arrivals) == set(keys)  # every committed message arrived
    # message 2 reached the receiver before the outage cut off its record: it came again, same key
    assert arrivals == Counter(keys) + Counter([keys[1]])
    assert "database unavailable; notifications wait" in log.read_text()
