"""`/feeds/…atom`: the project history as Atom feeds, in Chinese by default (`?lang=en`).

Feed readers poll; each request is one indexed query over the audit log and a few label
lookups, and `Cache-Control` lets a proxy answer repeated polls for a minute.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.conditional import conditional_response
from app.catalog.vocab import Lang
from app.core.dependencies import get_conn
from app.core.errors import NotFound
from app.feeds import atom
from app.feeds.describe import Labels, summary, title
from app.feeds.queries import Scope, ScopeKind, find_scope, load_changes, load_labels
from app.history.timeline import Entry
from app.web.i18n import MESSAGES, get_lang

router = APIRouter(prefix="/feeds", tags=["feeds"])

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Fixed, not the host the feed was fetched from: an entry's id must never change (RFC 4287 §4.2.6), and
# the same site answers under several names (localhost, a LAN address, its public name).
TAG_PREFIX = "tag:planmap,2026:"
CACHE_CONTROL = "public, max-age=60"

Conn = Annotated[AsyncConnection, Depends(get_conn)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many changes, newest first.")]
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {atom.MEDIA_TYPE: {}}, "description": "An Atom 1.0 feed, newest change first"},
    404: {"description": "No such project, town or category"},
}


def _with_lang(url: str, lang: Lang) -> str:
    return url if lang == "zh" else f"{url}{'&' if '?' in url else '?'}lang=en"


def _titles(scope: Scope, lang: Lang) -> str:
    site = MESSAGES[lang]["site_short"]
    name = scope.name(lang)
    zh, en = {
        "plan": ("全部项目变更", "All project changes"),
        "project": (f"{name}：变更记录", f"{name}: changes"),
        "town": (f"{name}项目变更", f"Project changes in {name}"),
        "category": (f"{name}类项目变更", f"{name}: project changes"),
    }[scope.kind]
    return f"{en if lang == 'en' else zh} · {site}"


def _html_page(scope: Scope) -> str:
    return {"project": f"/projects/{scope.key}", "town": f"/towns/{scope.key}"}.get(scope.kind, "/")


def _entry(change: Entry, labels: Labels, base: str) -> atom.Entry:
    lang = labels.lang
    return atom.Entry(
        id=f"{TAG_PREFIX}audit/{change.id}",
        title=title(change, labels),
        updated=change.at,
        author=change.actor,
        summary=summary(change, labels),
        links=[atom.Link(_with_lang(f"{base}/projects/{change.slug}", lang), type="text/html")],
        categories=[atom.Category(change.category, labels.categories.get(change.category))],
    )


async def _feed(request: Request, conn: AsyncConnection, kind: ScopeKind, key: str, limit: int) -> Response:
    scope = await find_scope(conn, kind, key)
    if scope is None:
        raise NotFound(f"no {kind} '{key}'")
    lang = get_lang(request)
    labels = await load_labels(conn, lang)
    changes = await load_changes(conn, scope, limit)
    base = str(request.base_url).rstrip("/")
    path = request.url.path
    feed = atom.Feed(
        id=TAG_PREFIX + _with_lang(path, lang),
        title=_titles(scope, lang),
        # An empty feed still needs a date; "now" is honest: nothing had changed as of now.
        updated=changes[0].at if changes else datetime.now(UTC),
        lang="en" if lang == "en" else "zh-CN",
        links=[
            atom.Link(str(request.url), rel="self", type=atom.MEDIA_TYPE),
            atom.Link(_with_lang(base + _html_page(scope), lang), type="text/html"),
        ],
        entries=[_entry(c, labels, base) for c in changes],
    )
    # ETag and Last-Modified: a reader polling an unchanged feed gets a 304, not the whole feed again.
    return conditional_response(
        request, atom.render(feed), f"{atom.MEDIA_TYPE}; charset=utf-8", feed.updated, {"Cache-Control": CACHE_CONTROL}
    )


@router.get("/plan.atom", response_class=Response, responses=RESPONSES, summary="Changes to every project")
async def plan_feed(request: Request, conn: Conn, limit: Limit = DEFAULT_LIMIT) -> Response:
    return await _feed(request, conn, "plan", "", limit)


@router.get("/projects/{slug}.atom", response_class=Response, responses=RESPONSES, summary="Changes to one project")
async def project_feed(
    request: Request, conn: Conn, slug: Annotated[str, Path(max_length=120)], limit: Limit = DEFAULT_LIMIT
) -> Response:
    return await _feed(request, conn, "project", slug, limit)


@router.get("/towns/{slug}.atom", response_class=Response, responses=RESPONSES, summary="Changes in one town")
async def town_feed(
    request: Request, conn: Conn, slug: Annotated[str, Path(max_length=40)], limit: Limit = DEFAULT_LIMIT
) -> Response:
    return await _feed(request, conn, "town", slug, limit)


@router.get("/categories/{code}.atom", response_class=Response, responses=RESPONSES, summary="Changes in one category")
async def category_feed(
    request: Request, conn: Conn, code: Annotated[str, Path(max_length=32)], limit: Limit = DEFAULT_LIMIT
) -> Response:
    return await _feed(request, conn, "category", code, limit)
