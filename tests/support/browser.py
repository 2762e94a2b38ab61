"""What the browser tests share: Debian's Chromium driven by Playwright, with no network.

The fixtures `browser`, `page` and `api` are imported by name by each browser test module (as
`world` is from editing_support.py), which supplies its own `base_url`: a real server on the
database it needs (`serve_app`, or `serve_world` for a database of its own). The page fails its
test on any request leaving 127.0.0.1, any script or console error, failed local request,
Content-Security-Policy violation or dialog, the same for every module. Without Playwright,
importing this module skips the importing test module.
"""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.main import create_app
from tests.support.editing import PASSWORD, EditWorld, new_feature

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS = "<img src=x onerror=alert(1)>"

# A browser test module's `pytestmark`: without the browser there is nothing to test.
needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian's chromium is missing: run scripts/ensure-chromium.sh"
)


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_app(app: FastAPI, start_timeout: float = 20) -> Iterator[str]:
    """Serve `app` on a free local port until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_world(world: EditWorld) -> Iterator[str]:
    """A real server on a world's own database (for tests that write), tiles off: a browser
    test must have nothing to fetch from the internet."""
    settings = world.client.app.state.settings.with_changes(tiles="none")
    with serve_app(create_app(settings)) as url:
        yield url


# --- the browser and the watched page --------------------------------------------------------


@dataclass
class Problems:
    """What went wrong in the page while a test ran; asserted empty when the test ends."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    expected_404: bool = False  # the 404-page test: the browser logs the document's own 404


def _block_the_internet(pg: Any, problems: Problems) -> None:
    """Abort *and record* every request not to 127.0.0.1, so a page reaching for a CDN fails."""

    def route(r: Any) -> None:
        if r.request.url.startswith(("http://127.0.0.1", "data:")):
            r.continue_()
        else:
            problems.blocked.append(r.request.url)
            r.abort()

    pg.route("**/*", route)


def _record_csp_violations(pg: Any, problems: Problems) -> None:
    """Content-Security-Policy: every violation the page reports (a blocked inline script or style, a
    blocked image or connection) is a failure, whether or not the browser also logs it to the console."""
    pg.expose_function("__pmCspViolation", lambda text: problems.csp_violations.append(text))
    pg.add_init_script(
        """document.addEventListener('securitypolicyviolation', e => window.__pmCspViolation(
             `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"""
    )


def _record_errors(pg: Any, base_url: str, problems: Problems) -> None:
    """Script errors, console errors, failed local requests and dialogs, as they happen."""

    def on_console(msg: Any) -> None:
        if problems.expected_404 and "status of 404" in msg.text:
            return
        if msg.type == "error":
            problems.console_errors.append(msg.text)

    def on_failed(req: Any) -> None:
        # ERR_ABORTED is the browser dropping a request itself: the test navigated away while a read or a
        # font was still loading (under a loaded machine, often). A request that really failed ends with
        # another error (refused, reset, …), and an HTTP error is caught by its status below.
        if req.failure == "net::ERR_ABORTED":
            return
        problems.failed_local.append(f"{req.url}: {req.failure}")

    def on_response(res: Any) -> None:
        if res.url.startswith(base_url) and res.status >= 400 and "/towns/no-such-town" not in res.url:
            problems.failed_local.append(f"{res.url}: HTTP {res.status}")

    def on_dialog(dialog: Any) -> None:
        problems.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("pageerror", lambda err: problems.page_errors.append(str(err)))
    pg.on("console", on_console)
    pg.on("requestfailed", on_failed)
    pg.on("response", on_response)
    pg.on("dialog", on_dialog)


def assert_no_problems(problems: Problems) -> None:
    assert problems.blocked == [], f"the page tried to reach the internet: {problems.blocked}"
    assert problems.page_errors == [], problems.page_errors
    assert problems.console_errors == [], problems.console_errors
    assert problems.failed_local == [], problems.failed_local
    assert problems.dialogs == [], f"a dialog opened (script injection?): {problems.dialogs}"
    assert problems.csp_violations == [], f"Content-Security-Policy violations: {problems.csp_violations}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page (its own context: no cookies shared between tests) whose `page.problems` must
    be empty when the test ends; a test that provokes one on purpose removes it from there."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    problems = Problems()
    _block_the_internet(pg, problems)
    _record_csp_violations(pg, problems)
    _record_errors(pg, base_url, problems)
    pg.problems = problems
    yield pg
    context.close()
    assert_no_problems(problems)


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    """The module's server, read (and written) over HTTP as the page's own scripts do."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def open_page(page: Any, url: str) -> Any:
    response = page.goto(url)
    page.wait_for_selector("html[data-pm-ready='1']", timeout=20_000)
    return response


def shot(page: Any, name: str) -> None:
    """A screenshot in tests/artifacts/ (gitignored), for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let marker animations settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def drawn(page: Any) -> dict[str, Any]:
    """What the map shows: the script's own count, and the count read off the DOM.

    In the DOM a project is either a marker of its own or part of a cluster whose icon says
    how many it holds; lines and areas are SVG paths with a class per status.
    """
    result: dict[str, Any] = page.evaluate(
        """() => {
          const pane = document.querySelector('.leaflet-marker-pane');
          const singles = pane.querySelectorAll('.pm-icon .pm-pin').length;
          const clustered = [...pane.querySelectorAll('.pm-cluster-count')]
            .reduce((n, el) => n + parseInt(el.textContent, 10), 0);
          const shapes = {};
          document.querySelectorAll('.leaflet-overlay-pane path.pm-shape').forEach(p => {
            const st = [...p.classList].find(c => c.startsWith('pm-status-')).slice(10);
            shapes[st] = (shapes[st] || 0) + 1;
          });
          return {js: planmap.current.visibleCounts(), domMarkers: singles + clustered, shapes};
        }"""
    )
    return result


# --- staff on a world's server ---------------------------------------------------------------


def bearer(api: httpx.Client, username: str) -> dict[str, str]:
    token = api.post("/api/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def create_project(api: httpx.Client, slug: str, **props: Any) -> dict[str, Any]:
    """A fresh project in Xingzi (as a planner), known to about a kilometre, so its page zooms to it."""
    feature = new_feature(slug, location_precision="approximate", **props)
    response = api.post("/api/projects", json=feature, headers=bearer(api, "planner"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def log_in(page: Any, base_url: str, username: str, next_path: str) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base_url}/login?next={quote(next_path)}")
    page.fill("#pm-login-username", username)
    page.fill("#pm-login-password", PASSWORD)
    page.click("#pm-login-submit")
    page.wait_for_selector("#pm-user")


def save_and_reload(page: Any) -> None:
    """Save the edit; the page reloads on the saved version and says so."""
    with page.expect_navigation():
        page.click("#pm-edit-save")
    page.wait_for_selector("html[data-pm-ready='1'] #pm-edit-notice")


# --- a phone ----------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    """Like `page`, on a 390×844 touch screen (a common phone), watched for the same problems."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    pg = context.new_page()
    problems = Problems()
    _block_the_internet(pg, problems)
    _record_csp_violations(pg, problems)
    _record_errors(pg, base_url, problems)
    pg.problems = problems
    yield pg
    context.close()
    assert_no_problems(problems)
