"""Editing through the API: who may write what, no lost updates, and a faithful history."""

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.catalog.seed import seed
from tests.conftest import GEODATA, serve
from tests.support.editing import PASSWORD, EditWorld, etag_of, new_feature

_ids = itertools.count()
LIANZHOU_POINT = [112.3712, 24.78186]


def _fresh_project(world: EditWorld, deleted: bool = False) -> str:
    slug = f"matrix-project-{next(_ids)}"
    planner = world.auth("planner")
    created = world.client.post("/api/projects", json=new_feature(slug), headers=planner)
    assert created.status_code == 201, created.text
    if deleted:
        gone = world.client.delete(f"/api/projects/{slug}", headers={**planner, "If-Match": created.headers["etag"]})
        assert gone.status_code == 200, gone.text
    return slug


def _act(world: EditWorld, action: str, slug: str, user: str | None) -> httpx.Response:
    headers = world.auth(user)
    if action == "create":
        return world.client.post("/api/projects", json=new_feature(slug), headers=headers)
    if action == "restore":
        with world.engine.connect() as conn:
            version = conn.execute(text("SELECT version FROM projects WHERE slug = :s"), {"s": slug}).scalar_one()
        return world.client.post(f"/api/projects/{slug}/restore", headers={**headers, "If-Match": f'"v{version}"'})
    headers["If-Match"] = etag_of(world.client, slug)
    if action == "patch":
        return world.client.patch(f"/api/projects/{slug}", json={"properties": {"name_en": "Renamed"}}, headers=headers)
    if action == "status":
        body = {"status": "under_construction", "date": "2023-06-15", "note": "works began"}
        return world.client.post(f"/api/projects/{slug}/status", json=body, headers=headers)
    if action == "delete":
        return world.client.delete(f"/api/projects/{slug}", headers=headers)
    raise AssertionError(action)


# The project is in Xingzi: official_xingzi is its own town's official, official_lianzhou another town's.
EXPECTED = {
    "create": {"admin": 201, "planner": 201, "official_xingzi": 201, "official_lianzhou": 403, None: 401},
    "patch": {"admin": 200, "planner": 200, "official_xingzi": 200, "official_lianzhou": 403, None: 401},
    "status": {"admin": 200, "planner": 200, "official_xingzi": 200, "official_lianzhou": 403, None: 401},
    "delete": {"admin": 200, "planner": 200, "official_xingzi": 403, "official_lianzhou": 403, None: 401},
    "restore": {"admin": 200, "planner": 200, "official_xingzi": 403, "official_lianzhou": 403, None: 401},
}
CASES = [(action, user, code) for action, by_user in EXPECTED.items() for user, code in by_user.items()]


@pytest.mark.parametrize(("action", "user", "expected"), CASES, ids=[f"{a}-{u or 'anonymous'}" for a, u, _ in CASES])
def test_permission_matrix(world: EditWorld, action: str, user: str | None, expected: int) -> None:
    slug = f"created-{next(_ids)}" if action == "create" else _fresh_project(world, deleted=action == "restore")
    before = world.snapshot(slug)
    response = _act(world, action, slug, user)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert world.snapshot(slug) == before
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert world.snapshot(slug) != before


def test_disabled_users_and_logged_out_tokens_stop_working_at_once(world: EditWorld) -> None:
    refused = world.client.post("/api/auth/token", data={"username": "official_gone", "password": PASSWORD})
    unknown = world.client.post("/api/auth/token", data={"username": "nobody", "password": PASSWORD})
    assert refused.status_code == unknown.status_code == 401
    assert refused.json() == unknown.json()  # no hint which usernames exist

    token = world.token("official_xingzi")
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/auth/me", headers=headers).json()["towns"] == ["xingzi"]
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE username = 'official_xingzi'"))
    try:
        assert world.client.get("/api/auth/me", headers=headers).status_code == 401
    finally:
        with world.engine.begin() as conn:
            conn.execute(text("UPDATE users SET is_active = true WHERE username = 'official_xingzi'"))

    token = world.token("planner")
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.post("/api/auth/logout", headers=headers).status_code == 204
    assert world.client.get("/api/auth/me", headers=headers).status_code == 401


