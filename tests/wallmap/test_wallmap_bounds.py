"""Wall maps always finish (issue 15, item 2): bounded text at every write path, a table layout that
always moves on, and a time limit and a cap on the renders a request can start."""

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.catalog.schema import TEXT_LIMITS
from app.core.settings import REPO_ROOT, Settings
from app.main import create_app
from app.wallmap.renderer import RenderBusy, RenderPool, RenderTimedOut
from tests.support.editing import EditWorld, etag_of, new_feature, world

__all__ = ["world"]  # the module-scoped fixture

LONG_NAME = "".join(f"第{i}段很长很长的项目名称" for i in range(1, 200))[:2000]  # 2,000 characters, numbered
VICTIM = "tanling-pumped-storage"  # a Xingzi project


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """Run `work` in a daemon thread; fail (instead of hanging the test run) when it takes longer."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(work()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"no answer within {seconds} s"
    return result[0]


@pytest.fixture(scope="module")
def long_name(world: EditWorld) -> Iterator[str]:
    """A name of 2,000 characters written straight into the database, past the API's bound."""
    with world.engine.begin() as conn:
        old = conn.execute(text("SELECT name_zh FROM projects WHERE slug = :s"), {"s": VICTIM}).scalar_one()
        conn.execute(text("UPDATE projects SET name_zh = :n WHERE slug = :s"), {"n": LONG_NAME, "s": VICTIM})
    yield LONG_NAME
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET name_zh = :n WHERE slug = :s"), {"n": old, "s": VICTIM})


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_a_name_taller_than_a_table_column_is_cut_with_an_ellipsis_and_the_map_is_made(
    world: EditWorld, long_name: str
) -> None:
    started = time.monotonic()
    response = _within(60, lambda: world.client.get("/towns/xingzi/wallmap.pdf"))
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 30
    pages, found = _pdf_text(response.content)
    assert long_name[:200] in found  # the start of the name is there to read ...
    assert long_name[-50:] not in found and "…" in found  # ... and the cut is marked, not silent
    with world.engine.connect() as conn:
        others = conn.execute(
            text(
                """SELECT p.name_zh FROM projects p JOIN project_towns pt ON pt.project_id = p.id
                   JOIN towns t ON t.id = pt.town_id
                   WHERE t.slug = 'xingzi' AND p.deleted_at IS NULL AND p.slug <> :s"""
            ),
            {"s": VICTIM},
        ).scalars()
        missing = [name for name in others if re.sub(r"\s+", "", name) not in found]
    assert not missing  # every other row is still in the table
    assert f"共{pages}页" in found


def test_the_cli_makes_the_map_of_a_town_with_such_a_name(world: EditWorld, long_name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "wallmaps", str(tmp_path), "--town", "xingzi"],
        env={**os.environ, "DATABASE_URL": world.url},
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (pdf,) = tmp_path.glob("*.pdf")
    assert long_name[:200] in _pdf_text(pdf.read_bytes())[1]


def test_the_plans_longest_texts_fit_well_inside_the_bounds(catalog: dict) -> None:  # type: ignore[type-arg]
    """The bounds refuse only nonsense: every real value of the plan is far shorter."""
    for feature in catalog["features"]:
        for field, limit in TEXT_LIMITS.items():
            value = feature["properties"].get(field)
            values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            assert all(len(v) <= limit / 2 for v in values), (field, values)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_zh", "长" * (TEXT_LIMITS["name_zh"] + 1)),
        ("name_en", "x" * (TEXT_LIMITS["name_en"] + 1)),
        ("aliases", ["别" * (TEXT_LIMITS["aliases"] + 1)]),
        ("location_note", "n" * (TEXT_LIMITS["location_note"] + 1)),
        ("status_basis", "b" * (TEXT_LIMITS["status_basis"] + 1)),
    ],
)
def test_the_api_refuses_text_longer_than_its_bound_naming_the_field(world: EditWorld, field: str, value: Any) -> None:
    before = world.snapshot(VICTIM)
    patched = world.client.patch(
        f"/api/projects/{VICTIM}",
        json={"properties": {field: value}},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, VICTIM)},
    )
    assert patched.status_code == 422, patched.text
    assert field in patched.text and "at most" in patched.text
    assert world.snapshot(VICTIM) == before
    created = world.client.post(
        "/api/projects", json=new_feature("too-long-text", **{field: value}), headers=world.auth("planner")
    )
    assert created.status_code == 422 and field in created.text
    assert world.client.get("/api/projects/too-long-text").status_code == 404


def test_the_bound_itself_is_accepted(world: EditWorld) -> None:
    name = "长" * TEXT_LIMITS["name_zh"]
    feature = new_feature("long-but-allowed", name_zh=name)
    created = world.client.post("/api/projects", json=feature, headers=world.auth("planner"))
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["name_zh"] == name


def test_an_import_refuses_text_longer_than_its_bound(world: EditWorld, tmp_path: Path) -> None:
    path = tmp_path / "long.geojson"
    feature = new_feature("imported-long-name", name_zh="长" * (TEXT_LIMITS["name_zh"] + 1))
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    done = subprocess.run(
        [sys.executable, "-m", "app", "import", str(path)],
        env={**os.environ, "DATABASE_URL": world.url},
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 1 and "name_zh" in done.stdout + done.stderr
    assert world.client.get("/api/projects/imported-long-name").status_code == 404


def _stuck_render(pool: RenderPool) -> tuple[threading.Thread, list[BaseException]]:
    """A render that would take a minute, started in a thread; its error lands in the list."""
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            pool.run(time.sleep, 60)
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, outcome


def test_a_wall_map_request_past_the_render_cap_is_503_at_once(world: EditWorld) -> None:
    limits = {"db_pool_warm": 1, "wallmap_max_renders": 1, "wallmap_timeout_seconds": 3.0}
    settings = Settings(database_url=world.url, **limits)
    with TestClient(create_app(settings)) as capped:
        renders: RenderPool = capped.app.state.wallmap_renders
        stuck, outcome = _stuck_render(renders)
        time.sleep(0.5)  # the only slot is taken by a render that will not finish by itself
        busy = capped.get("/towns/baoan/wallmap.pdf")
        assert busy.status_code == 503, busy.text
        assert "being drawn already" in busy.json()["detail"] and int(busy.headers["retry-after"]) > 0
        assert capped.get("/api/towns").status_code == 200  # everything else goes on
        stuck.join(30)  # stopped at its 3-second limit, freeing the slot
        assert not stuck.is_alive() and isinstance(outcome[0], RenderTimedOut)
        assert capped.get("/towns/baoan/wallmap.pdf").status_code == 200


def test_renders_past_the_cap_are_refused_at_once_and_a_stuck_one_is_stopped() -> None:
    pool = RenderPool(max_renders=1, timeout_seconds=1.0)
    try:
        holder, outcome = _stuck_render(pool)
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(RenderBusy):
            pool.run(time.sleep, 0)
        assert time.monotonic() - started < 0.5  # refused at once, not queued
        holder.join(10)
        # the stuck render was stopped at its limit (its process killed)
        assert not holder.is_alive() and isinstance(outcome[0], RenderTimedOut)
        assert pool.run(sum, [1, 2]) == 3  # and the slot is free again
    finally:
        pool.close()
