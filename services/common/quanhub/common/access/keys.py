"""API key format, generation and hashing.

A key reads `qh_<id>_<secret>`: the 12-character id finds the stored row without scanning,
the secret carries 256 bits of entropy. Only SHA-256 of the whole key is stored; a fast hash
is enough because the secret is random, not a password. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from quanhub.common.access.model import AuthenticationFailed

PREFIX = "qh"
_KEY = re.compile(r"^qh_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def hash_key(api_key: str) -> bytes:
    """The digest stored in api_keys.key_hash."""
    return hashlib.sha256(api_key.encode("ascii")).digest()


def key_matches(api_key: str, stored_hash: bytes) -> bool:
    """Whether the key hashes to the stored digest, compared in constant time."""
    return hmac.compare_digest(hash_key(api_key), stored_hash)


def parse_key_id(api_key: str) -> str:
    """The id part of a well-formed key; AuthenticationFailed for anything else."""
    match = _KEY.fullmatch(api_key)
    if match is None:
        msg = "malformed API key"
        raise AuthenticationFailed(msg)
    return match.group(1)


def _compose(key_id: str, secret_bytes: bytes) -> str:
    secret = base64.urlsafe_b64encode(secret_bytes).decode("ascii").rstrip("=")
    return f"{PREFIX}_{key_id}_{secret}"


def generate_key() -> tuple[str, str]:
    """A fresh random (key_id, api_key)."""
    key_id = secrets.token_hex(6)
    return key_id, _compose(key_id, secrets.token_bytes(32))


def derive_key(master: bytes, label: str) -> tuple[str, str]:
    """A (key_id, api_key) derived from a master secret: the same label gives the same key.

    Used only for the local profile's demo partners, so their keys survive restarts.
    """
    key_id = hmac.new(master, f"key-id\x1f{label}".encode(), hashlib.sha256).hexdigest()[:12]
    secret = hmac.new(master, f"key-secret\x1f{label}".encode(), hashlib.sha256).digest()
    return key_id, _compose(key_id, secret)
