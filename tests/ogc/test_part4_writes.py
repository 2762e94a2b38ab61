"""OGC API – Features Part 4 through /ogc: who may create, replace, update and delete, If-Match, history, review.

The editing service is /api's (tests/editing prove its rules in depth); these tests prove that a
GIS client writing through the OGC routes meets the same rules and answers, and that a sensitive
site stays generalized for everyone the public page would show it generalized to.
"""

import itertools
import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.auth.accounts import add_user
from app.editing.proposals import set_town_review
from tests.support.editing import PASSWORD, XINGZI_SEAT, EditWorld, new_feature

ITEMS = "/ogc/collections/projects/items"
GEOJSON = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
DEPARTMENT = "ogc-test-ju"
# Inside Xingzi, away from its seat: where a sensitive site really is (the public sees the seat).
PRECISE = [112.5321, 25.0187]
_ids = itertools.count()
_tokens: dict[str, str] = {}


def auth(world: EditWorld, user: str | None) -> dict[str, str]:
    """A bearer header, one token per user for the module (a login hashes a password: slow on purpose)."""
    if user is None:
        return {}
    if user not in _tokens:
        _tokens[user] = world.token(user)
    return {"Authorization": f"Bearer {_tokens[user]}"}


@pytest.fixture(scope="module")
def ogc_world(world: EditWorld) -> Iterator[EditWorld]:
    """The editing world with a department and its official (the plan names no departments: a fixture)."""
    body = {"slug": DEPARTMENT, "name_zh": "测试局", "name_en": "Test bureau", "source": "test fixture"}
    assert world.client.post("/api/units", json=body, headers=auth(world, "planner")).status_code == 201
    with world.engine.begin() as conn:
        add_user(conn, "official_dept", PASSWORD, "official", "测试局", [], "test", [DEPARTMENT])
    yield world


def _project(world: EditWorld, coordinates: list[float] | None = None, **props: Any) -> str:
    """A fresh project in Xingzi, led by the test department, made by a planner through /api."""
    slug = f"ogc-part4-{next(_ids)}"
    planner = auth(world, "planner")
    created = world.client.post("/api/projects", json=new_feature(slug, coordinates, **props), headers=planner)
    assert created.status_code == 201, created.text
    units = world.client.put(f"/api/projects/{slug}/units", json={"lead": DEPARTMENT, "others": []}, headers=planner)
    assert units.status_code == 200, units.text
    return slug


def _read(world: EditWorld, slug: str, user: str | None = "planner") -> httpx.Response:
    response = world.client.get(f"{ITEMS}/{slug}", headers=auth(world, user))
    assert response.status_code == 200, response.text
    return response  # type: ignore[return-value]


def _write(world: EditWorld, action: str, slug: str, user: str | None, if_match: str | None = "read") -> httpx.Response:
    """One OGC write, as a GIS makes it: the feature read, changed, sent back with the ETag read."""
    headers = auth(world, user)
    if action == "create":
        body = orjson.dumps(new_feature(slug))
        return world.client.post(ITEMS, content=body, headers={**headers, **GEOJSON})  # type: ignore[return-value]
    read = _read(world, slug)
    if if_match == "read":
        headers["If-Match"] = read.headers["etag"]
    elif if_match is not None:
        headers["If-Match"] = if_match
    url = f"{ITEMS}/{slug}"
    if action == "replace":
        feature = read.json()
        feature["properties"]["name_en"] = "Replaced through OGC"
        return world.client.put(url, content=orjson.dumps(feature), headers={**headers, **GEOJSON})  # type: ignore[return-value]
    if action == "update":
        patch = {"properties": {"name_en": "Updated through OGC"}}
        return world.client.patch(url, content=orjson.dumps(patch), headers={**headers, **MERGE})  # type: ignore[return-value]
    if action == "delete":
        return world.client.delete(url, headers=headers)  # type: ignore[return-value]
    raise AssertionError(action)


