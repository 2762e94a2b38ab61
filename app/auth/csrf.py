"""The site's login session: an opaque token in an HttpOnly cookie, and the CSRF token that goes with it.

The cookie holds a token from the same `auth_tokens` table as the API's bearer tokens, so
logging out, disabling a user or changing a password ends a browser session exactly as it
ends an API token. Page scripts never see it (HttpOnly), so an injected script cannot steal
it, and nothing is kept in localStorage.

A cookie is sent by the browser on its own, which is what makes cross-site request forgery
possible; so every cookie-authenticated unsafe request must also carry a CSRF token that a
page of another site cannot know. It is derived from the session token (HMAC, keyed by the
token): no second table, it dies with the session, and a copy of the database (which holds
only the SHA-256 of the token) cannot produce it.
"""

import hashlib
import hmac

SESSION_COOKIE = "planmap_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: stable for its lifetime, unguessable without the cookie."""
    return hmac.new(session_token.encode(), b"planmap-csrf-v1", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    """Constant-time check of a presented CSRF token against the session's."""
    if not presented:
        return False
    return hmac.compare_digest(csrf_token_for(session_token), presented.strip())


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target after login or logout: a path on this site only, never another host.

    `//evil.example` and `/\\evil.example` are read by browsers as other hosts, so only a single
    leading slash followed by something else is accepted.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(c in target for c in "\r\n\\") or len(target) > 500:
        return default
    return target
