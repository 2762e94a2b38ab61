"""HEAD on every GET route (RFC 9110 §9.3.2): the GET's status and headers, without its body.

FastAPI registers `@router.get` for GET alone, so HEAD answered 405 everywhere and uptime
monitors and link checkers reported the site down. Declaring HEAD route by route would be
forgotten on the next route; here, once (app.middleware.stack), a HEAD request is routed as a GET
and the body is dropped on the way out. `Content-Length` stays what the GET would send, as the RFC asks.
"""

from starlette.types import Message, Scope


class HeadBody:
    """What a HEAD request sends of the GET's answer: its start, then one empty, final body message."""

    def __init__(self, scope: Scope) -> None:
        self.active = scope["method"] == "HEAD"
        self.finished = False

    def routed(self, scope: Scope) -> Scope:
        """The scope the app sees: a HEAD request is routed as GET."""
        return {**scope, "method": "GET"} if self.active else scope

    def rewrite(self, message: Message) -> Message | None:
        """The message to send instead (None: drop it); unchanged for anything but a HEAD's body."""
        if not self.active or message["type"] != "http.response.body":
            return message
        if self.finished:
            return None
        # One empty, final body message, whatever the GET streamed; the rest is dropped.
        self.finished = True
        return {"type": "http.response.body", "body": b"", "more_body": False}
