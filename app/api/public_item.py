"""The plain public read of one project, answered without FastAPI's routing and dependency solving (issue 23).

`GET /api/projects/{slug}` is the hottest read (a map's popup, a shared link, a GIS client walking
ids). Under load py-spy put a fifth of a worker's samples in FastAPI's `solve_dependencies` for it
(the connection, the principal, `as_of` and `plan`, each through its own dependency), and several
percent more in matching the request through the included routers (bench/NOTES.md, fifth round),
against 18 % for the statement itself.

This route answers only the request that needs none of that: GET (or HEAD, which the middleware
routes as GET) with no query string, no `Authorization` header and no session cookie. For it
`get_project` (app/api/projects.py) would make exactly this read: an anonymous reader, no `as_of`,
no `plan`. Every other request — a bearer token, a session cookie, `as_of`, `plan`, any query
parameter, a slug longer than `get_project` admits — is not matched here and falls through to
`get_project`, so authentication, validation and their 401/422 answers stay FastAPI's own, and the
OpenAPI description is `get_project`'s. Visibility is safe by construction: this module only ever
makes the public read (`fetch_public_feature`: `projects_public`, sensitive sites generalised); a
staff reader always takes the full route, which decides who they are.

The read borrows a connection of the app's pool for its one statement (`fetch_one_pooled`,
app/queries/driver.py): check-out, statement and return in one greenlet switch.

It runs inside the same middleware layer as every route (request id, metrics and access log under
the route template `/api/projects/{slug}`, security headers, error shield), and a missing project
raises the same `NotFound` the error table turns into the same 404.
"""

import re
from typing import Any

from starlette.datastructures import URLPath
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from app.api.responses import GEOJSON_MEDIA_TYPE
from app.auth.csrf import SESSION_COOKIE
from app.core.errors import NotFound
from app.editing.current import etag
from app.queries.project_pages import fetch_public_feature

PATH_FORMAT = "/api/projects/{slug}"
MAX_SLUG = 120  # get_project's Path(max_length=…) too: a longer slug falls through for its 422
_PATH = re.compile(r"^/api/projects/([^/]+)$")  # Starlette's `{slug}`: one non-empty path segment
_AUTHORIZATION = b"authorization"
_COOKIE = b"cookie"
_SESSION = SESSION_COOKIE.encode() + b"="


def is_plain_public_read(scope: Scope) -> bool:
    """A GET with no query string and no credential that could make the reader staff."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    for name, value in scope["headers"]:
        # Any cookie header naming the session falls through, even a stale one: the full route decides.
        if name == _AUTHORIZATION or (name == _COOKIE and _SESSION in value):
            return False
    return True


class PublicItemRoute(BaseRoute):
    """Matches the plain public read of `/api/projects/{slug}`; anything else is left to the routes after it."""

    path_format = PATH_FORMAT  # the route template metrics and the access log label the request with
    include_in_schema = False  # documented by get_project, which answers every other form of this URL

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not is_plain_public_read(scope):
            return Match.NONE, {}
        found = _PATH.match(route_path(scope))
        if found is None or len(found.group(1)) > MAX_SLUG:
            return Match.NONE, {}
        return Match.FULL, {"path_params": {"slug": found.group(1)}, "route": self}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await public_item(scope, scope["path_params"]["slug"])
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # nothing links to it by name: get_project's name stays the one


def route_path(scope: Scope) -> str:
    """The path below the app's root path, as Starlette's routes match it (starlette._utils.get_route_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) and path != root else path


async def public_item(scope: Scope, slug: str) -> Response:
    """The project as the public sees it, with the ETag of its live version (what get_project sends)."""
    app = scope["app"]
    found = await fetch_public_feature(app.state.engine, app.state.settings.stale_days, slug)
    if found is None:
        raise NotFound(f"no project '{slug}'")
    version, body = found
    return Response(body, media_type=GEOJSON_MEDIA_TYPE, headers={"ETag": etag(version)})
