"""Shared set-up for the editing tests: a database of their own, users of every role, tokens."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.auth.accounts import add_user, set_active
from app.catalog.seed import seed
from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import GEODATA, throwaway_url

PASSWORD = "correct horse battery"
XINGZI_SEAT = [112.55, 25.0]
USERS = {
    "admin": ("admin", []),
    "planner": ("planner", []),
    "official_xingzi": ("official", ["xingzi"]),
    "official_lianzhou": ("official", ["lianzhou"]),
    "official_gone": ("official", ["xingzi"]),
}


@dataclass
class EditWorld:
    url: str
    engine: Engine
    client: TestClient

    def token(self, username: str) -> str:
        response = self.client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def auth(self, username: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def snapshot(self, slug: str) -> dict[str, Any]:
        """Everything a write could touch, to prove a refused write changed nothing."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    """SELECT to_jsonb(p) - 'geom' AS row, ST_AsText(p.geom) AS wkt,
                              ARRAY(SELECT town_id FROM project_towns WHERE project_id = p.id ORDER BY 1) AS towns
                       FROM projects p WHERE slug = :s"""
                ),
                {"s": slug},
            ).one_or_none()
            counts = conn.execute(
                text("SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM status_events)")
            ).one()
        return {"project": None if row is None else dict(row._mapping), "counts": tuple(counts)}


def new_feature(slug: str, coordinates: list[float] | None = None, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": coordinates or XINGZI_SEAT},
        "properties": {
            "slug": slug,
            "name_zh": "测试卫生院",
            "name_en": "Test health centre",
            "category": "health",
            "status": "planned",
            "source_quote": "优化各镇(乡)卫生院(卫生服务中心)布局",
            "location_precision": "town",
            "location_note": "Test project placed at the Xingzi town seat.",
            **props,
        },
    }


def planner_headers(world: EditWorld, slug: str) -> dict[str, str]:
    """A planner's credentials with the project's current ETag, as an edit of `slug` must send them."""
    return {**world.auth("planner"), "If-Match": etag_of(world.client, slug)}


def planner_write(world: EditWorld, method: str, url: str, slug: str, body: dict[str, Any] | None = None) -> str:
    """A planner's write to `url` about `slug` that must succeed; the new ETag."""
    response = world.client.request(method, url, json=body, headers=planner_headers(world, slug))
    assert response.status_code in (200, 201), response.text
    return str(response.headers.get("etag"))


# Inside Xingzi, away from its seat: where a sensitive site really is, which the public must never see.
SENSITIVE_PRECISE = [112.5321, 25.0187]


def create_sensitive_site(world: EditWorld, slug: str) -> None:
    """A planner creates a project at SENSITIVE_PRECISE and marks it sensitive, as the API lets them."""
    client, planner = world.client, world.auth("planner")
    created = client.post("/api/projects", json=new_feature(slug, SENSITIVE_PRECISE, location_precision="approximate"),
                          headers=planner)  # fmt: skip
    assert created.status_code == 201, created.text
    marked = client.patch(f"/api/projects/{slug}", json={"properties": {"sensitive": True}},
                          headers={**planner, "If-Match": etag_of(client, slug)})  # fmt: skip
    assert marked.status_code == 200, marked.text


@contextmanager
def open_world(prefix: str = "planmap_edit", **settings: Any) -> Iterator[EditWorld]:
    """A migrated, seeded database of its own with a user of every role, and an app on it.

    `settings` override fields of the app's Settings (e.g. `feedback_per_hour=100`).
    """
    url = throwaway_url(prefix)
    dbadmin.create_database(url)
    migrate.upgrade(url, "head")
    engine = make_sync_engine(url)
    assert seed(engine, GEODATA).ok
    with engine.begin() as conn:
        for username, (role, towns) in USERS.items():
            add_user(conn, username, PASSWORD, role, username, towns, actor="test")
        set_active(conn, "official_gone", False, actor="test")
    app_settings = Settings(database_url=url, **settings)
    try:
        with TestClient(create_app(app_settings)) as client:
            yield EditWorld(url, engine, client)
    finally:
        engine.dispose()
        dbadmin.drop_database(url)


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world() as w:
        yield w


def etag_of(client: TestClient | httpx.Client, slug: str) -> str:
    response = client.get(f"/api/projects/{slug}")
    assert response.status_code == 200, response.text
    return str(response.headers["etag"])


def record_dates(world: EditWorld, slug: str, days: list[str]) -> None:
    """Pretend version n was recorded on days[n-1] (and was the record until the next one)."""
    with world.engine.begin() as conn:
        for version, day in enumerate(days, start=1):
            nxt = days[version] if version < len(days) else None
            conn.execute(
                text(
                    """UPDATE project_versions v SET valid_from = CAST(:d AS timestamptz),
                              valid_to = CAST(:n AS timestamptz), updated_at = CAST(:d AS timestamptz),
                              info_date = CAST(:d AS date)
                       FROM projects p WHERE p.id = v.id AND p.slug = :s AND v.version = :v"""
                ),
                {"d": day, "n": nxt, "s": slug, "v": version},
            )
        # It joined its plan when it was first recorded.
        conn.execute(
            text(
                """UPDATE plan_projects pp SET added_at = CAST(:d AS timestamptz)
                   FROM projects p WHERE p.id = pp.project_id AND p.slug = :s"""
            ),
            {"d": days[0], "s": slug},
        )
