"""Slow receivers of one partner delay nobody else, and hold no subscription locked.

Real PostgreSQL, a real dispatcher, real local HTTP servers: one partner's receivers
answer a byte at a time (in the headers, or in an endless body), another's answer at once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds import store
from quanhub.ledger.feeds.model import Delivery

from .support import (
    Receiver,
    Trickler,
    append_to_ledger,
    order_event,
    running_receiver,
    running_trickler,
    wait_until,
)
from .test_dispatcher import _settings, _subscribe, dispatching

pytestmark = pytest.mark.integration
SLOW_SUBSCRIPTIONS = 10


async def test_trickling_receivers_of_one_partner_do_not_stall_another(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    attacker, _ = await make_partner(Role.PLATFORM)
    victim, _ = await make_partner(Role.PLATFORM)
    async with (
        running_trickler(Trickler("headers")) as by_header,
        running_trickler(Trickler("body")) as by_body,
        running_receiver(Receiver()) as fast,
    ):
        slow: list[str] = []
        for n in range(SLOW_SUBSCRIPTIONS):
            url = (by_body if n < 2 else by_header).url
            slow.append(await _subscribe(pool, attacker.partner_code, url, ["order"]))
        mine = await _subscribe(pool, victim.partner_code, fast.url, ["order"])
        await append_to_ledger(
            pool, [order_event(attacker.partner_code, f"AT{n:05d}") for n in range(3)]
        )
        settings = _settings(database_settings, concurrency=8, request_timeout=4.0)
        async with dispatching(settings):

            async def attacker_posting() -> bool:
                return by_header.open + by_body.open >= 1

            await wait_until(attacker_posting, within=30)
            await asyncio.sleep(1.0)  # let the slow POSTs take every slot they can
            sent_at = time.monotonic()
            await append_to_ledger(pool, [order_event(victim.partner_code, "VI00001")])

            most_leased = 0

            async def victim_delivered() -> bool:
                nonlocal most_leased
                async with pool.acquire() as conn:
                    leased = await conn.fetchval(
                        "SELECT count(*) FROM feed_subscriptions "
                        "WHERE partner_code = $1 AND lease_until > now()",
                        attacker.partner_code,
                    )
                most_leased = max(most_leased, leased)
                return len(fast.accepted_events(mine)) == 1

            await wait_until(victim_delivered, within=30)
            victim_latency = time.monotonic() - sent_at

            # The subscription being POSTed to right now is not locked: DELETE is prompt.
            posting = (by_header.arrivals + by_body.arrivals)[-1]
            started = time.monotonic()
            async with pool.acquire() as conn:
                await asyncio.wait_for(
                    store.delete_subscription(
                        conn, attacker.partner_code, uuid.UUID(posting), now=datetime.now(UTC)
                    ),
                    timeout=10,
                )
            delete_seconds = time.monotonic() - started

            # A slow attempt ends at the deadline, logged as a timeout (slow[2:] trickle
            # their headers; a receiver trickling only its body has answered its status).
            async def timed_out() -> list[Delivery]:
                found: list[Delivery] = []
                async with pool.acquire() as conn:
                    for sub_id in slow[2:]:
                        log = await store.list_deliveries(
                            conn, uuid.UUID(sub_id), limit=1, before=None
                        )
                        found.extend(d for d in log if d.attempts >= 1)
                return found

            async def some_timed_out() -> bool:
                return bool(await timed_out())

            await wait_until(some_timed_out, within=30)
            attempted = (await timed_out())[0]
    print(f"victim latency {victim_latency:.2f} s, delete {delete_seconds:.2f} s")  # noqa: T201
    assert victim_latency < 5.0
    assert most_leased <= settings.partner_concurrency
    assert delete_seconds < 2.0
    assert attempted.status == "pending"
    assert attempted.last_error is not None
    assert attempted.last_error.startswith("timeout")
    assert attempted.last_duration_ms is not None
    assert attempted.last_duration_ms < 4000 + 1500


ATTACKERS = 5
SUBSCRIPTIONS_EACH = 3


async def test_many_partners_slow_receivers_do_not_stall_a_partner_with_nothing_in_flight(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    """Five colluding partners, each at its slot cap, together hold more than every slot
    (5 x 2 > 8) with receivers that trickle their headers until the 10 s deadline. A partner
    with nothing in flight still gets its delivery within a few seconds, not after one
    attempt deadline, and each attacker stays within its cap (one attempt per subscription
    is the lease's rule, unchanged: test_dispatcher.py)."""
    attackers = [(await make_partner(Role.PLATFORM))[0] for _ in range(ATTACKERS)]
    honest, _ = await make_partner(Role.PLATFORM)
    async with (
        running_trickler(Trickler("headers", interval=0.5)) as slow,
        running_receiver(Receiver()) as fast,
    ):
        for attacker in attackers:
            for _ in range(SUBSCRIPTIONS_EACH):
                await _subscribe(pool, attacker.partner_code, slow.url, ["order"])
        mine = await _subscribe(pool, honest.partner_code, fast.url, ["order"])
        await append_to_ledger(
            pool, [order_event(a.partner_code, f"MA{n:05d}") for n, a in enumerate(attackers)]
        )
        settings = _settings(database_settings, concurrency=8, request_timeout=10.0)
        async with dispatching(settings):

            async def slots_full() -> bool:
                return slow.open >= settings.concurrency

            await wait_until(slots_full, within=30)
            await asyncio.sleep(0.5)
            sent_at = time.monotonic()
            await append_to_ledger(pool, [order_event(honest.partner_code, "HO00001")])
            most_per_partner = 0

            async def honest_delivered() -> bool:
                nonlocal most_per_partner
                async with pool.acquire() as conn:
                    busiest = await conn.fetchval(
                        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n "
                        "FROM feed_subscriptions WHERE lease_until > now() "
                        "AND partner_code = ANY($1::text[]) GROUP BY partner_code) c",
                        [a.partner_code for a in attackers],
                    )
                most_per_partner = max(most_per_partner, busiest)
                return len(fast.accepted_events(mine)) == 1

            await wait_until(honest_delivered, within=30)
            latency = time.monotonic() - sent_at
            open_now = slow.open
    print(f"honest latency {latency:.2f} s with {open_now} slow attempts open")  # noqa: T201
    assert latency < 4.0
    assert most_per_partner <= settings.partner_concurrency
