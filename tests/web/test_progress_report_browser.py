"""On a phone-sized screen: an official files a monthly report with a photo, a planner approves it on the
review page, and the public project page shows the photo and the progress (Debian's Chromium via Playwright,
no network)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.browser import api, bearer, browser, log_in, needs_chromium, page, serve_world, shot
from tests.support.cycle import CENTRE_DONGBEI, CycleWorld, jpeg, open_cycle_world

__all__ = ["api", "browser", "page"]  # fixtures, used by name

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_browser_report")


@pytest.fixture(scope="module")
def base_url(cycle: CycleWorld) -> Iterator[str]:
    with serve_world(cycle) as url:
        yield url


def test_an_official_files_a_report_with_a_photo_on_a_phone_and_the_public_sees_it(
    page: Any, browser: Any, base_url: str, api: httpx.Client, cycle: CycleWorld, tmp_path: Path
) -> None:
    photo = tmp_path / "IMG_2041.jpg"
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    photo.write_bytes(jpeg((800, 600), exif=exif, colour="teal"))
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"], origin=base_url)
    page.context.set_geolocation({"longitude": 112.46, "latitude": 24.93, "accuracy": 15})

    log_in(page, base_url, "official_zhujian", f"/report/{CENTRE_DONGBEI}")
    name = cycle.sql("SELECT name_zh FROM projects WHERE slug = :s", s=CENTRE_DONGBEI)[0][0]
    assert page.locator("#pm-report-project").inner_text() == name
    page.select_option("#pm-report-month", "2025-09")
    page.fill("#pm-report-invested", "45.5")
    page.fill("#pm-report-progress", "60")
    page.fill("#pm-report-work", "完成立面改造 3 栋 <b>不是标记</b>")
    page.set_input_files("#pm-report-photo", str(photo))
    page.check("#pm-report-locate")
    shot(page, "report-phone-form")
    page.click("#pm-report-submit")
    page.wait_for_selector("#pm-report-form[data-filed]")
    assert "pending" in page.locator("#pm-report-result").inner_text()
    report_id = int(page.locator("#pm-report-form").get_attribute("data-filed"))

    planner = bearer(api, "planner")
    staff = api.get(f"/api/projects/{CENTRE_DONGBEI}/photos", headers=planner).json()
    assert len(staff) == 1 and (staff[0]["lon"], staff[0]["lat"]) == (112.46, 24.93)
    assert api.get(f"/api/projects/{CENTRE_DONGBEI}/photos").json() == []  # nothing public before approval

    # The planner approves it on the review page, on a phone too.
    review = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        desk = review.new_page()
        desk.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        log_in(desk, base_url, "planner", "/progress/review")
        item = desk.locator(f".pm-review-item[data-id='{report_id}']")
        assert "完成立面改造 3 栋 <b>不是标记</b>" in item.inner_text()
        desk.wait_for_function(
            f"() => document.querySelector(\"[data-id='{report_id}'] .pm-review-photos img\").naturalWidth > 0"
        )
        item.locator(".pm-approve").click()
        desk.wait_for_selector(f".pm-review-item[data-id='{report_id}'][data-state='approved']")
        shot(desk, "report-phone-review-approved")
    finally:
        review.close()

    public = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        reader = public.new_page()
        reader.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        reader.goto(f"{base_url}/projects/{CENTRE_DONGBEI}")
        reader.wait_for_selector("#pm-gallery img")
        reader.wait_for_function("document.querySelector('#pm-gallery img').naturalWidth > 0")
        assert "60.00%" in reader.locator("#pm-progress-latest").inner_text()
        assert "45.50" in reader.locator("#pm-progress-latest").inner_text()
        assert reader.locator("#pm-gallery li").get_attribute("data-month") == "2025-09"
        assert reader.locator("#pm-report-link").count() == 0
        shot(reader, "report-public-gallery")
    finally:
        public.close()
    months = api.get(f"/api/projects/{CENTRE_DONGBEI}/progress").json()["months"]
    assert months[-1]["work_done"] == "完成立面改造 3 栋 <b>不是标记</b>"  # stored as typed, shown as text
