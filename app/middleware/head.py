"""HEAD on every GET route (RFC 9110 §9.3.2): the GET's status and headers, without its body.

FastAPI registers `@router.get` for GET alone, so HEAD answered 405 everywhere and uptime
monitors and link checkers reported the site down. Declaring HEAD route by route would be
forgotten on the next route; here, once, a HEAD request is routed as a GET and the body is
dropped on the way out. `Content-Length` stays what the GET would send, as the RFC asks.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not finished:
                # One empty, final body message, whatever the GET streamed; the rest is dropped.
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif message["type"] != "http.response.body":
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
