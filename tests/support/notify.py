"""Real receivers for the notification tests: an SMTP server (aiosmtpd) and an HTTP sink, both in-process.

The sink answers like the real services: WeCom and DingTalk robots `{"errcode": 0, "errmsg": "ok"}`,
a generic receiver 200, and `/fail` 503 and `/missing` 404. `hold_nth` makes the n-th request wait until released, so a
test can kill the worker or the database while a delivery is in flight.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Connection, text

from tests.support.reliability import free_port


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Sink:
    url: str
    requests: list[Received] = field(default_factory=list)
    hold_nth: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        with self.lock:
            return [r.headers["x-planmap-idempotency-key"] for r in self.requests]


@pytest.fixture
def sink() -> Iterator[Sink]:
    port = free_port()
    result = Sink(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            item = Received(
                parts.path,
                {k: v[0] for k, v in parse_qs(parts.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            with result.lock:
                result.requests.append(item)
                number = len(result.requests)
            if result.hold_nth == number:
                result.holding.set()
                result.release.wait(60)
            if parts.path in ("/fail", "/missing"):
                self.send_response(503 if parts.path == "/fail" else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = b'{"errcode":0,"errmsg":"ok"}' if parts.path in ("/wecom", "/dingtalk") else b"{}"
            if parts.path == "/robot-busy":
                answer = b'{"errcode":45009,"errmsg":"api freq out of limit"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield result
    result.release.set()
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(
                (
                    list(envelope.rcpt_tos),
                    message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default),
                )
            )
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=box.host, port=box.port)
    controller.start()
    yield box
    controller.stop()


def add_destination(
    conn: Connection, kind: str, target: str, *, secret: str | None = None, lang: str = "zh", unit: str = "xingzi"
) -> int:
    """A destination owned by a town's unit (the seed makes one unit per town)."""
    return int(
        conn.execute(
            text(
                """INSERT INTO notify_destinations (unit_id, kind, target, secret, lang)
                   VALUES ((SELECT id FROM units WHERE slug = :unit), :kind, :target, :secret, :lang)
                   RETURNING id"""
            ),
            {"unit": unit, "kind": kind, "target": target, "secret": secret, "lang": lang},
        ).scalar_one()
    )
