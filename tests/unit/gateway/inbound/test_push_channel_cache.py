"""The gateway's push channel cache: kept while changes are heard, dropped when announced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from quanhub.common.access import Principal, Role
from quanhub.common.access.push import PushChannel
from quanhub.common.clock import FixedClock
from quanhub.common.errors import DependencyUnavailable
from quanhub.gateway.inbound.channels import CachedPushChannels

YTO = PushChannel(Principal("YTO", Role.CARRIER, "YTO Express", None), "n1")


class Registry:
    """YTO's kdniao channel; counts reads; can be told to fail or to change mid-read."""

    def __init__(self) -> None:
        self.reads = 0
        self.nonce = "n1"
        self.down = False
        self.during_read: CachedPushChannels | None = None

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        self.reads += 1
        if self.down:
            raise asyncpg.CannotConnectNowError("down")
        if self.during_read is not None:
            self.during_read.forget()  # an announcement arrives while the read is in flight
        if (partner_code, fmt) != ("YTO", "kdniao"):
            return None
        return PushChannel(YTO.principal, self.nonce)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, tzinfo=UTC))


def cache(registry: Registry, clock: FixedClock, *, listening: bool) -> CachedPushChannels:
    channels = CachedPushChannels(registry, clock, timedelta(seconds=15))
    channels.set_listening(listening)
    return channels


async def test_while_listening_lookups_live_for_the_ttl(clock: FixedClock) -> None:
    registry = Registry()
    channels = cache(registry, clock, listening=True)
    for _ in range(3):
        assert await channels.find("YTO", "kdniao") == YTO
        assert await channels.find("ZTO", "kdniao") is None  # "none" is kept too
    assert registry.reads == 2
    clock.advance(timedelta(seconds=16))
    await channels.find("YTO", "kdniao")
    assert registry.reads == 3


async def test_an_announcement_drops_every_lookup(clock: FixedClock) -> None:
    registry = Registry()
    channels = cache(registry, clock, listening=True)
    await channels.find("YTO", "kdniao")
    registry.nonce = "rotated"
    channels.forget()
    found = await channels.find("YTO", "kdniao")
    assert found is not None
    assert found.nonce == "rotated"


async def test_without_the_listener_lookups_live_one_second(clock: FixedClock) -> None:
    registry = Registry()
    channels = cache(registry, clock, listening=False)
    await channels.find("YTO", "kdniao")
    await channels.find("YTO", "kdniao")
    clock.advance(timedelta(seconds=1))
    await channels.find("YTO", "kdniao")
    assert registry.reads == 2


async def test_a_lookup_overtaken_by_an_announcement_is_not_kept(clock: FixedClock) -> None:
    registry = Registry()
    channels = cache(registry, clock, listening=True)
    registry.during_read = channels
    await channels.find("YTO", "kdniao")
    registry.during_read = None
    await channels.find("YTO", "kdniao")
    assert registry.reads == 2


async def test_an_unreachable_registry_is_a_dependency_failure(clock: FixedClock) -> None:
    registry = Registry()
    registry.down = True
    with pytest.raises(DependencyUnavailable):
        await cache(registry, clock, listening=True).find("YTO", "kdniao")
