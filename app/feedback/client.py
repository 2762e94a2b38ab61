"""Recognising a repeat sender without keeping their address.

Rate limiting needs to know that two messages came from the same client; it does not need
to know who the client is. So only HMAC-SHA256(salt, address) is stored: the salt is a
random secret made by the migration (`site_secrets`), the same for every worker and kept
across restarts, so the limit holds everywhere, while the stored hashes cannot be turned
back into addresses by trying all 2^32 IPv4 addresses without the salt.
"""

import hashlib
import hmac

from sqlalchemy import Connection, text

SALT_NAME = "feedback_client_salt"


def client_hash(conn: Connection, address: str) -> str:
    """The salted hash that stands for a client address in the feedback table."""
    salt = conn.execute(text("SELECT value FROM site_secrets WHERE name = :n"), {"n": SALT_NAME}).scalar_one()
    return hmac.new(str(salt).encode(), address.encode(), hashlib.sha256).hexdigest()
