"""Signatures the receivers check: DingTalk's robot `sign`, and planmap's own webhook signature.

Kept apart from the sending code so a receiving system (and the tests) can verify with the very
same functions planmap signs with.
"""

import base64
import hashlib
import hmac

WEBHOOK_SIGNATURE_HEADER = "X-Planmap-Signature"
WEBHOOK_TIMESTAMP_HEADER = "X-Planmap-Timestamp"
IDEMPOTENCY_HEADER = "X-Planmap-Idempotency-Key"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), sent as `sign` (URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>." + body).

    The timestamp is inside the signed text so a captured request cannot be replayed later with a
    fresh timestamp header; receivers should also refuse timestamps more than a few minutes old.
    """
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of a received planmap webhook signature."""
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(webhook_signature(secret, int(timestamp), body), signature)
