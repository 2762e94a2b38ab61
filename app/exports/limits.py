"""Bounds on exports: how many run at once in a worker, and how big an anonymous one may be.

An export reads every matching project; at 100,000 projects three concurrent GeoJSON exports took
one worker from 0.24 to 1.46 GB and a GeoPackage took 53 s (issue 15, item 10). Streaming keeps
each export's memory small, but the database time, the connection held for the whole download and
GDAL's file writing still scale with the number running, so each worker runs at most
PLANMAP_EXPORT_CONCURRENCY exports; a further one waits up to PLANMAP_EXPORT_QUEUE_SECONDS for a slot
and is then told to come back (503 + Retry-After) instead of piling up. A caller who is not logged
in may export at most PLANMAP_EXPORT_ANONYMOUS_MAX_FEATURES projects at once: a county's whole plan
fits many times over, a scraper walking a province's catalog does not.

These are domain errors; the router turns them into HTTP answers.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator

# TODO(app/core/errors.py): ExportsBusy and TooManyToExport become subclasses of the shared domain
# errors (Conflict/Invalid) once that module lands.


class ExportsBusy(Exception):
    """Every export slot of this worker stayed taken for the whole wait."""

    def __init__(self, concurrency: int, retry_after_s: int) -> None:
        super().__init__(
            f"the server is already preparing {concurrency} export(s), its limit; "
            f"try again in {retry_after_s} seconds, or narrow the filters for a smaller file"
        )
        self.retry_after_s = retry_after_s


class TooManyToExport(Exception):
    """An anonymous export would hold more projects than anonymous callers may take at once."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this export would hold more than {limit} projects, the most an anonymous download may: "
            "narrow it with filters (town, status, category, bbox, q, near) or log in"
        )
        self.limit = limit


class ExportSlots:
    """A per-worker semaphore for exports, with a bounded wait. Made lazily inside the app's event loop."""

    def __init__(self, concurrency: int, wait_seconds: float) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self._semaphore = asyncio.Semaphore(concurrency)

    async def acquire(self) -> None:
        """Take a slot, or raise ExportsBusy after `wait_seconds`."""
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait_seconds or 0.001)
        except TimeoutError:
            raise ExportsBusy(self.concurrency, retry_after_s=max(5, round(self.wait_seconds * 2))) from None

    def release(self) -> None:
        self._semaphore.release()

    async def hold_while(self, body: AsyncGenerator[bytes]) -> AsyncIterator[bytes]:
        """`body`, with the slot (already taken) given back when it ends, fails or the client goes away."""
        try:
            async for chunk in body:
                yield chunk
        finally:
            self.release()
            await body.aclose()
