"""Bearer-key authentication with a cache, so neither API queries the registry per request.

Verdicts, positive and negative, are cached keyed by the key's hash (never the clear key).
How long one is trusted depends on whether the process hears the registry's changes:

- listening (an `AccessListener` is connected on `quanhub_access`): for `ttl` (15 s),
  but every change to `partners` or `api_keys` drops the whole cache at once, so a disabled
  partner or a revoked, rotated or expired key stops working within a notification's delay;
- not listening (before the listener connects, while it reconnects, or with none): for
  `fallback_ttl` (1 s) only, so a change whose notification was lost is honoured that late
  at most.

A verdict read from the registry before a change but stored after the change was announced
would be stale for a whole `ttl`: each invalidation starts a new generation, and a verdict
looked up in an older one answers its request but is not cached. A key created a moment ago
was never in the cache, so it works at once.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg

from quanhub.common.access.keys import hash_key, key_matches, parse_key_id
from quanhub.common.access.model import AuthenticationFailed, Principal, Role
from quanhub.common.clock import Clock
from quanhub.common.errors import DependencyUnavailable

#: How long a verdict is trusted while registry changes are not heard (see the docstring).
FALLBACK_TTL = timedelta(seconds=1)

_LOOKUP = """
SELECT k.key_hash, k.expires_at, k.revoked, k.demo,
       p.code, p.role, p.name, p.customs_code, p.disabled
FROM api_keys k JOIN partners p ON p.code = k.partner_code
WHERE k.id = $1
"""


class KeyAuthenticator(Protocol):
    """Anything that turns an API key into a Principal (the real one, or a test fake)."""

    async def authenticate(self, api_key: str) -> Principal: ...


class Authenticator:
    """Verifies API keys against the registry, caching verdicts for a short time."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Clock,
        ttl: timedelta = timedelta(seconds=15),
        *,
        fallback_ttl: timedelta = FALLBACK_TTL,
        allow_demo_keys: bool = False,
        max_entries: int = 10_000,
    ) -> None:
        # Demo keys (quanhub.common.access.demo) may derive from the public placeholder
        # secret: only the local profile may accept them.
        self._allow_demo_keys = allow_demo_keys
        self._pool = pool
        self._clock = clock
        self._ttl = ttl
        self._fallback_ttl = min(ttl, fallback_ttl)
        self._listening = False
        self._generation = 0
        self._max_entries = max_entries
        self._cache: OrderedDict[bytes, tuple[Principal | None, datetime]] = OrderedDict()

    @property
    def listening(self) -> bool:
        """Whether registry changes are being heard (verdicts then live for `ttl`)."""
        return self._listening

    async def authenticate(self, api_key: str) -> Principal:
        """The partner the key belongs to; AuthenticationFailed if it is not usable now."""
        now = self._clock.now()
        digest = hash_key(api_key) if api_key.isascii() else b""
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            if cached[0] is None:
                raise AuthenticationFailed("invalid API key")
            return cached[0]
        generation = self._generation
        principal, valid_until = await self._verify(api_key, now)
        if generation == self._generation:
            lifetime = self._ttl if self._listening else self._fallback_ttl
            self._remember(digest, principal, min(valid_until, now + lifetime))
        if principal is None:
            raise AuthenticationFailed("invalid API key")
        return principal

    def forget(self) -> None:
        """Drop every cached verdict: the registry changed (or may have, unheard)."""
        self._generation += 1
        self._cache.clear()

    def set_listening(self, listening: bool) -> None:
        """Registry changes are heard from now on (True), or no longer (False). Either way
        the cache is dropped: changes made while nobody listened were not announced to us,
        and verdicts cached for `ttl` must not outlive the listener."""
        self._listening = listening
        self.forget()

    async def _verify(self, api_key: str, now: datetime) -> tuple[Principal | None, datetime]:
        key_id = parse_key_id(api_key)
        try:
            row = await self._pool.fetchrow(_LOOKUP, key_id, timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            msg = "the partner registry is unreachable"
            raise DependencyUnavailable(msg) from exc
        if row is None or row["revoked"] or row["disabled"]:
            return None, now + self._ttl
        if row["demo"] and not self._allow_demo_keys:
            return None, now + self._ttl
        if not key_matches(api_key, bytes(row["key_hash"])):
            return None, now + self._ttl
        expires_at: datetime | None = row["expires_at"]
        if expires_at is not None and expires_at <= now:
            return None, now + self._ttl
        principal = Principal(row["code"], Role(row["role"]), row["name"], row["customs_code"])
        return principal, expires_at or now + self._ttl

    def _remember(self, digest: bytes, principal: Principal | None, until: datetime) -> None:
        self._cache[digest] = (principal, until)
        self._cache.move_to_end(digest)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