def _history(world: EditWorld, slug: str) -> list[dict[str, Any]]:
    response = world.client.get(f"/api/projects/{slug}/history", headers=auth(world, "planner"))
    assert response.status_code == 200, response.text
    return list(response.json())


def _audited(world: EditWorld, slug: str) -> list[tuple[str, str]]:
    with world.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE object_type = 'project' AND object_key = :s ORDER BY id"),
            {"s": slug},
        )
        return [(r.action, r.actor) for r in rows]


# The project lies in Xingzi and its lead unit is the test department: official_xingzi is its own town's
# official, official_lianzhou another town's, official_dept its department's (departments act on their
# projects wherever they lie, but create nothing in a town they do not have); deleting is for planners.
EXPECTED = {
    "create": {None: 401, "official_lianzhou": 403, "official_xingzi": 201, "official_dept": 403, "planner": 201},
    "replace": {None: 401, "official_lianzhou": 403, "official_xingzi": 200, "official_dept": 200, "planner": 200},
    "update": {None: 401, "official_lianzhou": 403, "official_xingzi": 200, "official_dept": 200, "planner": 200},
    "delete": {None: 401, "official_lianzhou": 403, "official_xingzi": 403, "official_dept": 403, "planner": 204},
}
CASES = [(action, user, code) for action, by_user in EXPECTED.items() for user, code in by_user.items()]
AUDITED = {"create": "create", "replace": "update", "update": "update", "delete": "delete"}


@pytest.mark.parametrize(("action", "user", "expected"), CASES, ids=[f"{a}-{u or 'anonymous'}" for a, u, _ in CASES])
def test_permission_matrix(ogc_world: EditWorld, action: str, user: str | None, expected: int) -> None:
    world = ogc_world
    slug = f"ogc-created-{next(_ids)}" if action == "create" else _project(world)
    before = world.snapshot(slug)
    response = _write(world, action, slug, user)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert world.snapshot(slug) == before, "a refused write stored something"
        if expected == 403 and action != "delete":  # the editing service's refusal, in OGC's exception shape
            assert response.json()["code"] == "Forbidden"
        return
    assert _audited(world, slug)[-1] == (AUDITED[action], user)
    if action == "delete":
        assert world.client.get(f"{ITEMS}/{slug}").status_code == 404
        return
    feature = response.json()
    assert response.headers["etag"] == f'"v{feature["properties"]["version"]}"'
    if action == "create":
        assert response.headers["location"].endswith(f"{ITEMS}/{slug}")
        assert world.client.get(response.headers["location"]).json()["properties"]["name_en"] == "Test health centre"
    else:
        assert world.client.get(f"{ITEMS}/{slug}").json()["properties"]["name_en"].endswith("through OGC")


@pytest.mark.parametrize("action", ["replace", "update", "delete"])
def test_if_match_missing_is_428_stale_is_412_and_neither_stores_anything(ogc_world: EditWorld, action: str) -> None:
    world = ogc_world
    slug = _project(world)
    before = world.snapshot(slug)
    missing = _write(world, action, slug, "planner", if_match=None)
    assert missing.status_code == 428
    description = missing.json()["description"]
    assert "If-Match" in description and f"GET http://testserver{ITEMS}/{slug}" in description
    assert "ETag" in description
    assert world.snapshot(slug) == before

    old = _read(world, slug).headers["etag"]
    moved = _write(world, "update", slug, "planner")
    assert moved.status_code == 200
    current = moved.headers["etag"]
    before = world.snapshot(slug)
    stale = _write(world, action, slug, "planner", if_match=old)
    assert stale.status_code == 412
    assert stale.json()["code"] == "PreconditionFailed" and stale.headers["etag"] == current
    assert world.snapshot(slug) == before

    fresh = _write(world, action, slug, "planner", if_match=current)
    assert fresh.status_code in (200, 204), fresh.text


