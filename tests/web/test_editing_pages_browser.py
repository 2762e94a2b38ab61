"""An official editing on the project page, in Chromium (issue 18, items 2 and 4).

- 4: the page opens an estimated location at a zoom no closer than its error allows, and while an
  official drags the point out of their towns the page says so on the map and in the form;
- 2: the refused save reads in the page's language, with the towns by name (`保存失败：项目会落在大路边镇…`),
  never the API's English; the location note shows in the page's language.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import (
    bearer,
    browser,
    create_project,
    log_in,
    needs_chromium,
    page,
    save_and_reload,
    serve_world,
    shot,
)
from tests.support.editing import EditWorld, open_world

__all__ = ["browser", "page"]  # fixtures, used by name
pytestmark = needs_chromium

DALUBIAN_SEAT = [112.6199, 25.0279]


@pytest.fixture(scope="module")
def ed() -> Iterator[EditWorld]:
    with open_world("planmap_browser_pages_edit") as w:
        yield w


@pytest.fixture(scope="module")
def base_url(ed: EditWorld) -> Iterator[str]:
    with serve_world(ed) as url:
        yield url


def drag_marker_to(page: Any, lon_lat: list[float], before_release: Any) -> None:
    """Drag the edited marker to a WGS-84 place (the map first shows both), calling `before_release` mid-drag."""
    page.evaluate(
        """([lon, lat]) => { const pm = planmap.current, m = planmap.editor.layer.getLayers()[0];
             pm.map.fitBounds(L.latLngBounds([m.getLatLng(), pm.latLng(lon, lat)]).pad(0.3), {animate: false}); }""",
        lon_lat,
    )
    page.locator("#pm-map-wrap").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    start = page.locator(".leaflet-marker-pane .pm-edit-marker").bounding_box()
    target = page.evaluate(
        """([lon, lat]) => { const pm = planmap.current, map = pm.map;
             const p = map.latLngToContainerPoint(pm.latLng(lon, lat)), r = map.getContainer().getBoundingClientRect();
             return [p.x + r.left, p.y + r.top]; }""",
        lon_lat,
    )
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + target[0]) / 2, (y + target[1]) / 2, steps=8)
    page.mouse.move(target[0], target[1], steps=8)
    before_release()
    page.mouse.up()


def test_an_official_is_told_while_dragging_and_the_refusal_is_in_chinese(
    page: Any, base_url: str, api: httpx.Client
) -> None:
    slug = "browser-drag-outside"
    create_project(api, slug)
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    assert page.evaluate("planmap.current.map.getZoom()") <= 12  # an estimate: not opened at street level
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")

    def while_dragging() -> None:
        warning = page.locator("#pm-edit-place-warning")
        assert warning.is_visible()
        assert "大路边镇" in warning.inner_text() and "星子镇" in warning.inner_text()
        assert "大路边镇" in page.locator("#pm-map-status").inner_text()  # on the map, where the eyes are
        shot(page, "edit-dragging-outside")

    drag_marker_to(page, DALUBIAN_SEAT, while_dragging)
    assert page.get_attribute("html", "data-pm-edit-outside") == "dalubian"
    page.fill("#pm-edit-note", "试着移到大路边")
    page.click("#pm-edit-save")
    message = page.locator("#pm-edit-message")
    message.wait_for()
    page.wait_for_function("() => document.getElementById('pm-edit-message').className === 'pm-edit-error'")
    text = message.inner_text()
    assert text.startswith("保存失败：项目会落在大路边镇，不在您负责的镇（星子镇）范围内"), text
    assert "would lie" not in text and "dalubian" not in text
    shot(page, "edit-refused-zh")
    # the refusal was on purpose: its 403 is not a failure of the page
    page.wait_for_timeout(200)
    page.problems.failed_local[:] = [f for f in page.problems.failed_local if not f.endswith("HTTP 403")]
    page.problems.console_errors[:] = [m for m in page.problems.console_errors if "status of 403" not in m]
    # dragged back home, the warning goes
    drag_marker_to(page, [112.552, 25.002], lambda: None)
    assert page.locator("#pm-edit-place-warning").is_hidden()
    assert page.get_attribute("html", "data-pm-edit-outside") == ""


def test_a_conflict_keeps_my_changes_and_redoes_them_field_by_field(
    page: Any, base_url: str, api: httpx.Client
) -> None:
    slug = "browser-rebase-probe"
    create_project(api, slug)
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    # my work: a name, a status with its reason, and the point dragged (within Xingzi)
    page.fill("#pm-edit-name_en", "My name for it")
    page.select_option("#pm-edit-status", "postponed")
    page.fill("#pm-edit-reason", "land not yet acquired")
    drag_marker_to(page, [112.556, 25.004], lambda: None)
    page.fill("#pm-edit-note", "seen on site")
    # meanwhile a planner changes the name and the note
    etag = api.get(f"/api/projects/{slug}").headers["etag"]
    meanwhile = api.patch(
        f"/api/projects/{slug}",
        json={"properties": {"name_en": "Planner's name", "location_note": "Checked by the planner."}},
        headers={**bearer(api, "planner"), "If-Match": etag},
    )
    assert meanwhile.status_code == 200, meanwhile.text
    page.click("#pm-edit-save")
    page.wait_for_selector("#pm-edit-conflict:not([hidden])")
    page.wait_for_timeout(200)
    page.problems.failed_local[:] = [f for f in page.problems.failed_local if not f.endswith("HTTP 412")]
    page.problems.console_errors[:] = [m for m in page.problems.console_errors if "status of 412" not in m]
    conflict = page.locator("#pm-edit-conflict")
    assert "北京时间" in conflict.inner_text() and "UTC" not in conflict.inner_text()
    # keep my changes: each listed, ticked, the field both of us changed shows theirs too
    page.click("#pm-edit-rebase")
    page.wait_for_selector("html[data-pm-edit-rebase='choose']")
    fields = page.eval_on_selector_all("#pm-edit-rebase-list li", "els => els.map(e => e.dataset.field)")
    assert set(fields) == {"geometry", "name_en", "status"}
    name_row = page.locator("#pm-edit-rebase-list li[data-field='name_en']")
    assert "Planner's name" in name_row.inner_text() and "My name for it" in name_row.inner_text()
    shot(page, "edit-rebase-choices")
    page.click("#pm-edit-rebase-apply")
    page.wait_for_selector("html[data-pm-edit-rebase='applied']")
    assert page.input_value("#pm-edit-name_en") == "My name for it"
    assert page.input_value("#pm-edit-status") == "postponed"
    assert page.input_value("#pm-edit-reason") == "land not yet acquired"
    assert page.input_value("#pm-edit-location_note") == "Checked by the planner."  # theirs, untouched by me
    save_and_reload(page)
    saved = api.get(f"/api/projects/{slug}").json()
    props = saved["properties"]
    assert props["name_en"] == "My name for it" and props["status"] == "postponed"
    assert props["location_note"] == "Checked by the planner."
    assert props["status_reason"] == "land not yet acquired"
    assert abs(saved["geometry"]["coordinates"][0] - 112.556) < 0.001  # my drag survived


def test_the_chinese_location_note_is_edited_saved_shown_and_in_history(
    page: Any, base_url: str, api: httpx.Client
) -> None:
    slug = "browser-note-zh"
    create_project(api, slug, location_note="Approximate: near the Xingzi seat; error up to 2 km.")
    log_in(page, base_url, "official_xingzi", f"/projects/{slug}")
    page.wait_for_selector("html[data-pm-ready='1'][data-pm-editor-ready='1']")
    # the note's figure is drawn and the page opens on it
    assert "约2公里以内" in page.locator("#pm-uncertainty-legend").inner_text()
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    label = page.locator("label:has(#pm-edit-location_note_zh)")
    assert label.inner_text().strip() == "位置说明（中文）"
    assert page.input_value("#pm-edit-location_note_zh") == ""
    note_zh = "约略位置：星子镇政府驻地附近；误差2公里以内。"
    page.fill("#pm-edit-location_note_zh", note_zh)
    page.fill("#pm-edit-note", "写了中文位置说明")
    shot(page, "edit-location-note-zh")
    save_and_reload(page)
    assert api.get(f"/api/projects/{slug}").json()["properties"]["location_note_zh"] == note_zh
    assert page.locator("#pm-location-note").inner_text() == note_zh  # the Chinese page shows it
    history = page.locator("#pm-history").inner_text()
    assert "位置说明（中文）" in history and "location_note_zh" not in history
    # emptied again, it is null (the page falls back to the English note, marked)
    page.click("#pm-edit-start")
    page.wait_for_selector("html[data-pm-editing='1']")
    page.fill("#pm-edit-location_note_zh", "")
    save_and_reload(page)
    assert api.get(f"/api/projects/{slug}").json()["properties"]["location_note_zh"] is None
    assert page.get_attribute("#pm-location-note", "data-note-lang") == "en"
