"""Login rate limiting: failed logins counted per username and per client address, 429 past the limit.

Memory-backed, per worker process, on purpose:
- a check costs microseconds and no database round trip, and a refused attempt is refused
  *before* the Argon2 verification, so a flood of guesses cannot burn the CPU or fill a table;
- a database-backed counter would turn each guess into a write (an attacker's flood becomes
  write load on the database everyone else needs) and needs a schema change;
- the price: with N workers an attacker gets up to N times the limit, and a restart forgets
  the counts. At the defaults (10 failures per username and 30 per address in 15 minutes) that
  is still far too slow to guess an Argon2-hashed password of at least 10 characters.

Only *failures* count, so staff who log in often are never slowed down; a success clears its
username's count. Per username, because guessing one account's password from many addresses
must stop; per address, because trying one password against many usernames must stop too.
The username count is kept whether or not the username exists, so a 429 reveals nothing about
which accounts exist.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status

MAX_TRACKED_KEYS = 100_000  # memory bound: at most this many usernames/addresses remembered


@dataclass
class SlidingWindow:
    """Failures per key within the last `window` seconds (timestamps kept, oldest first)."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _events: dict[str, deque[float]] = field(default_factory=dict)

    def _prune(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def retry_after(self, key: str) -> int | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        now = self.clock()
        events = self._prune(key, now)
        if len(events) < self.limit:
            return None
        return max(1, math.ceil(events[0] + self.window - now))

    def add(self, key: str) -> None:
        now = self.clock()
        if key not in self._events and len(self._events) >= MAX_TRACKED_KEYS:
            self._events.pop(next(iter(self._events)))  # forget the oldest key rather than grow without bound
        self._events.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


class LoginRateLimiter:
    """Per-username and per-address failure windows; thread-safe (logins may run in worker threads)."""

    def __init__(self, per_user: int, per_client: int, window_seconds: float) -> None:
        self.users = SlidingWindow(per_user, window_seconds)
        self.clients = SlidingWindow(per_client, window_seconds)
        self._lock = threading.Lock()

    @staticmethod
    def _user_key(username: str) -> str:
        return username.strip().lower()[:200]

    def retry_after(self, username: str, client: str) -> int | None:
        """None when a login attempt may proceed; else the seconds to wait (for Retry-After)."""
        with self._lock:
            waits = [self.users.retry_after(self._user_key(username)), self.clients.retry_after(client)]
        blocked = [w for w in waits if w is not None]
        return max(blocked) if blocked else None

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            self.users.add(self._user_key(username))
            self.clients.add(client)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self.users.clear(self._user_key(username))


def _limiter_and_client(request: Request) -> tuple[LoginRateLimiter | None, str]:
    limiter = getattr(request.app.state, "login_limiter", None)
    client = request.client.host if request.client else "unknown"
    return limiter, client


def check_login_allowed(request: Request, username: str) -> None:
    """Raise 429 with Retry-After when this username or this client has failed too often.

    Call it before checking the password, for every login form of the app (API token, site login).
    """
    limiter, client = _limiter_and_client(request)
    if limiter is None:
        return
    wait = limiter.retry_after(username, client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed logins; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


def record_login(request: Request, username: str, ok: bool) -> None:
    """Count a failure (or clear the username's count after a success)."""
    limiter, client = _limiter_and_client(request)
    if limiter is None:
        return
    if ok:
        limiter.succeeded(username)
    else:
        limiter.failed(username, client)
