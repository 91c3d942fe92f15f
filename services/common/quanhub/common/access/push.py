"""Push channels: which partner a sender that cannot set headers speaks for, and the
secret it signs with (POST /v1/inbound/{format}/{partner} on the gateway).

The secret is derived, never stored: the registry keeps one random nonce per (partner,
format), the secret is an HMAC of it under QUANHUB_PII_SECRET. A leaked registry reveals
no secret, rotation is a new nonce, and the CLI that issues a secret and the gateway that
verifies it compute the same value from this one function.

A Kdniao channel may instead carry the partner's own AppKey, the one Kdniao assigned its
account (Kdniao signs with it and the hub cannot choose it): kept sealed
(quanhub.common.access.push_keys), and when set it alone verifies the channel's pushes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from quanhub.common.access.model import PartnerNotFound, Principal, Role
from quanhub.common.access.push_keys import open_push_key
from quanhub.common.clock import Clock

__all__ = [
    "OWN_KEY_FORMATS",
    "PUSH_FORMATS",
    "PgPushChannels",
    "PushChannel",
    "PushChannels",
    "clear_partner_key",
    "has_partner_key",
    "issue_push_nonce",
    "push_secret",
    "set_partner_key",
    "verifying_secret",
]

#: The push formats the gateway accepts (the `{format}` of the route).
PUSH_FORMATS = frozenset({"kuaidi100", "kdniao"})
#: The formats whose channel may carry the partner's own key: Kdniao's AppKey is assigned
#: by Kdniao; Kuaidi100's salt is chosen by the subscriber, so the hub's secret serves.
OWN_KEY_FORMATS = frozenset({"kdniao"})


def push_secret(master: bytes, partner_code: str, fmt: str, nonce: str) -> str:
    """The secret (Kuaidi100's `salt`, Kdniao's AppKey) the partner's `fmt` pushes are
    signed with."""
    label = f"inbound-push\x1f{fmt}\x1f{partner_code}\x1f{nonce}".encode()
    return hmac.new(master, label, hashlib.sha256).hexdigest()[:32]


_CHANNEL = """SELECT p.code, p.role, p.name, p.customs_code, s.nonce,
                     s.partner_key, s.partner_account
              FROM partner_push_secrets s JOIN partners p ON p.code = s.partner_code
              WHERE s.partner_code = $1 AND s.format = $2 AND NOT p.disabled"""
_UPSERT_NONCE = """INSERT INTO partner_push_secrets (partner_code, format, nonce, created_at)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (partner_code, format)
                   DO UPDATE SET nonce = EXCLUDED.nonce, created_at = EXCLUDED.created_at"""
_PARTNER_EXISTS = "SELECT 1 FROM partners WHERE code = $1"
# A channel set up with the partner's own key alone still gets a nonce (never shown).
_SET_KEY = """INSERT INTO partner_push_secrets
                  (partner_code, format, nonce, created_at,
                   partner_key, partner_account, partner_key_set_at)
              VALUES ($1, $2, $3, $4, $5, $6, $4)
              ON CONFLICT (partner_code, format)
              DO UPDATE SET partner_key = EXCLUDED.partner_key,
                            partner_account = EXCLUDED.partner_account,
                            partner_key_set_at = EXCLUDED.partner_key_set_at"""
_HAS_KEY = """SELECT partner_key IS NOT NULL FROM partner_push_secrets
              WHERE partner_code = $1 AND format = $2"""
_CLEAR_KEY = """UPDATE partner_push_secrets
                SET partner_key = NULL, partner_account = NULL, partner_key_set_at = NULL
                WHERE partner_code = $1 AND format = $2 AND partner_key IS NOT NULL"""


@dataclass(frozen=True, slots=True)
class PushChannel:
    """An enabled partner's push channel for one format."""

    principal: Principal
    nonce: str
    #: The partner's own key, sealed (push_keys), and the account it is bound to.
    partner_key: bytes | None = None
    partner_account: str | None = None


def verifying_secret(master: bytes, channel: PushChannel, fmt: str) -> str:
    """The secret the channel's pushes must be signed with: the partner's own key when
    one is set, else the derived secret. PushKeyUnreadable if the sealed key does not open."""
    code = channel.principal.partner_code
    if channel.partner_key is not None:
        return open_push_key(master, code, fmt, channel.partner_account, channel.partner_key)
    return push_secret(master, code, fmt, channel.nonce)


class PushChannels(Protocol):
    """Finds the push channel of (partner, format); None when there is none (or the
    partner is disabled)."""

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None: ...


class PgPushChannels:
    """Push channels read from the registry at every push (a disabled partner or a
    rotated secret takes effect at once)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        row = await self._pool.fetchrow(_CHANNEL, partner_code, fmt, timeout=5)
        if row is None:
            return None
        principal = Principal(row["code"], Role(row["role"]), row["name"], row["customs_code"])
        return PushChannel(principal, row["nonce"], row["partner_key"], row["partner_account"])


async def issue_push_nonce(pool: asyncpg.Pool, partner_code: str, fmt: str, clock: Clock) -> str:
    """A new nonce for the partner's `fmt` pushes (the old secret stops verifying)."""
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(_PARTNER_EXISTS, partner_code) is None:
            msg = f"no partner has the code {partner_code!r}"
            raise PartnerNotFound(msg)
        nonce = secrets.token_hex(16)
        await conn.execute(_UPSERT_NONCE, partner_code, fmt, nonce, clock.now())
    return nonce


async def set_partner_key(
    pool: asyncpg.Pool,
    partner_code: str,
    fmt: str,
    *,
    sealed: bytes,
    partner_account: str | None,
    clock: Clock,
) -> None:
    """Keep the partner's own `fmt` key, sealed (push_keys.seal_push_key with the same
    partner, format and account): from the announcement on, it alone verifies."""
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(_PARTNER_EXISTS, partner_code) is None:
            msg = f"no partner has the code {partner_code!r}"
            raise PartnerNotFound(msg)
        nonce = secrets.token_hex(16)
        await conn.execute(_SET_KEY, partner_code, fmt, nonce, clock.now(), sealed, partner_account)


async def clear_partner_key(pool: asyncpg.Pool, partner_code: str, fmt: str) -> bool:
    """Forget the partner's own `fmt` key (the derived secret verifies again); False if
    none was set."""
    status = await pool.execute(_CLEAR_KEY, partner_code, fmt, timeout=5)
    return bool(status != "UPDATE 0")


async def has_partner_key(pool: asyncpg.Pool, partner_code: str, fmt: str) -> bool:
    """Whether the partner's own `fmt` key is set (then the derived secret does not verify)."""
    return bool(await pool.fetchval(_HAS_KEY, partner_code, fmt, timeout=5))
