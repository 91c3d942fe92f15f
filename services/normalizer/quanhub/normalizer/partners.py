"""Who owns a partner topic: the registry's Principal for its code (cached), or None.

A partner's own topic is `<ns>.raw.partner.<code>.v1`; its owner publishes under exactly
the rules the gateway applies to HTTP (quanhub.common.access.publishing.check_publish), so
the normalizer needs the owner's role and customs code from the partner registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg

from quanhub.common.access import PartnerNotFound, Principal, get_partner
from quanhub.common.clock import Clock
from quanhub.common.db import create_pool
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.settings import DatabaseSettings

__all__ = ["PartnerDirectory", "RegistryDirectory", "StaticDirectory"]


class PartnerDirectory(Protocol):
    """The publishing identity behind a partner code."""

    async def principal(self, code: str) -> Principal | None:
        """The partner's Principal, or None when it is unknown or disabled.

        Raises DependencyUnavailable when the registry cannot be asked (retriable).
        """
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class StaticDirectory:
    """A fixed set of principals (tests, and hubs without partner topics)."""

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        self._principals = dict(principals)

    async def principal(self, code: str) -> Principal | None:
        """The principal registered under `code`, if any."""
        return self._principals.get(code)

    async def close(self) -> None:
        """Nothing to release."""


class RegistryDirectory:
    """The PostgreSQL partner registry, each answer (also "unknown") cached for `ttl`."""

    def __init__(self, settings: DatabaseSettings, clock: Clock, ttl: timedelta) -> None:
        self._settings = settings
        self._clock = clock
        self._ttl = ttl
        self._pool: asyncpg.Pool | None = None
        self._cache: dict[str, tuple[Principal | None, datetime]] = {}

    async def principal(self, code: str) -> Principal | None:
        """The enabled partner's Principal, from cache or the registry."""
        now = self._clock.now()
        cached = self._cache.get(code)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            if self._pool is None:
                self._pool = await create_pool(self._settings)
            partner = await get_partner(self._pool, code)
            found = None if partner.disabled else partner.principal()
        except PartnerNotFound:
            found = None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            msg = f"partner registry unavailable: {type(exc).__name__}"
            raise DependencyUnavailable(msg) from exc
        self._cache[code] = (found, now + self._ttl)
        return found

    async def close(self) -> None:
        """Close the pool, if one was opened."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
