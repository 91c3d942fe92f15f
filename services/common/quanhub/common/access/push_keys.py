"""A partner's own push key (Kdniao's AppKey) sealed for the registry. Pure: no I/O.

Kdniao signs a push with the AppKey it assigned the merchant's account, a value the hub
cannot choose, so unlike the derived push secrets (quanhub.common.access.push) it has to
be kept. The registry keeps it sealed with AES-256-GCM (the `cryptography` package: no
cryptography of our own) under a key derived with HKDF-SHA256 from QUANHUB_PII_SECRET, so
a database dump without the hub's secret reveals no AppKey. The associated data names the
partner, the format and the account (Kdniao's EBusinessID), so a sealed key copied to
another partner's row, another format, or beside another account does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from quanhub.common.access.model import AccessError

__all__ = ["PushKeyUnreadable", "open_push_key", "seal_push_key"]

_VERSION = b"\x01"  # the first byte of a sealed key: the scheme, so it can change later
_NONCE_BYTES = 12
_TAG_BYTES = 16
_INFO = b"quanhub partner push key v1"


class PushKeyUnreadable(AccessError):
    """A sealed push key does not open: another hub secret, or a row that was altered."""

    code = "push_key_unreadable"


def _cipher(master: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master)
    return AESGCM(key)


def _binding(partner_code: str, fmt: str, account: str | None) -> bytes:
    return "\x1f".join(("push-key", partner_code, fmt, account or "")).encode()


def seal_push_key(
    master: bytes, partner_code: str, fmt: str, account: str | None, push_key: str
) -> bytes:
    """`push_key` sealed for (partner, format, account): version, nonce, ciphertext, tag."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(master).encrypt(nonce, push_key.encode(), _binding(partner_code, fmt, account))
    return _VERSION + nonce + sealed


def open_push_key(
    master: bytes, partner_code: str, fmt: str, account: str | None, sealed: bytes
) -> str:
    """The push key sealed for (partner, format, account); PushKeyUnreadable otherwise."""
    if len(sealed) <= 1 + _NONCE_BYTES + _TAG_BYTES or sealed[:1] != _VERSION:
        msg = "the sealed push key is not one this hub writes"
        raise PushKeyUnreadable(msg)
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        clear = _cipher(master).decrypt(nonce, body, _binding(partner_code, fmt, account))
    except InvalidTag:
        msg = "the sealed push key does not open for this partner under this hub's secret"
        raise PushKeyUnreadable(msg) from None
    return clear.decode()
