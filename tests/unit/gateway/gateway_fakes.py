"""Fakes of the gateway's ports: a fixed key table and an in-memory Kafka."""

from __future__ import annotations

from collections.abc import Sequence

from quanhub.common.access import AuthenticationFailed, Principal, Role
from quanhub.common.errors import DependencyUnavailable
from quanhub.gateway.publisher import Record

PRINCIPALS = {
    "key-tmall": Principal("TMALL", Role.PLATFORM, "Tmall", "3701PT0001"),
    "key-sf": Principal("SF", Role.CARRIER, "SF", "3701LG0001"),
    "key-agent": Principal("JNAGENT", Role.CUSTOMS_AGENT, "Agent", "3701AG0001"),
    "key-analyst": Principal("JNCOMMERCE", Role.ANALYST, "Analyst"),
}


class FakeAuthenticator:
    """Knows a fixed table of keys."""

    async def authenticate(self, api_key: str) -> Principal:
        try:
            return PRINCIPALS[api_key]
        except KeyError:
            raise AuthenticationFailed("invalid API key") from None


class FakePublisher:
    """Remembers what it was asked to publish, or fails like an unreachable Kafka."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.available = True

    async def publish(self, records: Sequence[Record]) -> None:
        if not self.available:
            raise DependencyUnavailable("Kafka is not reachable")
        self.records.extend(records)

    async def ready(self) -> bool:
        return self.available
