"""Security headers on every response, with a Content-Security-Policy the map pages work under.

The map pages are Folium pages: Folium writes inline `<script>` and `<style>` elements. Rather
than allow every inline script (`'unsafe-inline'`, which would let an injected script run), each
request gets a fresh random nonce; the page renderer adds it to the inline elements *it* emits
(app/web/csp.py), and the policy allows only scripts with that nonce or from our own origin. A
script smuggled into the page through data would not carry the nonce, so it would not run.

Style *attributes* (`style="width: 40%"` in the dashboard bars, and Leaflet's own positioning)
stay allowed (`style-src-attr 'unsafe-inline'`): they cannot run code, and Leaflet cannot work
without them.

Other choices, each for a reason:
- images: our origin, `data:` (Leaflet's icons), and only the tile server the settings choose;
- `frame-ancestors 'none'` + `X-Frame-Options: DENY`: no clickjacking through a frame;
- `Referrer-Policy: strict-origin-when-cross-origin`, not `no-referrer`: OpenStreetMap's tile
  policy asks for a Referer, and only the origin (never the page path) leaves the site;
- `Permissions-Policy`: geolocation only for our own pages (the near-me page's locate button),
  fullscreen for the map control, camera/microphone/payment/usb off;
- responses that are not HTML (JSON, GeoJSON, tiles) get `default-src 'none'`: nothing in them
  should ever load anything if someone opens one in a browser;
- `/docs` (Swagger UI) loads FastAPI's usual CDN assets, so it gets its own policy naming them.
"""

import secrets
from collections.abc import Iterable

from app.core.settings import Settings

TILE_IMAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "osm": ("https://tile.openstreetmap.org",),
    "tianditu": ("https://*.tianditu.gov.cn",),
    "amap": ("https://*.is.autonavi.com",),
    "none": (),
}
DOCS_PATHS = ("/docs", "/redoc")
DOCS_CDN = "https://cdn.jsdelivr.net"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PERMISSIONS_POLICY = "geolocation=(self), fullscreen=(self), camera=(), microphone=(), payment=(), usb=()"


def page_policy(nonce: str, image_sources: Iterable[str]) -> str:
    images = " ".join(["'self'", "data:", *image_sources])
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "style-src-attr 'unsafe-inline'; "
        f"img-src {images}; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


def docs_policy(nonce: str) -> str:
    """Swagger UI and ReDoc as FastAPI serves them: assets from the CDN, our nonce on the inline script."""
    return (
        "default-src 'self'; "
        f"script-src 'self' {DOCS_CDN} 'nonce-{nonce}'; "
        f"style-src 'self' {DOCS_CDN} https://fonts.googleapis.com 'unsafe-inline'; "
        "font-src 'self' https://fonts.gstatic.com; "
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
        "worker-src 'self' blob:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def csp_nonce(scope_state: dict[str, object]) -> str:
    """The nonce of the current request (set by app.middleware.stack), for the page renderer."""
    nonce = scope_state.get("csp_nonce")
    return nonce if isinstance(nonce, str) else ""


class SecurityHeaders:
    """The headers every HTTP response gets; the CSP depends on whether the response is a page."""

    def __init__(self, settings: Settings) -> None:
        self.image_sources = TILE_IMAGE_SOURCES.get(settings.tiles, ())
        self.production = settings.env == "production"

    def apply(self, headers: list[tuple[bytes, bytes]], nonce: str, path: str) -> list[tuple[bytes, bytes]]:
        """`headers` with ours replacing any the app set under the same names."""
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if content_type.startswith(b"text/html"):
            policy = docs_policy(nonce) if path.startswith(DOCS_PATHS) else page_policy(nonce, self.image_sources)
        else:
            policy = API_POLICY
        ours = {
            b"content-security-policy": policy.encode(),
            b"x-content-type-options": b"nosniff",
            b"x-frame-options": b"DENY",
            b"referrer-policy": b"strict-origin-when-cross-origin",
            b"permissions-policy": PERMISSIONS_POLICY.encode(),
            b"cross-origin-opener-policy": b"same-origin",
        }
        if self.production:
            ours[b"strict-transport-security"] = b"max-age=31536000"
        kept = [(k, v) for k, v in headers if k.lower() not in ours]
        kept.extend(ours.items())
        return kept
