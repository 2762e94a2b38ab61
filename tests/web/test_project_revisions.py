"""The project page shows each revised planned value next to the plan's baseline, with the month and the
reason of every revision ("计划2025年完工 → 2026-11调整为2027年：征地延误"), in both languages; the reason
is shown as typed, as text."""

from collections.abc import Iterator
from typing import Any

import pytest

from app.core import clock
from tests.support.editing import EditWorld, etag_of, open_world

SLUG = "shaohe-expressway"  # a seeded project; no planned dates until a planner sets them


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_revision_page") as w:
        yield w


def _patch(world: EditWorld, properties: dict[str, Any]) -> None:
    response = world.client.patch(
        f"/api/projects/{SLUG}",
        json={"properties": properties},
        headers={**world.auth("planner"), "If-Match": etag_of(world.client, SLUG)},
    )
    assert response.status_code == 200, response.text


def _revisions(world: EditWorld, lang: str = "zh") -> dict[str, str]:
    html = world.client.get(f"/projects/{SLUG}", params={"lang": lang}).text
    if 'id="pm-revisions"' not in html:
        return {}
    block = html.split('id="pm-revisions">', 1)[1].split("</ul>", 1)[0]
    items = [item.split("</li>", 1)[0] for item in block.split('<li data-field="')[1:]]
    return dict(item.split('">', 1) for item in items)  # type: ignore[misc]


def test_a_revision_is_shown_next_to_the_baseline_with_its_reason(world: EditWorld) -> None:
    month = f"{clock.today():%Y-%m}"
    _patch(world, {"planned_end": "2025-12-31", "planned_investment_cny_100m": 3.5})  # first statement: the baseline
    assert _revisions(world) == {}  # a baseline alone is not a revision
    _patch(world, {"planned_end": "2027-12-31", "revision_reason": "征地延误"})
    _patch(world, {"planned_end": "2028-06-30", "planned_investment_cny_100m": 4.2,
                   "revision_reason": "资金调整 <img src=x onerror=alert(1)>"})  # fmt: skip

    zh = _revisions(world)
    assert zh["planned_end"] == (
        f"计划2025年完工 → {month}调整为2027年：征地延误 → "
        f"{month}调整为2028年6月30日：资金调整 &lt;img src=x onerror=alert(1)&gt;"
    )
    assert zh["planned_investment_cny_100m"].startswith(f"计划总投资3.5亿元 → {month}调整为4.2亿元：资金调整")
    en = _revisions(world, "en")
    assert en["planned_end"].startswith(f"Planned completion 2025 → revised {month} to 2027: 征地延误 → ")
    assert en["planned_investment_cny_100m"].startswith(
        f"Planned investment 3.5 (100 million CNY) → revised {month} to 4.2 (100 million CNY): 资金调整"
    )
    # The page and the API tell the same story.
    api = world.client.get(f"/api/projects/{SLUG}/plans").json()["revisions"]
    assert next(r["reason"] for r in api if r["field"] == "planned_end") == "征地延误"
