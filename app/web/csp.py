"""Marking the inline `<script>` and `<style>` elements the pages emit with the request's CSP nonce.

Only markup we generate ourselves goes through here (Folium's header and map script, our
templates' own tags); user text is autoescaped by Jinja and never contains a raw tag, and it is
never passed through `add_nonce`, so an injected script could not acquire the nonce.
"""

import re
from dataclasses import replace

from fastapi import Request

from app.middleware.security_headers import csp_nonce
from app.web.maps import MapParts

_OPENING_TAG = re.compile(r"<(script|style)(?=[\s>])(?![^>]*\snonce=)", re.IGNORECASE)


def request_nonce(request: Request) -> str:
    """The nonce the security-headers middleware chose for this request ('' without the middleware)."""
    return csp_nonce(request.scope.get("state") or {})


def add_nonce(html: str, nonce: str) -> str:
    """Every `<script …>` / `<style …>` opening tag in `html` gets `nonce="…"` (unless it has one)."""
    if not nonce:
        return html
    return _OPENING_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', html)


def nonced_map(parts: MapParts, nonce: str) -> MapParts:
    """Folium's header and map markup with the nonce on their inline elements (the map script itself goes
    inside the page template's own `<script nonce=…>`)."""
    return replace(parts, header=add_nonce(parts.header, nonce), html=add_nonce(parts.html, nonce))
