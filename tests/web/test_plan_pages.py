"""The server-rendered pages honour `?plan=`: the town page's counts, the plan named in the header, the
switcher's URLs keeping every other parameter, the `as_of` form keeping the plan, a plan in force by the
day shown, and an unknown plan ignored with a note (as the pages treat a bad `as_of`), never an error.

The second plan is a FIXTURE (tests/support/plans.py) holding one project carried from the 14th plan.
"""

import re
from collections.abc import Iterator

import pytest

from tests.support.editing import EditWorld, open_world
from tests.support.plans import CARRIED, FIXTURE_NAME_ZH, FIXTURE_PLAN, add_fixture_plan


@pytest.fixture(scope="module")
def world() -> Iterator[EditWorld]:
    with open_world("planmap_plan_pages") as w:
        add_fixture_plan(w.engine)
        yield w


def _page(world: EditWorld, path: str) -> str:
    response = world.client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def _shown(html: str) -> str:
    found = re.search(r'id="pm-plan-shown" data-plan="([^"]+)">([^<]*)<', html)
    assert found, "the header names no plan"
    return found.group(1)


def _town_total(html: str) -> int:
    found = re.search(r'id="pm-town-total">(\d+)<', html)
    assert found
    return int(found.group(1))


def test_the_town_page_counts_the_plan_asked_for(world: EditWorld) -> None:
    in_force = _page(world, "/towns/lianzhou")
    assert _shown(in_force) == FIXTURE_PLAN and f"{FIXTURE_NAME_ZH}（2026–2030年）" in in_force
    assert _town_total(in_force) == 1  # only the carried project is in the fixture plan
    older = _page(world, "/towns/lianzhou?plan=lianzhou-14th&lang=en")
    assert _shown(older) == "lianzhou-14th"
    n14 = world.client.get("/api/stats", params={"plan": "lianzhou-14th"}).json()["by_town"]
    assert _town_total(older) == next(t["total"] for t in n14 if t["town"] == "lianzhou") > 1
    # Every option reloads this page, keeping `lang`; the form carries it too (without JavaScript).
    options = dict(re.findall(r'<option value="([^"]+)" data-url="([^"]+)"', older))
    assert options == {
        FIXTURE_PLAN: f"/towns/lianzhou?lang=en&amp;plan={FIXTURE_PLAN}",
        "lianzhou-14th": "/towns/lianzhou?lang=en&amp;plan=lianzhou-14th",
    }
    assert '<input type="hidden" name="lang" value="en">' in older
    # The `as_of` form and the links to pages a plan slices keep the plan; project pages do not need it.
    assert '<input type="hidden" name="plan" value="lianzhou-14th">' in older
    assert 'href="/dashboard?plan=lianzhou-14th&amp;lang=en"' in older
    # So do the town's feeds and wall map, which are of one plan too.
    assert 'href="/feeds/towns/lianzhou.atom?lang=en&amp;plan=lianzhou-14th"' in older
    assert 'href="/feeds/plan.atom?lang=en&amp;plan=lianzhou-14th"' in older
    assert 'href="/towns/lianzhou/wallmap.pdf?plan=lianzhou-14th"' in older


def test_a_past_day_shows_the_plan_in_force_then(world: EditWorld) -> None:
    assert _shown(_page(world, "/?as_of=2022-12-31")) == "lianzhou-14th"
    html = _page(world, "/dashboard?as_of=2022-12-31")
    assert _shown(html) == "lianzhou-14th"
    # On that day the carried project was not yet in the fixture plan: the plan is empty then.
    empty = _page(world, f"/towns/lianzhou?as_of=2022-12-31&plan={FIXTURE_PLAN}")
    assert _town_total(empty) == 0
    assert f'href="/towns/lianzhou?plan={FIXTURE_PLAN}" id="pm-as-of-today"' in empty


def test_an_unknown_plan_is_ignored_with_a_note(world: EditWorld) -> None:
    html = _page(world, "/dashboard?plan=<b>no-such-plan</b>")
    assert _shown(html) == FIXTURE_PLAN
    assert 'id="pm-plan-note"' in html and "&lt;b&gt;no-such-plan&lt;/b&gt;" in html  # shown as text
    assert "<b>no-such-plan</b>" not in html
    assert world.client.get("/api/projects", params={"plan": "no-such-plan"}).status_code == 422  # the API refuses


def test_a_project_page_reads_the_project_in_its_latest_plan(world: EditWorld) -> None:
    html = _page(world, f"/projects/{CARRIED}")
    assert 'id="pm-plan-form"' not in html  # a project page is not about one plan
