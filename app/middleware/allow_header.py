"""A 405 answer lists *every* method the URL supports in `Allow` (RFC 9110 §15.5.6).

Starlette builds the 405 from the first route whose path matched, so for
`/api/projects/{slug}` — GET, PATCH and DELETE live in three routes — it answered `Allow: GET`
and a client would never learn that PATCH exists. `with_allow` recomputes the header from all
routes whose path matches (applied by app.middleware.stack).
"""

from starlette.routing import BaseRoute, Match
from starlette.types import Message, Scope

PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route fully matches for this path (asked the routes themselves, included routers too)."""
    allowed = []
    for method in PROBED_METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            allowed.append(method)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # app.middleware.head answers HEAD for every GET
    return allowed


def with_allow(message: Message, routes: list[BaseRoute], scope: Scope) -> Message:
    """A 405's start message with `Allow` recomputed from every route of the path; other messages as they are."""
    if message["type"] != "http.response.start" or message["status"] != 405:
        return message
    methods = allowed_methods(routes, scope)
    if not methods:
        return message
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
    headers.append((b"allow", ", ".join(methods).encode()))
    return {**message, "headers": headers}