def test_history_shows_each_ogc_write_with_old_and_new_values(ogc_world: EditWorld) -> None:
    world = ogc_world
    slug = f"ogc-history-{next(_ids)}"
    assert _write(world, "create", slug, "official_xingzi").status_code == 201
    assert _write(world, "update", slug, "official_xingzi").status_code == 200
    assert _write(world, "replace", slug, "official_xingzi").status_code == 200
    entries = _history(world, slug)
    assert [(e["action"], e["actor"]) for e in entries][-3:] == [
        ("create", "official_xingzi"),
        ("update", "official_xingzi"),
        ("update", "official_xingzi"),
    ]
    assert entries[-1]["changes"]["name_en"] == {"old": "Updated through OGC", "new": "Replaced through OGC"}


def test_a_reviewed_town_holds_an_officials_ogc_write_as_a_proposal(ogc_world: EditWorld) -> None:
    world = ogc_world
    slug = _project(world)
    public_before = world.client.get(f"{ITEMS}/{slug}").json()
    with world.engine.begin() as conn:
        set_town_review(conn, "xingzi", True, actor="test")
    try:
        held = _write(world, "update", slug, "official_xingzi")
        assert held.status_code == 202, held.text
        assert held.json()["state"] == "pending" and "geometry" not in held.json()
        assert world.client.get(f"{ITEMS}/{slug}").json() == public_before  # the public sees the approved version
        created = _write(world, "create", f"ogc-held-{next(_ids)}", "official_xingzi")
        assert created.status_code == 202 and "location" not in created.headers
    finally:
        with world.engine.begin() as conn:
            set_town_review(conn, "xingzi", False, actor="test")
    approved = world.client.post(f"/api/proposals/{held.json()['proposal']}/approve", headers=auth(world, "planner"))
    assert approved.status_code == 200, approved.text
    assert world.client.get(f"{ITEMS}/{slug}").json()["properties"]["name_en"] == "Updated through OGC"


def _sensitive(world: EditWorld) -> str:
    slug = _project(world, PRECISE, location_precision="approximate")
    assert _read(world, slug).json()["properties"]["towns"] == ["xingzi"]
    patch = {"properties": {"sensitive": True}}
    tag = _read(world, slug).headers["etag"]
    headers = {**auth(world, "planner"), "If-Match": tag}
    marked = world.client.patch(f"/api/projects/{slug}", json=patch, headers=headers)
    assert marked.status_code == 200, marked.text
    return slug


def _reveals(response: httpx.Response) -> bool:
    return str(PRECISE[0]) in response.text or str(PRECISE[1]) in response.text


def test_a_sensitive_site_stays_generalized_whatever_is_written_through_ogc(ogc_world: EditWorld) -> None:
    world = ogc_world
    slug = _sensitive(world)
    public = world.client.get(f"{ITEMS}/{slug}")
    assert public.json()["geometry"]["coordinates"] == XINGZI_SEAT and not _reveals(public)

    for user, code in ((None, 401), ("official_lianzhou", 403)):
        for action in ("replace", "update", "delete"):
            refused = _write(world, action, slug, user)
            assert refused.status_code == code and not _reveals(refused), (user, action, refused.text)

    # Its own town's official replaces it with the feature as read, `sensitive` left out as a GIS may:
    read = _read(world, slug, "official_xingzi").json()
    read["properties"].pop("sensitive")
    read["properties"]["name_en"] = "Renamed by its town"
    headers = {**auth(world, "official_xingzi"), **GEOJSON, "If-Match": _read(world, slug).headers["etag"]}
    replaced = world.client.put(f"{ITEMS}/{slug}", content=orjson.dumps(read), headers=headers)
    assert replaced.status_code == 200, replaced.text
    after = world.client.get(f"{ITEMS}/{slug}")
    assert after.json()["properties"]["name_en"] == "Renamed by its town"
    assert after.json()["geometry"]["coordinates"] == XINGZI_SEAT and not _reveals(after)
    for layer in ("projects-points", "projects-lines", "projects-areas"):
        assert not _reveals(world.client.get(f"/ogc/collections/{layer}/items", params={"limit": 10000}))
    public_history = world.client.get(f"/api/projects/{slug}/history")
    assert not _reveals(public_history)


