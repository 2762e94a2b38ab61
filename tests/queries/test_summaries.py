"""`/api/stats` is computed in one pass over a few hundred combinations (issue 23); its figures
must still be exactly what the projects themselves say.

The reference here is what a user could count by hand: every project the public list returns,
with its own status, category, chapter, towns and warnings, tallied in Python. The two are
compared on the seeded catalog and again after each kind of write — a new project, an edit, a
status change, a deletion and a restore — so a figure that lagged behind a write would show.
"""

import itertools
from collections import Counter
from typing import Any

from tests.support.editing import EditWorld, etag_of, new_feature

STARTED = {"under_construction", "completed"}
_ids = itertools.count()


def _listed(world: EditWorld) -> list[dict[str, Any]]:
    body = world.client.get("/api/projects", params={"limit": 10000}).json()
    assert body["numberMatched"] == len(body["features"])
    return [f["properties"] for f in body["features"]]


def _tally(projects: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures `/api/stats` reports, counted project by project."""
    towns: dict[str, dict[str, Counter[str]]] = {}
    categories: dict[str, Counter[str]] = {}
    chapters: dict[str | None, dict[str, Counter[str]]] = {}
    for p in projects:
        for town in p["towns"]:
            t = towns.setdefault(town, {"counts": Counter(), "warnings": Counter(), "rag": Counter()})
            t["counts"][p["status"]] += 1
            t["warnings"].update(p["warnings"])
            t["rag"][p["rag"]] += 1
        categories.setdefault(p["category"], Counter())[p["status"]] += 1
        ch = chapters.setdefault(p["plan_chapter"], {"warnings": Counter(), "rag": Counter()})
        ch["warnings"].update(p["warnings"])
        ch["rag"][p["rag"]] += 1
    return {
        "total": len(projects),
        "by_town": {
            slug: {
                "counts": dict(t["counts"]),
                "total": sum(t["counts"].values()),
                "plan_projects": sum(n for s, n in t["counts"].items() if s != "existing"),
                "started": sum(n for s, n in t["counts"].items() if s in STARTED),
                "warnings": dict(t["warnings"]),
                "rag": dict(t["rag"]),
            }
            for slug, t in towns.items()
        },
        "by_category": {k: dict(c) for k, c in categories.items()},
        "by_chapter": {
            k: {"total": sum(c["rag"].values()), "warnings": dict(c["warnings"]), "rag": dict(c["rag"])}
            for k, c in chapters.items()
        },
    }


def _reported(stats: dict[str, Any]) -> dict[str, Any]:
    """The same figures as `/api/stats` reports them (towns and categories without projects dropped)."""
    keys = ("counts", "total", "plan_projects", "started", "warnings", "rag")
    return {
        "total": stats["total"],
        "by_town": {t["town"]: {k: t[k] for k in keys} for t in stats["by_town"] if t["total"]},
        "by_category": {c["category"]: c["counts"] for c in stats["by_category"] if c["total"]},
        "by_chapter": {c["chapter"]: {k: c[k] for k in ("total", "warnings", "rag")} for c in stats["by_chapter"]},
    }


def _assert_stats_match_the_projects(world: EditWorld) -> dict[str, Any]:
    stats = world.client.get("/api/stats").json()
    projects = _listed(world)
    assert _reported(stats) == _tally(projects)
    return stats


def test_stats_equal_the_projects_after_every_kind_of_write(world: EditWorld) -> None:
    seeded = _assert_stats_match_the_projects(world)
    # The seeded catalog exercises the cases a one-pass count could get wrong.
    assert any(len(p["towns"]) > 1 for p in _listed(world)), "no project in two towns to check double counting"
    assert any(c["warnings"] for c in seeded["by_chapter"])

    created = f"summary-{next(_ids)}"
    inserted = world.client.post("/api/projects", json=new_feature(created), headers=world.auth("planner"))
    assert inserted.status_code == 201, inserted.text
    after_insert = _assert_stats_match_the_projects(world)
    assert after_insert["total"] == seeded["total"] + 1

    # An edit that moves it to another category and gives it a warning (its start is overdue).
    edit = {"properties": {"category": "education", "planned_start": "2023-01-01"}}
    edited = world.client.patch(
        f"/api/projects/{created}",
        json=edit,
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, created)},
    )
    assert edited.status_code == 200, edited.text
    _assert_stats_match_the_projects(world)

    started = world.client.post(
        f"/api/projects/{created}/status",
        json={"status": "under_construction", "date": "2026-10-01"},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, created)},
    )
    assert started.status_code == 200, started.text
    _assert_stats_match_the_projects(world)

    deleted = world.client.delete(
        f"/api/projects/{created}", headers={**world.auth("planner"), "If-Match": etag_of(world.client, created)}
    )
    assert deleted.status_code == 200, deleted.text
    after_delete = _assert_stats_match_the_projects(world)
    assert after_delete["total"] == seeded["total"]

    restored = world.client.post(
        f"/api/projects/{created}/restore",
        headers={**world.auth("planner"), "If-Match": deleted.headers["etag"]},
    )
    assert restored.status_code == 200, restored.text
    after_restore = _assert_stats_match_the_projects(world)
    assert after_restore["total"] == seeded["total"] + 1
