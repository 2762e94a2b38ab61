"""How fast one `planmap worker` delivers: N signed webhooks to a local HTTP sink, on a throwaway database.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/planmap PYTHONPATH=. \\
        .venv/bin/python scripts/dev/bench_notify.py 1000

Measured 2026-11-30 on the 2-core machine shared by 8 engineers: enqueue 1000 in one transaction
0.57-0.61 s; delivery 5.5-12.1 s (181/s and 83/s in two runs) with one reused HTTP client, 74.2 s
(13/s) when each message built its own client.
"""

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import text

from app.auth.accounts import add_user
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import Settings
from app.notify import worker
from app.notify.outbox import Notice, enqueue
from tests.conftest import throwaway_url


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def main(count: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = throwaway_url("planmap_bench_notify")
    dbadmin.create_database(url)
    try:
        migrate.upgrade(url, "head")
        engine = make_sync_engine(url)
        with engine.begin() as conn:
            add_user(conn, "planner", "correct horse battery", "planner", "P", [], actor="bench")
            destination = conn.execute(
                text(
                    """INSERT INTO notify_destinations (user_id, kind, target, secret)
                       VALUES ((SELECT id FROM users), 'webhook', :t, 'bench-secret') RETURNING id"""
                ),
                {"t": f"http://127.0.0.1:{server.server_port}/hook"},
            ).scalar_one()
        started = time.perf_counter()
        with engine.begin() as conn:
            for n in range(count):
                notice = Notice("s", "b", "s", "b")
                enqueue(conn, event="bench", key=f"bench:{n}", notice=notice, destinations=[destination])
        queued = time.perf_counter()
        settings = Settings(database_url=url)
        delivered = 0
        while worker.deliver_next(engine, settings):
            delivered += 1
        done = time.perf_counter()
        print(f"enqueue {count}: {queued - started:.2f} s; delivered {delivered} signed webhooks in "
              f"{done - queued:.2f} s ({delivered / (done - queued):.0f}/s, one worker)")  # fmt: skip
        engine.dispose()
    finally:
        dbadmin.drop_database(url)
        server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
