"""Failed-login backoff (issue 15, items 7 and 9): guessing is slowed, the owner is not locked out,
and the limits hold across server processes because they live in PostgreSQL."""

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, text

from app.core.db import make_sync_engine
from app.core.settings import REPO_ROOT, Settings
from app.main import create_app
from tests.conftest import stop_server, wait_until_healthy
from tests.support.reliability import PASSWORD, free_port, fresh_database, serve_app

FREE_PER_PAIR, FREE_PER_CLIENT, FREE_PER_ACCOUNT = 3, 6, 8
_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    with fresh_database("planmap_ratelimit") as url:
        yield url


@pytest.fixture(scope="module")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_sync_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(db_url: str) -> Iterator[FastAPI]:
    limits = {
        "db_pool_warm": 1,
        "login_failures_per_user": FREE_PER_PAIR,
        "login_failures_per_client": FREE_PER_CLIENT,
        "login_failures_per_account": FREE_PER_ACCOUNT,
    }
    application = create_app(Settings(database_url=db_url, **limits))
    with TestClient(application):  # runs the lifespan (database engine) once for every client below
        yield application


@pytest.fixture(autouse=True)
def fresh_counters(engine: Engine) -> None:
    """Each test starts with no failures counted and no known clients."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limits"))


def client_at(app: FastAPI, address: str | None = None) -> TestClient:
    return TestClient(app, client=(address or next(_addresses), 50000))


def login(client: TestClient | httpx.Client, username: str, password: str = "wrong password!") -> httpx.Response:
    return client.post("/api/auth/token", data={"username": username, "password": password})


def codes(client: TestClient, username: str, times: int, password: str = "wrong password!") -> list[int]:
    return [login(client, username, password).status_code for _ in range(times)]


def age_counters(engine: Engine, seconds: float, just_now: bool = False) -> None:
    """As if `seconds` had passed since the last counted failure (`just_now`: since now, whenever it was)."""
    start = "now()" if just_now else "last_at"
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE rate_limits SET last_at = {start} - make_interval(secs => :s)"), {"s": seconds})


def test_guesses_at_an_account_do_not_lock_its_owner_out_elsewhere(app: FastAPI) -> None:
    """Issue 15 item 7: ten wrong passwords from anywhere used to lock the owner out for 15 minutes."""
    guesser = client_at(app)
    assert codes(guesser, "admin", FREE_PER_PAIR + 3) == [401] * FREE_PER_PAIR + [429] * 3
    refused = login(guesser, "admin", PASSWORD)
    assert refused.status_code == 429  # the guesser gets no further, not even with the right password
    assert "try again in" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
    assert login(client_at(app), "admin", PASSWORD).status_code == 200  # the owner, at their own desk


def test_a_noisy_neighbour_behind_the_same_address_does_not_lock_out_a_known_client(app: FastAPI) -> None:
    """Issue 15 item 7: thirty failures from one address used to lock out everyone behind it."""
    office = next(_addresses)
    assert login(client_at(app, office), "admin", PASSWORD).status_code == 200  # admin has logged in from here
    sprayer = client_at(app, office)
    sprayed = [login(sprayer, f"user{i}", "Summer2024!!").status_code for i in range(FREE_PER_CLIENT + 3)]
    assert sprayed == [401] * FREE_PER_CLIENT + [429] * 3  # one password on many usernames: stopped
    assert login(client_at(app, office), "admin", PASSWORD).status_code == 200  # the admin still gets in
    assert login(client_at(app, office), "planner", PASSWORD).status_code == 429  # a client planner never used


def test_the_wait_doubles_with_each_failure_and_is_forgotten_after_a_success(app: FastAPI, engine: Engine) -> None:
    client = client_at(app)
    assert codes(client, "planner", FREE_PER_PAIR) == [401] * FREE_PER_PAIR
    waits = []
    for _ in range(4):
        refused = login(client, "planner")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        age_counters(engine, waits[-1])  # wait as told ...
        assert login(client, "planner").status_code == 401  # ... and the next guess is heard (and fails)
    # 5, 10, 20, 40 seconds after each failure began (the password check of the last one took a moment)
    assert all(full - 3 <= wait <= full for wait, full in zip(waits, [5, 10, 20, 40], strict=True)), waits
    age_counters(engine, 900)
    assert login(client, "planner", PASSWORD).status_code == 200
    assert codes(client, "planner", FREE_PER_PAIR) == [401] * FREE_PER_PAIR  # the free failures are back


def test_the_ceiling_per_account_only_slows_and_spares_known_clients(app: FastAPI, engine: Engine) -> None:
    home = next(_addresses)
    assert login(client_at(app, home), "planner", PASSWORD).status_code == 200
    for _ in range(FREE_PER_ACCOUNT // 2):  # a botnet: two guesses from each of many addresses
        assert codes(client_at(app), "planner", 2) == [401, 401]
    # The ceiling's first wait is one second: on a loaded machine the next request may come later than that.
    age_counters(engine, 0, just_now=True)
    slowed = login(client_at(app), "planner", PASSWORD)  # the owner, from a new machine
    assert slowed.status_code == 429 and 1 <= int(slowed.headers["retry-after"]) <= 60  # slowed, never locked
    assert login(client_at(app, home), "planner", PASSWORD).status_code == 200  # and from home not even that


def test_unknown_usernames_are_limited_like_real_ones_and_names_compare_as_logins_do(app: FastAPI) -> None:
    client = client_at(app)
    assert codes(client, "nobody-here", FREE_PER_PAIR + 1) == [401] * FREE_PER_PAIR + [429]  # reveals nothing
    assert codes(client, "planner", FREE_PER_PAIR) == [401] * FREE_PER_PAIR
    assert login(client, " PLANNER ", PASSWORD).status_code == 429


def test_the_table_keeps_no_username_or_address(app: FastAPI, engine: Engine) -> None:
    address = next(_addresses)
    codes(client_at(app, address), "planner", 2)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key FROM rate_limits")).scalars().all()
    assert rows and not [key for key in rows if "planner" in key or address in key]


def test_login_and_feedback_limits_hold_across_two_server_processes(tmp_path: Path) -> None:
    """Issue 15 item 9: a second process used to accept ten more guesses. Two uvicorn processes, one database."""
    limits = {"PLANMAP_LOGIN_FAILURES_PER_USER": "3", "PLANMAP_FEEDBACK_PER_HOUR": "3", "PLANMAP_DB_POOL_WARM": "1"}
    with (
        fresh_database("planmap_twoproc") as url,
        serve_app(url, tmp_path / "a.log", **limits) as first,
        serve_app(url, tmp_path / "b.log", **limits) as second,
        httpx.Client(base_url=first) as a,
        httpx.Client(base_url=second) as b,
    ):
        # Failed logins alternate between the processes: the count is shared.
        assert [login(c, "planner").status_code for c in (a, b, a)] == [401, 401, 401]
        assert [login(c, "planner").status_code for c in (b, a, b)] == [429, 429, 429]
        assert login(b, "planner", PASSWORD).status_code == 429

        # Twelve guesses at once, six to each process: exactly the free ones are checked.
        def guess(index: int) -> int:
            return login(a if index % 2 else b, "admin").status_code

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(guess, range(12)))
        assert sorted(results) == [401] * 3 + [429] * 9, results

        # Feedback, three an hour per client, alternating between the processes.
        def feedback(client: httpx.Client) -> int:
            return client.post("/api/projects/tanling-pumped-storage/feedback", json={"text": "路面已铺好"}).status_code

        assert [feedback(c) for c in (a, b, a)] == [201, 201, 201]
        refused = b.post("/api/projects/tanling-pumped-storage/feedback", json={"text": "又一条"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 3500
        assert feedback(a) == 429


@contextmanager
def planmap_serve(database_url: str, log_path: Path, **env: str) -> Iterator[str]:
    """`planmap serve` itself (as the Dockerfile runs it), so its uvicorn options are what is tested."""
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            env={**os.environ, "DATABASE_URL": database_url, "PLANMAP_DB_POOL_WARM": "1", **env},
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, server, lambda: f":\n{log_path.read_text()[-3000:]}")
            yield url
        finally:
            stop_server(server)


def test_forwarded_headers_count_only_from_configured_proxies(tmp_path: Path) -> None:
    """Issue 15 item 6: rotating X-Forwarded-For used to make every request a new client."""
    limits = {"PLANMAP_LOGIN_FAILURES_PER_USER": "2", "PLANMAP_FEEDBACK_PER_HOUR": "2"}
    rotating = (f"203.0.113.{i}" for i in itertools.count(1))

    def attempts(url: str) -> tuple[list[int], list[int]]:
        with httpx.Client(base_url=url) as client:
            logins = [
                client.post(
                    "/api/auth/token",
                    data={"username": "planner", "password": "wrong password!"},
                    headers={"X-Forwarded-For": next(rotating)},
                ).status_code
                for _ in range(3)
            ]
            messages = [
                client.post(
                    "/api/projects/tanling-pumped-storage/feedback",
                    json={"text": "路面已铺好"},
                    headers={"X-Forwarded-For": next(rotating)},
                ).status_code
                for _ in range(3)
            ]
        return logins, messages

    with fresh_database("planmap_proxies") as url:
        with planmap_serve(url, tmp_path / "direct.log", **limits) as direct:  # no PLANMAP_TRUSTED_PROXIES
            assert attempts(direct) == ([401, 401, 429], [201, 201, 429])  # the header changed nothing
        with engine_for(url) as eng, eng.begin() as conn:
            conn.execute(text("DELETE FROM rate_limits"))
        trusted = {**limits, "PLANMAP_TRUSTED_PROXIES": "127.0.0.1"}  # behind nginx on this machine
        with planmap_serve(url, tmp_path / "proxied.log", **trusted) as proxied:
            assert attempts(proxied) == ([401, 401, 401], [201, 201, 201])  # each forwarded address is its own


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    eng = make_sync_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=" 127.0.0.1, 10.0.0.0/8 ").trusted_proxies == "127.0.0.1,10.0.0.0/8"
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies="*")  # would let any client name itself anything
