"""One history, one visibility rule: the JSON API, the project page and the Atom feeds show the same.

A sensitive site is shown to the public at its town seat only, so no public surface may tell
where it moved, how precisely it is known or what its location note says, nor show that such a
change happened; staff with rights over it (planners, the officials of its towns) see all of
it. The Atom feeds are public by design (cached by proxies, read without a login), so they
show every reader the public's view. Changes are made through the API, as an editor would.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import feedparser
import orjson
import pytest
from fastapi.testclient import TestClient

from app.auth.accounts import add_user
from app.catalog.fields import FIELDS, READING_ORDER, field_label
from app.core.clock import today as lianzhou_today
from tests.support.editing import PASSWORD, EditWorld, etag_of, new_feature, world

__all__ = ["world"]  # the module-scoped fixture

SECRET = [112.5587, 25.0163]  # the site's precise place, in Xingzi
SECRET_LATER = [112.5591, 25.0171]
NOTE_BEFORE = "Behind the old mill, 300 m east"  # written before the site was marked sensitive
NOTE_AFTER = "Now at the quarry gate"  # and after
# Anything that would tell a reader where the site is, or that its place changed.
WHERE = ("old mill", "quarry gate", "112.5587", "25.0163", "112.5591", "25.0171", "112.55,", "25.0]")
LOCATION_FIELDS = ("geometry", "location_note", "location_precision")

Surface = str  # "api", "page", "feed"


def _ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response


def _patch(world: EditWorld, slug: str, body: dict[str, Any]) -> None:
    headers = {**world.auth("planner"), "If-Match": etag_of(world.client, slug)}
    _ok(world.client.patch(f"/api/projects/{slug}", json=body, headers=headers))


@pytest.fixture(scope="module")
def secret(world: EditWorld) -> str:
    """A clinic placed, described, moved, marked sensitive, then described and moved again; also renamed."""
    slug = "history-secret-clinic"
    _ok(world.client.post("/api/projects", json=new_feature(slug), headers=world.auth("planner")), 201)
    _patch(world, slug, {"properties": {"location_note": NOTE_BEFORE, "location_precision": "approximate"}})
    _patch(world, slug, {"geometry": {"type": "Point", "coordinates": SECRET}})
    _patch(world, slug, {"properties": {"name_en": "Renamed clinic"}})
    _patch(world, slug, {"properties": {"sensitive": True}})
    _patch(world, slug, {"properties": {"location_note": NOTE_AFTER}})
    _patch(world, slug, {"geometry": {"type": "Point", "coordinates": SECRET_LATER}})
    return slug


class _HistorySection(HTMLParser):
    """The project page's history table: each change item's `data-field` and text."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 while inside <section id="pm-history">
        self.items: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and (self.depth or a.get("id") == "pm-history"):
            self.depth += 1
        if self.depth and tag == "li" and a.get("data-field"):
            self._field = a["data-field"]
            self.items.append((str(self._field), ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.depth:
            self.depth -= 1
        if tag == "li":
            self._field = None

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)
            if self._field is not None:
                name, text = self.items[-1]
                self.items[-1] = (name, text + data)


def history_section(html: str) -> _HistorySection:
    parser = _HistorySection()
    parser.feed(html)
    assert parser.text, "the page has no history section"
    return parser


def _browser(world: EditWorld, user: str | None) -> TestClient:
    """A client of its own (own cookie jar), logged in on the site when `user` is given."""
    client = TestClient(world.client.app, follow_redirects=False)
    if user:
        assert client.post("/login", data={"username": user, "password": PASSWORD, "next": "/"}).status_code == 303
    return client


@dataclass
class Seen:
    """What one surface showed one viewer: the field names of its changes and its whole text."""

    fields: set[str] = field(default_factory=set)
    text: str = ""


def seen(world: EditWorld, surface: Surface, user: str | None, slug: str, lang: str = "zh") -> Seen:
    if surface == "api":
        rows = _ok(world.client.get(f"/api/projects/{slug}/history", headers=world.auth(user))).json()
        return Seen({name for row in rows for name in row["changes"]}, orjson.dumps(rows).decode())
    if surface == "page":
        html = _ok(_browser(world, user).get(f"/projects/{slug}", params={"lang": lang})).text
        section = history_section(html)
        return Seen({name for name, _ in section.items}, "".join(section.text))
    client = _browser(world, user)  # a logged-in reader's cookie, and a bearer token: neither changes a feed
    body = _ok(client.get(f"/feeds/projects/{slug}.atom", params={"lang": lang}, headers=world.auth(user))).text
    feed = feedparser.parse(body)
    assert not feed.bozo
    # A feed names fields by their labels: find which labels its titles and summaries use.
    text = "\n".join(f"{e.title}\n{e.summary}" for e in feed.entries)
    fields = {
        f.name for f in FIELDS if re.search(rf"(^|[：；、\n]|修改){re.escape(f.label('zh'))}(：|、|；|$| )", text, re.M)
    }
    return Seen(fields, body)


VIEWERS = {
    None: False,  # anonymous
    "official_lianzhou": False,  # staff, but without rights over a Xingzi project
    "official_xingzi": True,  # the project's town official
    "planner": True,
}


@pytest.mark.parametrize("surface", ["api", "page", "feed"])
@pytest.mark.parametrize("user", list(VIEWERS), ids=[str(u or "anonymous") for u in VIEWERS])
def test_a_sensitive_sites_location_history_is_for_staff_only(
    world: EditWorld, secret: str, surface: Surface, user: str | None
) -> None:
    shown = seen(world, surface, user, secret)
    # Everyone sees the public changes: the rename.
    assert "Renamed clinic" in shown.text and "name_en" in shown.fields
    staff = VIEWERS[user] and surface != "feed"
    if staff:
        assert set(LOCATION_FIELDS) <= shown.fields
        assert NOTE_BEFORE in shown.text and NOTE_AFTER in shown.text
    else:
        assert not set(LOCATION_FIELDS) & shown.fields
        assert "sensitive" not in shown.fields  # whether a site is protected is staff business
        for words in WHERE:
            assert words not in shown.text, (surface, words)
        if surface != "api":  # the page and the feed name fields by their labels ("位置", "位置说明", …)
            for name in LOCATION_FIELDS:
                assert field_label(name, "zh") not in shown.text, (surface, name)


# Departments are units a planner adds (the plan names none): these are test fixtures. The depot is led
# by the transport department with the housing department as another unit; the water department is
# responsible for nothing here. Its town (Xingzi) has officials too: `official_xingzi` above.
DEPARTMENT_VIEWERS = {
    "official_dept_lead": ("dept-transport", True),  # an official of the project's lead unit
    "official_dept_other": ("dept-housing", True),  # of one of its other units
    "official_dept_water": ("dept-water", False),  # of a department with projects of its own, not this one
}


@pytest.fixture(scope="module")
def depot(world: EditWorld) -> str:
    """A sensitive depot with departments responsible for it, placed, described and moved after being marked."""
    planner = world.auth("planner")
    for _, (unit, _) in DEPARTMENT_VIEWERS.items():
        body = {"slug": unit, "name_zh": unit, "name_en": unit, "source": "test fixture"}
        _ok(world.client.post("/api/units", json=body, headers=planner), 201)
    with world.engine.begin() as conn:
        for username, (unit, _) in DEPARTMENT_VIEWERS.items():
            add_user(conn, username, PASSWORD, "official", username, [], "test", [unit])
    slug = "history-secret-depot"
    _ok(world.client.post("/api/projects", json=new_feature(slug), headers=planner), 201)
    _ok(world.client.put(f"/api/projects/{slug}/units", json={"lead": "dept-transport", "others": ["dept-housing"]},
                         headers=planner))  # fmt: skip
    water = "history-water-works"  # the water department's own project: that official is staff somewhere
    _ok(world.client.post("/api/projects", json=new_feature(water), headers=planner), 201)
    _ok(world.client.put(f"/api/projects/{water}/units", json={"lead": "dept-water", "others": []}, headers=planner))
    _patch(world, slug, {"properties": {"sensitive": True, "name_en": "Renamed clinic"}})
    _patch(world, slug, {"properties": {"location_note": NOTE_AFTER, "location_precision": "approximate"}})
    _patch(world, slug, {"geometry": {"type": "Point", "coordinates": SECRET_LATER}})
    return slug


@pytest.mark.parametrize("surface", ["api", "page", "feed"])
@pytest.mark.parametrize("user", list(DEPARTMENT_VIEWERS))
def test_department_officials_see_their_projects_history_as_its_town_officials_do(
    world: EditWorld, depot: str, surface: Surface, user: str
) -> None:
    """The officials of a project's lead or other unit may edit it, so they read its whole history, as its
    town's officials do; an official of another department reads the public's (the feed: everyone)."""
    shown = seen(world, surface, user, depot)
    town_official = seen(world, surface, "official_xingzi", depot)
    public = seen(world, surface, None, depot)
    assert "Renamed clinic" in shown.text
    if DEPARTMENT_VIEWERS[user][1] and surface != "feed":
        assert shown.fields == town_official.fields and set(LOCATION_FIELDS) <= shown.fields
        assert NOTE_AFTER in shown.text
    else:
        assert shown.fields == public.fields and not set(LOCATION_FIELDS) & shown.fields
        for words in WHERE:
            assert words not in shown.text, (surface, words)


def test_the_public_is_not_even_told_that_a_hidden_field_changed(world: EditWorld, secret: str) -> None:
    """An edit of only hidden fields leaves no empty entry behind (its existence alone would tell)."""
    public = _ok(world.client.get(f"/api/projects/{secret}/history")).json()
    staff = _ok(world.client.get(f"/api/projects/{secret}/history", headers=world.auth("planner"))).json()
    assert [row["version"] for row in staff] == [1, 2, 3, 4, 5, 6, 7]
    # 2 (note and precision), 3 (moved), 5 (marked sensitive), 6 (note) and 7 (moved) say nothing public.
    assert [row["version"] for row in public] == [1, 4]
    assert public[1]["changes"] == {"name_en": {"old": "Test health centre", "new": "Renamed clinic"}}
    hidden = {"geometry", "location_note", "location_note_zh", "location_precision"}
    assert set(public[0]["changes"]) == set(staff[0]["changes"]) - hidden


def test_a_stale_writer_sees_everything_that_changed(world: EditWorld, secret: str) -> None:
    headers = {**world.auth("official_xingzi"), "If-Match": '"v5"'}
    response = world.client.patch(f"/api/projects/{secret}", json={"properties": {"name_en": "x"}}, headers=headers)
    assert response.status_code == 412
    since = response.json()["detail"]["changes_since"]
    assert [row["version"] for row in since] == [6, 7]
    assert since[0]["changes"]["location_note"]["new"] == NOTE_AFTER


@pytest.fixture(scope="module")
def edited(world: EditWorld) -> str:
    """A project (not sensitive) whose names, note, category and planned start changed in one edit."""
    slug = "history-labelled"
    _ok(world.client.post("/api/projects", json=new_feature(slug), headers=world.auth("planner")), 201)
    _patch(
        world,
        slug,
        {"properties": {"name_zh": "改名卫生院", "name_en": "Renamed", "location_note": "Opposite the school",
                        "category": "education", "planned_start": "2022-01-01"}},
    )  # fmt: skip
    return slug


LABELLED = ("name_zh", "name_en", "location_note", "category", "planned_start")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_field_labels_agree_across_surfaces(world: EditWorld, edited: str, lang: str) -> None:
    section = history_section(_ok(world.client.get(f"/projects/{edited}", params={"lang": lang})).text)
    page_labels = {name: text.split(":")[0].strip() for name, text in section.items}
    feed = feedparser.parse(_ok(world.client.get(f"/feeds/projects/{edited}.atom", params={"lang": lang})).text)
    colon = "：" if lang == "zh" else ": "
    summary = feed.entries[0].summary
    for name in LABELLED:
        heading = field_label(name, lang, heading=True)  # type: ignore[arg-type]
        assert page_labels[name] == heading, name
        assert f"{heading}{colon}" in summary, name
    # Page and feed list the changes in the same (reading) order.
    order = [n for n in READING_ORDER if n in LABELLED]
    assert [n for n, _ in section.items] == order
    lines = [line.split(colon)[0] for line in summary.splitlines()]
    assert lines == [field_label(n, lang, heading=True) for n in order]  # type: ignore[arg-type]
    # The editor's script names a conflicting change's fields with the same words.
    editor = _browser(world, "planner").get(f"/projects/{edited}", params={"lang": lang}).text
    config = re.search(r'<script type="application/json" id="pm-extras-config">(.*?)</script>', editor, re.S)
    assert config is not None
    messages = orjson.loads(config.group(1))["messages"]
    assert all(messages[f"field_{n}"] == field_label(n, lang, heading=True) for n in LABELLED)  # type: ignore[arg-type]


def test_the_export_columns_and_properties_kept_their_order(world: EditWorld) -> None:
    """The registry drives the CSV columns and the GeoJSON properties: a public contract, changed only on purpose
    (the Chinese location note beside the English one; the plan and the date its information dates from)."""
    header = _ok(world.client.get("/api/projects", params={"format": "csv", "limit": 1})).text.splitlines()[0]
    assert header.removeprefix("\ufeff").split(",") == [
        "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "towns", "plan_chapter",
        "plan_section", "source_quote", "figures", "start_year", "end_year", "location_precision", "location_note",
        "location_note_zh", "updated_at", "version", "wkt",
    ]  # fmt: skip
    props = _ok(world.client.get("/api/projects/tanling-pumped-storage")).json()["properties"]
    assert list(props) == [
        "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "towns", "plan_chapter",
        "plan_section", "source_quote", "figures", "start_year", "end_year", "location_precision", "location_note",
        "location_note_zh", "created_at", "updated_at", "version", "status_reason", "merged_into", "planned_start",
        "planned_end", "planned_investment_cny_100m", "actual_start", "actual_end", "actual_spend_cny_100m",
        "sensitive", "info_date", "info_precision", "plan", "plan_role", "warnings", "rag",
    ]  # fmt: skip


# Supervision tickets (督办) are the bureau's internal business: their steps are in the project's history
# for the planners, the officials with rights over the project, and the officials of the addressed unit;
# never for the public, never in a feed (the public page shows no ticket).
REQUEST_XINGZI = "请说明卫生院选址进展"
ANSWER_XINGZI = "已完成选址论证,待审批"
REQUEST_LIANZHOU = "请连州镇协助协调用地"
TICKET_ACTIONS = {"ticket_open", "ticket_answer", "ticket_close", "ticket_reopen"}


@pytest.fixture(scope="module")
def ticketed(world: EditWorld) -> str:
    """A Xingzi project with a ticket to Xingzi (opened, answered, closed, reopened) and one to Lianzhou (opened)."""
    slug = "history-ticketed"
    _ok(world.client.post("/api/projects", json=new_feature(slug), headers=world.auth("planner")), 201)
    deadline = (lianzhou_today() + timedelta(days=30)).isoformat()
    planner = world.auth("planner")
    tickets = f"/api/projects/{slug}/tickets"
    xingzi = _ok(world.client.post(tickets, json={"unit": "xingzi", "request": REQUEST_XINGZI, "deadline": deadline},
                                   headers=planner), 201).json()["id"]  # fmt: skip
    _ok(world.client.post(f"/api/tickets/{xingzi}/answer", json={"body": ANSWER_XINGZI},
                          headers=world.auth("official_xingzi")))  # fmt: skip
    _ok(world.client.post(f"/api/tickets/{xingzi}/close", json={"note": "办结"}, headers=planner))
    _ok(world.client.post(f"/api/tickets/{xingzi}/reopen", json={"reason": "审批未完成"}, headers=planner))
    body = {"unit": "lianzhou", "request": REQUEST_LIANZHOU, "deadline": deadline}
    _ok(world.client.post(tickets, json=body, headers=planner), 201)
    return slug


def _ticket_steps(world: EditWorld, user: str | None, slug: str) -> list[tuple[str, str]]:
    """(action, unit) of each ticket step in the API history a viewer gets, oldest first."""
    rows = _ok(world.client.get(f"/api/projects/{slug}/history", headers=world.auth(user))).json()
    return [(row["action"], row["ticket"]["unit"]) for row in rows if "ticket" in row]


TICKET_VIEWERS = {
    None: set(),  # the public sees no ticket
    "official_lianzhou": {"lianzhou"},  # no rights over a Xingzi project, but the addressed unit of one ticket
    "official_xingzi": {"xingzi", "lianzhou"},  # the project's town official
    "planner": {"xingzi", "lianzhou"},
}


@pytest.mark.parametrize("user", list(TICKET_VIEWERS), ids=[str(u or "anonymous") for u in TICKET_VIEWERS])
def test_ticket_steps_are_in_the_history_of_staff_who_may_know(
    world: EditWorld, ticketed: str, user: str | None
) -> None:
    units = TICKET_VIEWERS[user]
    steps = _ticket_steps(world, user, ticketed)
    expected = [("ticket_open", "xingzi"), ("ticket_answer", "xingzi"), ("ticket_close", "xingzi"),
                ("ticket_reopen", "xingzi"), ("ticket_open", "lianzhou")]  # fmt: skip
    assert steps == [step for step in expected if step[1] in units]
    for surface in ("api", "page"):
        shown = seen(world, surface, user, ticketed)
        assert (REQUEST_XINGZI in shown.text) == ("xingzi" in units), surface
        assert (ANSWER_XINGZI in shown.text) == ("xingzi" in units), surface
        assert (REQUEST_LIANZHOU in shown.text) == ("lianzhou" in units), surface
    feed = seen(world, "feed", user, ticketed)  # public by design: never a ticket, whoever reads it
    assert REQUEST_XINGZI not in feed.text and REQUEST_LIANZHOU not in feed.text and "督办" not in feed.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ticket_steps_read_in_the_readers_language_and_link_to_the_ticket(
    world: EditWorld, ticketed: str, lang: str
) -> None:
    html = _ok(_browser(world, "planner").get(f"/projects/{ticketed}", params={"lang": lang})).text
    section = history_section(html)
    text = "".join(section.text)
    words = {"zh": ("发起督办", "答复督办", "督办办结", "重新督办", "责任单位", "答复期限", "星子镇"),
             "en": ("supervision ticket opened", "supervision ticket answered", "supervision ticket closed",
                    "supervision ticket reopened", "Responsible unit", "Answer by", "Xingzi")}[lang]  # fmt: skip
    for word in words:
        assert word in text, (lang, word)
    assert ANSWER_XINGZI in text and "action_ticket" not in text and "ticket_unit" not in text
    links = re.findall(rf'href="/projects/{ticketed}/tickets(?:\?lang=en)?#pm-ticket-(\d+)"', html)
    assert len(links) == 5 and len(set(links)) == 2


def test_a_stale_writer_is_not_told_of_tickets(world: EditWorld, ticketed: str) -> None:
    """A 412 lists the versions written since the writer's: ticket steps are not versions of the project."""
    _patch(world, ticketed, {"properties": {"name_en": "Ticketed clinic"}})
    headers = {**world.auth("planner"), "If-Match": '"v1"'}
    response = world.client.patch(f"/api/projects/{ticketed}", json={"properties": {"name_en": "x"}}, headers=headers)
    assert response.status_code == 412
    since = response.json()["detail"]["changes_since"]
    assert [(row["action"], row["version"], "ticket" in row) for row in since] == [("update", 2, False)]
