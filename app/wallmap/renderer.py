"""Rendering wall maps in worker processes, with a time limit and a cap on how many run at once.

Any visitor can ask for a wall map, and drawing one is seconds of pure-Python CPU work. So a
request must never be able to start work that outlives it or piles up (issue 15, item 2: one
row taller than a table column once made the layout loop forever, every visit started another
loop, and the server no longer stopped on SIGTERM):

- *a process, not a thread*: a thread that runs too long cannot be stopped, a process can. Pebble's
  pool kills a worker whose task passes its timeout and starts a fresh one, so a stuck render
  costs at most `timeout_seconds` of one CPU, and shutting down never waits for it;
- *forkserver workers*: forking the multi-threaded server (event loop, pool threads) could copy a
  held lock into the child; forkserver children start from a clean, single-threaded process;
- *a cap, refused at once*: at most `max_renders` renders per server process. One more is refused
  immediately (503 with Retry-After) rather than queued, so a crowd of requests cannot build a
  backlog that keeps the CPUs busy long after the crowd has gone;
- *started lazily*: most server processes never draw a wall map; they never start a worker.

The page layout itself always finishes (see `table`); the limit is for whatever we have not foreseen.
"""

import asyncio
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


class RenderBusy(Exception):
    """All render slots of this process are taken; try again shortly."""


class RenderTimedOut(Exception):
    """A render ran past its time limit and was stopped."""


class RenderCrashed(Exception):
    """The worker process died while rendering (killed, out of memory); a fresh one replaces it."""


class RenderPool:
    """Worker processes for rendering, shared by the requests (or CLI runs) of one process."""

    def __init__(self, max_renders: int, timeout_seconds: float, initializer: Callable[[], None] | None = None) -> None:
        """`initializer` runs once in each new worker, before and outside any render's time limit."""
        self.max_renders = max_renders
        self.timeout_seconds = timeout_seconds
        self._initializer = initializer
        self._slots = threading.BoundedSemaphore(max_renders)
        self._lock = threading.Lock()
        self._pool: ProcessPool | None = None

    def _workers(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                # One worker per slot: an accepted render starts at once, so its time limit is its own.
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPool(max_workers=self.max_renders, initializer=self._initializer, context=context)
            return self._pool

    def _take_slot(self) -> None:
        if not self._slots.acquire(blocking=False):
            raise RenderBusy(f"{self.max_renders} wall maps are being drawn already")

    @contextmanager
    def _scheduled(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator["Future[Any]"]:
        """A slot taken and `function(*args)` scheduled in a worker, for the caller to wait on (blocking or awaiting);
        its timeout or crash while waited on becomes RenderTimedOut or RenderCrashed, and the slot is given back."""
        self._take_slot()
        try:
            future = self._workers().schedule(function, args=args, timeout=self.timeout_seconds)
            try:
                yield future
            except FutureTimeout:
                raise RenderTimedOut(f"took longer than {self.timeout_seconds:g} seconds") from None
            except ProcessExpired as died:
                raise RenderCrashed(f"its drawing process stopped unexpectedly (exit code {died.exitcode})") from None
        finally:
            self._slots.release()

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker process; RenderBusy when all slots are taken, RenderTimedOut past the limit."""
        with self._scheduled(function, args) as future:
            result: T = future.result()
            return result

    async def run_async(self, function: Callable[..., T], *args: Any) -> T:
        """Like `run`, awaiting the worker without blocking the event loop (nor a thread of its executor)."""
        with self._scheduled(function, args) as future:
            result: T = await asyncio.wrap_future(future)
            return result

    def close(self) -> None:
        """Stop the workers (killing any render still running) and wait for them to exit."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]  # pebble's stop() has no annotations
            pool.join(timeout=10)
