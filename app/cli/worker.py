"""`planmap worker`: delivers the notification outbox (email, WeCom, DingTalk, webhooks) until stopped.

Run it next to `planmap serve` (`make run` starts both). Several workers may run at once: each
message is locked by the one delivering it. SIGTERM/SIGINT finish the message in hand and stop.
"""

import signal
import threading
from typing import Annotated

import typer

from app.cli.engine import cli_engine, safe_url
from app.core.settings import get_settings
from app.notify import worker as notify_worker


def worker(
    once: Annotated[bool, typer.Option(help="Deliver every message due now, then exit.")] = False,
) -> None:
    """Deliver queued notifications, retrying failed ones with backoff."""
    settings = get_settings()
    stop = threading.Event()
    with cli_engine() as engine:
        if once:
            delivered = 0
            while (outcome := notify_worker.deliver_next(engine, settings)) is not None:
                delivered += 1
                typer.echo(f"{outcome.key}: {outcome.state}" + (f" ({outcome.error})" if outcome.error else ""))
            typer.echo(f"{delivered} message(s) handled")
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        typer.echo(f"planmap worker: delivering notifications (database {safe_url()})", err=True)
        notify_worker.run(engine, settings, stop)
