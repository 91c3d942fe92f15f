"""Webhook signatures: `Quanhub-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The timestamp is inside the signed text, so a captured delivery cannot be replayed later
with a fresh timestamp; receivers reject signatures older than a tolerance (5 minutes by
default). Several `v1=` entries may appear while a secret is being rotated.

Rotation (POST /v1/subscriptions/{id}/rotate-secret) keeps the replaced secret valid for an
overlap window: until it ends every delivery carries two signatures, the new secret's first,
so a receiver verifies with whichever secret it holds and switches when it likes. Both
schemes allow it (Stripe's verifier and the standardwebhooks libraries accept a delivery if
any listed signature matches).

A subscription may instead ask for Standard Webhooks (https://www.standardwebhooks.com):
`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">`, keyed by the bytes the base64 after `whsec_` encodes, so that
partners verify with the standardwebhooks libraries instead of code of their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SIGNATURE_HEADER = "Quanhub-Signature"
DELIVERY_ID_HEADER = "Quanhub-Delivery-Id"
SUBSCRIPTION_ID_HEADER = "Quanhub-Subscription-Id"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 300
#: How long a replaced secret keeps signing after a rotation, unless the call says otherwise.
DEFAULT_OVERLAP_SECONDS = 24 * 3600
#: The longest overlap a rotation may ask for (a leaked secret must not live on for long).
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
QUANHUB = "quanhub"
STANDARD_WEBHOOKS = "standard-webhooks"
SIGNATURES = (QUANHUB, STANDARD_WEBHOOKS)


def new_secret(signature: str = QUANHUB) -> str:
    """A fresh signing secret (256 random bits), shown to the subscriber once.

    Standard Webhooks keys the HMAC with the decoded bytes of a standard base64 secret;
    the hub's own scheme keys it with the whole string (URL-safe base64 kept as it was).
    """
    if signature == STANDARD_WEBHOOKS:
        return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes, previous: Sequence[str] = ()) -> str:
    """The value of the Quanhub-Signature header for this body at this instant: one `v1=`
    per secret, the current one first, then those still in their rotation overlap."""
    signed = "".join(f",v1={compute_signature(s, timestamp, body)}" for s in (secret, *previous))
    return f"t={timestamp}{signed}"


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


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "<msg_id>.<timestamp>.<body>">` under the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def standard_headers(
    secret: str, msg_id: str, timestamp: int, body: bytes, previous: Sequence[str] = ()
) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery (the id is the delivery's, the
    same on every retry, so receivers can deduplicate on it). `webhook-signature` lists
    one `v1,` signature per secret, space-separated, the current secret's first."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, msg_id, timestamp, body) for s in (secret, *previous)
        ),
    }