def test_writes_need_if_match_and_a_fresh_one(world: EditWorld) -> None:
    slug = _fresh_project(world)
    headers = world.auth("planner")
    body = {"properties": {"name_en": "Changed"}}
    missing = world.client.patch(f"/api/projects/{slug}", json=body, headers=headers)
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    old = etag_of(world.client, slug)
    first = world.client.patch(f"/api/projects/{slug}", json=body, headers={**headers, "If-Match": old})
    assert first.status_code == 200 and first.headers["etag"] != old
    before = world.snapshot(slug)
    stale = world.client.patch(
        f"/api/projects/{slug}", json={"properties": {"name_en": "Mine"}}, headers={**headers, "If-Match": old}
    )
    assert stale.status_code == 412
    detail = stale.json()["detail"]
    assert detail["current_version"] == 2
    assert [c["changes"]["name_en"]["new"] for c in detail["changes_since"]] == ["Changed"]
    assert world.snapshot(slug) == before


def test_concurrent_patches_with_one_etag_exactly_one_wins(world: EditWorld) -> None:
    slug = _fresh_project(world)
    with serve(world.url) as url, httpx.Client(base_url=url) as http:
        token = http.post("/api/auth/token", data={"username": "planner", "password": PASSWORD}).json()["access_token"]
        tag = etag_of(http, slug)

        def patch(n: int) -> int:
            with httpx.Client(base_url=url, timeout=30) as own:
                response = own.patch(
                    f"/api/projects/{slug}",
                    json={"properties": {"name_en": f"Editor {n}"}},
                    headers={"Authorization": f"Bearer {token}", "If-Match": tag},
                )
                return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = sorted(pool.map(patch, range(8)))
    assert codes == [200] + [412] * 7
    with world.engine.connect() as conn:
        updates = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE object_key = :s AND action = 'update'"), {"s": slug}
        ).scalar_one()
    assert updates == 1


def test_history_lists_edits_in_order_with_old_and_new_values(world: EditWorld) -> None:
    slug = _fresh_project(world)
    planner, official = world.auth("planner"), world.auth("official_xingzi")
    moved = {"type": "Point", "coordinates": [112.56, 25.01]}

    def patch(headers: dict[str, str], body: dict[str, Any]) -> None:
        response = world.client.patch(
            f"/api/projects/{slug}", json=body, headers={**headers, "If-Match": etag_of(world.client, slug)}
        )
        assert response.status_code == 200, response.text

    patch(official, {"geometry": moved, "note": "moved to the real site"})
    patch(planner, {"properties": {"name_en": "Xingzi Health Centre"}})
    patch(official, {"properties": {"location_precision": "surveyed", "location_note": "Surveyed by GPS on site."}})

    history = world.client.get(f"/api/projects/{slug}/history").json()
    assert [(h["action"], h["actor"], h["version"]) for h in history] == [
        ("create", "planner", 1),
        ("update", "official_xingzi", 2),
        ("update", "planner", 3),
        ("update", "official_xingzi", 4),
    ]
    first_move = history[1]["changes"]
    assert first_move["geometry"] == {"old": {"type": "Point", "coordinates": [112.55, 25]}, "new": moved}
    # Moving a town-seat placeholder makes it approximate; only an explicit edit makes it surveyed.
    assert first_move["location_precision"] == {"old": "town", "new": "approximate"}
    assert history[1]["note"] == "moved to the real site"
    assert history[2]["changes"] == {"name_en": {"old": "Test health centre", "new": "Xingzi Health Centre"}}
    assert history[3]["changes"]["location_precision"] == {"old": "approximate", "new": "surveyed"}


