"""Webhook signatures: `Quanhub-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The timestamp is inside the signed text, so a captured delivery cannot be replayed later
with a fresh timestamp; receivers reject signatures older than a tolerance (5 minutes by
default). Several `v1=` entries may appear while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Quanhub-Signature"
DELIVERY_ID_HEADER = "Quanhub-Delivery-Id"
SUBSCRIPTION_ID_HEADER = "Quanhub-Subscription-Id"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret (256 random bits), shown to the subscriber once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the Quanhub-Signature header for this body at this instant."""
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether the header signs this body with this secret within `tolerance` seconds of now."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
