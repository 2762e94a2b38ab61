"""Conditional GET on exports and on the JSON the pages fetch: a client that already has the current
copy gets an empty 304 (GET and HEAD alike); after an edit it gets the new body and a new ETag."""

from email.utils import parsedate_to_datetime

import pytest

from app.core import clock
from tests.support.editing import EditWorld, etag_of

READS = [
    "/api/export?format=csv&town=xingzi",
    "/api/export?format=gpkg&town=xingzi",
    "/api/export?format=geojson",
    "/api/projects?town=xingzi&limit=50",
    "/api/stats",
    "/api/stats/facets?town=xingzi",
    f"/api/stats/compare?from=2023-12-31&to={clock.today().isoformat()}",
]
SLUG = "tanling-pumped-storage"  # in Xingzi


@pytest.mark.parametrize("url", READS)
def test_a_current_copy_gets_304_by_etag_or_date_for_get_and_head(world: EditWorld, url: str) -> None:
    first = world.client.get(url)
    assert first.status_code == 200, first.text
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "no-cache"  # kept, but asked about again every time
    assert parsedate_to_datetime(modified).tzinfo is not None
    for method in ("GET", "HEAD"):
        again = world.client.request(method, url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag), method
        by_date = world.client.request(method, url, headers={"If-Modified-Since": modified})
        assert by_date.status_code == 304, method
    head = world.client.head(url)
    assert head.status_code == 200 and head.headers["etag"] == etag
    assert etag.startswith('W/"')  # the same data; a GeoPackage's bytes differ by when it was written
    other = world.client.get(url, headers={"If-None-Match": '"c-someone-elses"'})
    assert other.status_code == 200 and (other.content == first.content or "gpkg" in url)


def test_an_edit_changes_the_validator_and_the_body(world: EditWorld) -> None:
    before = {url: world.client.get(url) for url in READS[:4]}
    planner = world.auth("planner")
    edited = world.client.patch(
        f"/api/projects/{SLUG}",
        json={"properties": {"name_en": "Tanling pumped storage (renamed)"}},
        headers={**planner, "If-Match": etag_of(world.client, SLUG)},
    )
    assert edited.status_code == 200, edited.text
    for url, old in before.items():
        after = world.client.get(url, headers={"If-None-Match": old.headers["etag"]})
        assert after.status_code == 200, url
        assert after.headers["etag"] != old.headers["etag"], url
        if "gpkg" not in url:
            assert b"renamed" in after.content and b"renamed" not in old.content, url


def test_staff_and_public_copies_have_their_own_validators(world: EditWorld) -> None:
    url = "/api/projects?town=xingzi&limit=50"
    public = world.client.get(url)
    staff = world.client.get(url, headers=world.auth("planner"))
    assert public.headers["etag"] != staff.headers["etag"]
    assert "Authorization" in public.headers["vary"]
    # The public ETag does not unlock the staff copy.
    crossed = world.client.get(url, headers={**world.auth("planner"), "If-None-Match": public.headers["etag"]})
    assert crossed.status_code == 200


def test_an_if_modified_since_before_the_last_write_gets_the_body(world: EditWorld) -> None:
    url = "/api/stats/facets"
    fresh = world.client.get(url)
    old = world.client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})
    assert old.status_code == 200 and old.content == fresh.content