def test_an_official_cannot_move_a_project_out_of_their_towns(world: EditWorld) -> None:
    slug = _fresh_project(world)
    before = world.snapshot(slug)
    response = world.client.patch(
        f"/api/projects/{slug}",
        json={"geometry": {"type": "Point", "coordinates": LIANZHOU_POINT}},
        headers={**world.auth("official_xingzi"), "If-Match": etag_of(world.client, slug)},
    )
    assert response.status_code == 403 and "lianzhou" in response.json()["detail"]
    assert world.snapshot(slug) == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"properties": {"status": "finished"}}, "status"),
        ({"properties": {"colour": "red"}}, "colour"),
        ({"properties": {"source_quote": "修建太空电梯"}}, "verbatim"),
        ({"geometry": {"type": "Point", "coordinates": [113.5, 23.1]}}, "outside Lianzhou"),
        ({"geometry": {"type": "LineString", "coordinates": [[112.55, 25.0], [112.56, 25.01]]}}, "health"),
        ({"geometry": {"type": "Point", "coordinates": [25.0, 112.55]}}, "longitude"),
    ],
)
def test_invalid_changes_are_422_naming_the_problem_and_change_nothing(
    world: EditWorld, body: dict[str, Any], words: str
) -> None:
    slug = _fresh_project(world)
    before = world.snapshot(slug)
    response = world.client.patch(
        f"/api/projects/{slug}", json=body, headers={**world.auth("planner"), "If-Match": etag_of(world.client, slug)}
    )
    assert response.status_code == 422, response.text
    assert words in response.text
    assert world.snapshot(slug) == before


def test_deleted_projects_disappear_from_reads_and_come_back_on_restore(world: EditWorld) -> None:
    slug = _fresh_project(world, deleted=True)
    assert world.client.get(f"/api/projects/{slug}").status_code == 404
    assert slug not in [
        f["id"] for f in world.client.get("/api/projects", params={"town": "xingzi"}).json()["features"]
    ]
    with world.engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM projects WHERE slug = :s"), {"s": slug}).scalar_one()
    restored = world.client.post(
        f"/api/projects/{slug}/restore", headers={**world.auth("planner"), "If-Match": f'"v{version}"'}
    )
    assert restored.status_code == 200
    assert world.client.get(f"/api/projects/{slug}").status_code == 200


def test_status_changes_are_dated_events(world: EditWorld) -> None:
    slug = _fresh_project(world)
    headers = world.auth("official_xingzi")
    for status, day in (("preparing", "2022-03-01"), ("under_construction", "2023-06-15")):
        response = world.client.post(
            f"/api/projects/{slug}/status",
            json={"status": status, "date": day, "note": f"{status} noted"},
            headers={**headers, "If-Match": etag_of(world.client, slug)},
        )
        assert response.status_code == 200, response.text
    assert response.json()["properties"]["status"] == "under_construction"
    future = world.client.post(
        f"/api/projects/{slug}/status",
        json={"status": "completed", "date": "2999-01-01"},
        headers={**headers, "If-Match": etag_of(world.client, slug)},
    )
    assert future.status_code == 422
    with world.engine.connect() as conn:
        events = conn.execute(
            text(
                """SELECT e.status, e.effective_date::text FROM status_events e JOIN projects p ON p.id = e.project_id
                   WHERE p.slug = :s ORDER BY e.effective_date"""
            ),
            {"s": slug},
        ).all()
    assert [tuple(e) for e in events] == [("preparing", "2022-03-01"), ("under_construction", "2023-06-15")]


def test_the_seed_never_overwrites_an_api_edit(world: EditWorld) -> None:
    slug = "tanling-pumped-storage"
    response = world.client.patch(
        f"/api/projects/{slug}",
        json={"properties": {"status": "under_construction"}},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, slug)},
    )
    assert response.status_code == 200
    result = seed(world.engine, GEODATA)
    assert slug in result.projects.skipped_edited
    assert world.client.get(f"/api/projects/{slug}").json()["properties"]["status"] == "under_construction"


def test_openapi_declares_the_bearer_scheme_and_each_error(world: EditWorld) -> None:
    spec = world.client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["type"] == "oauth2"
    patch = spec["paths"]["/api/projects/{slug}"]["patch"]
    assert {"401", "403", "404", "412", "422", "428"} <= set(patch["responses"])
    assert patch["security"] == [{"OAuth2PasswordBearer": []}]
