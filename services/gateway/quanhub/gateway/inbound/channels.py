"""Push channels cached per process, so a push does not read PostgreSQL each time.

The cache follows the API keys' (quanhub.common.access.auth): lookups, found or not, are
kept for `ttl` while the process hears `quanhub_access` (migration 0024 announces every
change to `partner_push_secrets`, migration 0020 every change to `partners`), and for
`fallback_ttl` only while it does not. Each announcement drops the whole cache, so a
rotated secret or a disabled partner stops verifying within a notification's delay, and a
channel issued a moment ago works at once. A lookup begun before an announcement answers
its push but is not kept (the generation guard).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

import asyncpg

from quanhub.common.access.auth import FALLBACK_TTL
from quanhub.common.access.push import PushChannel, PushChannels
from quanhub.common.clock import Clock
from quanhub.common.errors import DependencyUnavailable

__all__ = ["CachedPushChannels", "NoPushChannels"]


class NoPushChannels:
    """No partner has a push channel (an app wired without a registry)."""

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        return None


class CachedPushChannels:
    """`PushChannels` in front of the registry's, driven by an AccessListener."""

    def __init__(
        self,
        registry: PushChannels,
        clock: Clock,
        ttl: timedelta,
        *,
        fallback_ttl: timedelta = FALLBACK_TTL,
        max_entries: int = 10_000,
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._ttl = ttl
        self._fallback_ttl = min(ttl, fallback_ttl)
        self._listening = False
        self._generation = 0
        self._max_entries = max_entries
        self._cache: OrderedDict[tuple[str, str], tuple[PushChannel | None, datetime]] = (
            OrderedDict()
        )
        self.lookups = 0  # registry reads, for tests and curiosity

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        """The channel, from the cache while its lookup is fresh, else from the registry."""
        now = self._clock.now()
        key = (partner_code, fmt)
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        generation = self._generation
        self.lookups += 1
        try:
            channel = await self._registry.find(partner_code, fmt)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            msg = "the partner registry is unreachable"
            raise DependencyUnavailable(msg) from exc
        if generation == self._generation:
            lifetime = self._ttl if self._listening else self._fallback_ttl
            self._cache[key] = (channel, now + lifetime)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return channel

    def forget(self) -> None:
        """Drop every cached lookup: the registry changed (or may have, unheard)."""
        self._generation += 1
        self._cache.clear()

    def set_listening(self, listening: bool) -> None:
        """Registry changes are heard from now on, or no longer; either way start afresh."""
        self._listening = listening
        self.forget()