def test_a_replace_keeps_what_it_does_not_say_and_refuses_what_it_must_say(ogc_world: EditWorld) -> None:
    world = ogc_world
    slug = _project(world)
    planner = auth(world, "planner")
    tag = _read(world, slug).headers["etag"]
    plan = {"properties": {"planned_start": "2024-03-01", "status_basis": "年度计划"}}
    planned = world.client.patch(f"/api/projects/{slug}", json=plan, headers={**planner, "If-Match": tag})
    assert planned.status_code == 200, planned.text
    # An official (who may not set planned dates) sends back everything read, computed properties included.
    feature = _read(world, slug, "official_xingzi").json()
    assert feature["properties"]["warnings"] is not None and feature["properties"]["planned_start"] == "2024-03-01"
    feature["properties"].pop("status_basis")
    headers = {**auth(world, "official_xingzi"), **GEOJSON, "If-Match": _read(world, slug).headers["etag"]}
    replaced = world.client.put(f"{ITEMS}/{slug}", content=orjson.dumps(feature), headers=headers)
    assert replaced.status_code == 200, replaced.text
    properties = replaced.json()["properties"]
    assert properties["status_basis"] is None  # a catalog property left out is cleared
    assert properties["planned_start"] == "2024-03-01"  # a tracking one keeps its value

    before = world.snapshot(slug)
    feature = _read(world, slug).json()
    del feature["properties"]["name_zh"], feature["properties"]["source_quote"]
    headers["If-Match"] = _read(world, slug).headers["etag"]
    refused = world.client.put(f"{ITEMS}/{slug}", content=orjson.dumps(feature), headers=headers)
    assert refused.status_code == 400
    assert "name_zh" in refused.json()["description"] and "source_quote" in refused.json()["description"]
    assert world.snapshot(slug) == before


def test_a_merge_patch_merges_figures_and_refuses_what_it_cannot_set(ogc_world: EditWorld) -> None:
    world = ogc_world
    slug = _project(world, figures={"beds": 40, "floors": 3})
    headers = {**auth(world, "planner"), **MERGE}

    def patch(document: dict[str, Any]) -> httpx.Response:
        tag = _read(world, slug).headers["etag"]
        url = f"{ITEMS}/{slug}"
        return world.client.patch(url, content=orjson.dumps(document), headers={**headers, "If-Match": tag})  # type: ignore[return-value]

    merged = patch({"properties": {"figures": {"beds": 60, "floors": None, "rooms": 12}}})
    assert merged.status_code == 200, merged.text
    assert merged.json()["properties"]["figures"] == {"beds": 60, "rooms": 12}
    before = world.snapshot(slug)
    for document, named in (
        ({"properties": {"warnings": []}}, "warnings"),
        ({"properties": {"colour": "red"}}, "colour"),
        ({"properties": {"name_zh": None}}, "name_zh"),
        ({"geometry": None}, "geometry"),
        ({"properties": {"category": "spaceport"}}, "category"),
        ({"id": "another-project"}, "another-project"),
    ):
        refused = patch(document)
        assert refused.status_code == 400, (document, refused.text)
        assert refused.json()["code"] == "InvalidParameterValue" and named in refused.json()["description"]
    assert world.snapshot(slug) == before


