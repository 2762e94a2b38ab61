"""The site's login session: cookie flags, CSRF on every cookie-authenticated write, logout, and what pages show."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.auth.csrf import SESSION_COOKIE, csrf_token_for, safe_next
from tests.support.editing import PASSWORD, EditWorld, etag_of

PROJECT = "tanling-pumped-storage"  # in Xingzi


def browser(world: EditWorld, base_url: str = "http://testserver") -> TestClient:
    """A fresh client with its own cookie jar, as a separate browser would be."""
    return TestClient(world.client.app, base_url=base_url, follow_redirects=False)


def log_in(client: TestClient, username: str, next_url: str = "/") -> Any:
    return client.post("/login", data={"username": username, "password": PASSWORD, "next": next_url})


def csrf_of(client: TestClient, path: str = "/") -> str:
    match = re.search(r'<meta name="pm-csrf" content="([0-9a-f]{64})">', client.get(path).text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_login_sets_an_httponly_strict_cookie_secure_over_https(world: EditWorld) -> None:
    plain = log_in(browser(world), "official_xingzi", "/projects/" + PROJECT)
    assert plain.status_code == 303 and plain.headers["location"] == "/projects/" + PROJECT
    cookie = plain.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    for flag in ("HttpOnly", "Path=/", "SameSite=strict", "Max-Age="):
        assert flag in cookie, cookie
    assert "Secure" not in cookie
    secure = log_in(browser(world, "https://testserver"), "official_xingzi")
    assert "Secure" in secure.headers["set-cookie"]


def test_login_errors_do_not_say_whether_the_user_exists(world: EditWorld) -> None:
    answers = []
    for username, password in (("planner", "wrong password!"), ("nobody-here", PASSWORD), ("official_gone", PASSWORD)):
        response = browser(world).post("/login", data={"username": username, "password": password})
        assert response.status_code == 401
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
        answers.append(response.text.replace(username, "USER"))
    assert answers[0] == answers[1] == answers[2]
    assert "用户名或密码错误" in answers[0]


def test_login_from_another_site_and_open_redirects_are_refused(world: EditWorld) -> None:
    client = browser(world)
    forged = client.post(
        "/login", data={"username": "planner", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403 and SESSION_COOKIE not in forged.headers.get("set-cookie", "")
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)"):
        assert safe_next(target) == "/"
        assert log_in(browser(world), "planner", target).headers["location"] == "/"


def test_cookie_patch_without_the_csrf_token_is_403_and_changes_nothing(world: EditWorld) -> None:
    client = browser(world)
    log_in(client, "official_xingzi")
    before = world.snapshot(PROJECT)
    body = {"properties": {"name_en": "Forged name"}}
    headers = {"If-Match": etag_of(client, PROJECT)}
    missing = client.patch(f"/api/projects/{PROJECT}", json=body, headers=headers)
    assert missing.status_code == 403, missing.text
    assert "CSRF" in missing.json()["detail"]
    wrong = client.patch(f"/api/projects/{PROJECT}", json=body, headers={**headers, "X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    other_session = client.patch(
        f"/api/projects/{PROJECT}", json=body, headers={**headers, "X-CSRF-Token": csrf_token_for("another-session")}
    )
    assert other_session.status_code == 403
    assert world.snapshot(PROJECT) == before
    # the same request with the page's token goes through
    ok = client.patch(f"/api/projects/{PROJECT}", json=body, headers={**headers, "X-CSRF-Token": csrf_of(client)})
    assert ok.status_code == 200, ok.text
    assert world.snapshot(PROJECT) != before
    with world.engine.connect() as conn:
        actor = conn.execute(
            text("SELECT actor FROM audit_log WHERE object_key = :s ORDER BY id DESC LIMIT 1"), {"s": PROJECT}
        ).scalar_one()
    assert actor == "official_xingzi"


def test_cookie_reads_need_no_csrf_and_bearer_writes_need_no_cookie(world: EditWorld) -> None:
    client = browser(world)
    log_in(client, "planner")
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["role"] == "planner"
    bearer = world.client.patch(
        f"/api/projects/{PROJECT}",
        json={"properties": {"location_note": "Checked from the API."}},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, PROJECT)},
    )
    assert bearer.status_code == 200, bearer.text


def test_officials_of_other_towns_and_the_public_get_no_edit_controls(world: EditWorld) -> None:
    public = browser(world).get(f"/projects/{PROJECT}").text
    assert 'id="pm-edit-start"' not in public and "leaflet-geoman" not in public
    assert 'id="pm-login-link"' in public and 'name="pm-csrf"' not in public
    other = browser(world)
    log_in(other, "official_lianzhou")
    page = other.get(f"/projects/{PROJECT}").text
    assert 'id="pm-edit-start"' not in page and "leaflet-geoman" not in page
    assert "official_lianzhou" in page  # still logged in and named
    own = browser(world)
    log_in(own, "official_xingzi")
    page = own.get(f"/projects/{PROJECT}").text
    assert 'id="pm-edit-start"' in page and "leaflet-geoman.min.js" in page


def test_every_page_names_the_logged_in_user_and_role_and_is_not_cached(world: EditWorld) -> None:
    client = browser(world)
    log_in(client, "official_xingzi")
    for path in ("/", "/towns/xingzi", f"/projects/{PROJECT}", "/near", "/dashboard", "/moderation", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "official_xingzi" in response.text and "镇街工作人员" in response.text, path
        assert response.headers["cache-control"] == "private, no-store", path
    english = client.get("/?lang=en").text
    assert "Logged in as official_xingzi (town official)" in english
    assert "cache-control" not in {k.lower() for k in browser(world).get("/").headers}


def test_moderation_page_needs_a_login(world: EditWorld) -> None:
    response = browser(world).get("/moderation?lang=en")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/moderation")


def test_logout_needs_the_csrf_token_and_revokes_the_session(world: EditWorld) -> None:
    client = browser(world)
    log_in(client, "planner")
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert client.get("/api/auth/me").status_code == 200
    stolen = client.cookies.get(SESSION_COOKIE)
    out = client.post("/logout", data={"csrf_token": token, "next": "/near"})
    assert out.status_code == 303 and out.headers["location"] == "/near"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    replay = browser(world)
    replay.cookies.set(SESSION_COOKIE, stolen or "")
    assert replay.get("/api/auth/me").status_code == 401  # the token itself is revoked, not just forgotten
    assert 'id="pm-login-link"' in replay.get("/").text


def test_api_logout_works_for_a_cookie_session_too(world: EditWorld) -> None:
    client = browser(world)
    log_in(client, "planner")
    assert client.post("/api/auth/logout").status_code == 403  # a cookie write without CSRF
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf_of(client)}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_the_login_form_is_rate_limited_like_the_token_endpoint(world: EditWorld) -> None:
    limit = world.client.app.state.settings.login_failures_per_user
    client = browser(world)
    for _ in range(limit):
        assert client.post("/login", data={"username": "admin", "password": "not the password"}).status_code == 401
    blocked = log_in(client, "admin")  # even the right password, once blocked
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "登录失败次数过多" in blocked.text and SESSION_COOKIE not in blocked.headers.get("set-cookie", "")