def test_bad_bodies_are_refused_naming_the_problem(ogc_world: EditWorld) -> None:
    world = ogc_world
    planner = auth(world, "planner")
    slug = f"ogc-bad-{next(_ids)}"
    with world.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM projects")).scalar_one()
    not_json = world.client.post(ITEMS, content=b"{not json", headers={**planner, **GEOJSON})
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["description"]
    form = world.client.post(ITEMS, data={"slug": slug}, headers=planner)
    assert form.status_code == 415 and "application/geo+json" in form.json()["detail"]
    outside = new_feature(slug, [113.9, 22.5])
    refused = world.client.post(ITEMS, content=orjson.dumps(outside), headers={**planner, **GEOJSON})
    assert refused.status_code in (400, 403) and refused.json()["description"]
    taken = new_feature(_project(world))
    conflict = world.client.post(ITEMS, content=orjson.dumps(taken), headers={**planner, **GEOJSON})
    assert conflict.status_code == 409 and "already exists" in conflict.json()["description"]
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM projects")).scalar_one() == count + 1  # only _project's


def test_only_the_projects_collection_is_writable_and_says_so(ogc_world: EditWorld) -> None:
    world = ogc_world
    client, planner = world.client, auth(world, "planner")
    assert client.options(ITEMS).headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.options(f"{ITEMS}/any-id").headers["allow"] == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    slug = _project(world)
    for layer in ("projects-points", "projects-lines", "projects-areas", "towns", "county"):
        assert client.options(f"/ogc/collections/{layer}/items").headers["allow"] == "GET, HEAD, OPTIONS"
        post = client.post(f"/ogc/collections/{layer}/items", json=new_feature("x"), headers=planner)
        put = client.put(f"/ogc/collections/{layer}/items/{slug}", json=new_feature(slug), headers=planner)
        delete = client.delete(f"/ogc/collections/{layer}/items/{slug}", headers=planner)
        assert post.status_code == put.status_code == delete.status_code == 405, layer
        assert post.headers["allow"] == "GET, HEAD, OPTIONS"
    assert world.client.get(f"{ITEMS}/{slug}").status_code == 200

    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update" in conformance
    paths = client.get("/ogc/api").json()["paths"]
    assert set(paths["/collections/projects/items"]) == {"get", "post"}
    assert set(paths["/collections/projects/items/{feature_id}"]) == {"put", "patch", "delete"}
    assert "post" not in paths["/collections/projects-points/items"]
    for method in ("put", "patch", "delete"):
        operation = paths["/collections/projects/items/{feature_id}"][method]
        if_match = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert if_match and if_match[0]["required"] and {"412", "428"} <= set(operation["responses"])
    patch_body = paths["/collections/projects/items/{feature_id}"]["patch"]["requestBody"]["content"]
    assert "application/merge-patch+json" in patch_body


def test_a_cookie_session_writes_only_with_the_pages_csrf_token(ogc_world: EditWorld) -> None:
    world = ogc_world
    browser = TestClient(world.client.app, base_url="http://testserver", follow_redirects=False)
    login = browser.post("/login", data={"username": "official_xingzi", "password": PASSWORD, "next": "/"})
    assert login.status_code == 303, login.text
    slug = _project(world)
    before = world.snapshot(slug)
    tag = browser.get(f"{ITEMS}/{slug}").headers["etag"]
    body = orjson.dumps({"properties": {"name_en": "Forged"}})
    forged = browser.patch(f"{ITEMS}/{slug}", content=body, headers={**MERGE, "If-Match": tag})
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    created = browser.post(ITEMS, content=orjson.dumps(new_feature(f"ogc-forged-{next(_ids)}")), headers=GEOJSON)
    assert created.status_code == 403
    assert world.snapshot(slug) == before
    token = re.search(r'<meta name="pm-csrf" content="([0-9a-f]{64})">', browser.get("/").text)
    assert token is not None
    headers = {**MERGE, "If-Match": tag, "X-CSRF-Token": token.group(1)}
    assert browser.patch(f"{ITEMS}/{slug}", content=body, headers=headers).status_code == 200
    assert _audited(world, slug)[-1] == ("update", "official_xingzi")
