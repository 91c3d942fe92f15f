"""The dispatcher against real PostgreSQL and a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.dispatcher.bootstrap import bootstrap
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.feeds import store
from quanhub.ledger.feeds.signing import verify_signature
from quanhub.ledger.feeds.source import LedgerEventSource

from .support import Receiver, append_to_ledger, parcel_event, running_receiver, wait_until

pytestmark = pytest.mark.integration
SECRET = "whsec_" + "s" * 40


def _settings(database: DatabaseSettings, **overrides: object) -> DispatcherSettings:
    options: dict[str, object] = {
        "database": database,
        "concurrency": 4,
        "batch_size": 40,
        "poll_interval": 0.2,
        "retry_base_seconds": 0.05,
        "retry_cap_seconds": 0.5,
        "request_timeout": 5.0,
    }
    options.update(overrides)
    return DispatcherSettings(**options)  # type: ignore[arg-type]


@asynccontextmanager
async def dispatching(settings: DispatcherSettings) -> AsyncIterator[None]:
    app = bootstrap(settings, serve_ops=False)
    task = asyncio.create_task(app.run())
    try:
        yield
    finally:
        app.stop()
        await asyncio.wait_for(task, 30)


async def _subscribe(pool: asyncpg.Pool, partner: str, url: str, kinds: list[str]) -> str:
    async with pool.acquire() as conn:
        head = await LedgerEventSource().head(conn)
        sub = await store.create_subscription(
            conn,
            partner_code=partner,
            url=url,
            kinds=kinds,
            description="test",
            secret=SECRET,
            cursor_seq=head,
            now=datetime.now(UTC),
        )
    return str(sub.id)


async def test_failing_receiver_gets_every_event_once_and_in_order(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, _ = await make_partner(Role.CARRIER)
    other, _ = await make_partner(Role.CARRIER)
    async with running_receiver(Receiver(fail_first=3)) as receiver:
        sub_id = await _subscribe(pool, carrier.partner_code, receiver.url, ["parcel"])
        mine: list[int] = []
        for chunk in range(5):
            events = [
                parcel_event(carrier.partner_code, f"SF{chunk:02d}{n:04d}", n) for n in range(50)
            ]
            noise = [
                parcel_event(other.partner_code, f"ZT{chunk:02d}{n:04d}", n) for n in range(10)
            ]
            seqs = await append_to_ledger(pool, events + noise)
            mine.extend(seqs[:50])
        async with dispatching(_settings(database_settings)):

            async def all_arrived() -> bool:
                return len(receiver.accepted_events(sub_id)) >= len(mine)

            await wait_until(all_arrived, within=60)

    assert [r.status for r in receiver.requests[:4]] == [500, 500, 500, 200]
    # The three failures and the success are the same delivery, retried.
    first_ids = {r.headers["quanhub-delivery-id"] for r in receiver.requests[:4]}
    assert len(first_ids) == 1
    seqs = [e["seq"] for e in receiver.accepted_events(sub_id)]
    assert seqs == sorted(mine)  # every event, exactly once, in ledger order
    assert {e["source_partner"] for e in receiver.accepted_events(sub_id)} == {carrier.partner_code}
    for request in receiver.requests:
        assert request.headers["quanhub-subscription-id"] == sub_id
        timestamp = int(request.headers["quanhub-signature"].split(",")[0][2:])
        assert verify_signature(
            SECRET, request.headers["quanhub-signature"], request.body, now=timestamp
        )
    delivered_ids = [r.headers["quanhub-delivery-id"] for r in receiver.accepted]
    assert len(delivered_ids) == len(set(delivered_ids))

    async with pool.acquire() as conn:
        log = await store.list_deliveries(conn, uuid.UUID(sub_id), limit=100, before=None)
    assert all(d.status == "succeeded" for d in log)
    assert log[-1].attempts == 4  # the oldest delivery: three failures then success
    assert log[-1].last_status_code == 200
    assert sum(d.event_count for d in log) == len(mine)


async def test_two_dispatchers_deliver_nothing_twice(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carriers = [await make_partner(Role.CARRIER) for _ in range(6)]
    async with running_receiver(Receiver(delay=0.01)) as receiver:
        subs: dict[str, str] = {}
        for principal, _ in carriers:
            for _copy in range(2):
                sub_id = await _subscribe(pool, principal.partner_code, receiver.url, ["parcel"])
                subs[sub_id] = principal.partner_code
        settings = _settings(database_settings, batch_size=7)
        async with dispatching(settings), dispatching(settings):
            expected: Counter[str] = Counter()
            for round_no in range(4):
                events = [
                    parcel_event(p.partner_code, f"W{round_no}{i:03d}{n}", n)
                    for i, (p, _) in enumerate(carriers)
                    for n in range(15)
                ]
                await append_to_ledger(pool, events)
                for p, _ in carriers:
                    expected[p.partner_code] += 15
                await asyncio.sleep(0.1)
            total = sum(expected.values()) * 2

            async def all_arrived() -> bool:
                return len(receiver.accepted_events()) >= total

            await wait_until(all_arrived, within=60)
            await asyncio.sleep(0.5)  # a duplicate, if any, would arrive now

    pairs = Counter(
        (r.json["subscription_id"], e["seq"]) for r in receiver.accepted for e in r.json["events"]
    )
    assert max(pairs.values()) == 1
    assert len(pairs) == total
    for sub_id, code in subs.items():
        seqs = [e["seq"] for e in receiver.accepted_events(sub_id)]
        assert seqs == sorted(seqs)
        assert len(seqs) == expected[code]
    delivery_ids = [r.headers["quanhub-delivery-id"] for r in receiver.requests]
    assert len(delivery_ids) == len(set(delivery_ids))


async def test_persistent_failure_pauses_and_resume_delivers(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, _ = await make_partner(Role.CARRIER)
    async with running_receiver(Receiver(fail_first=3)) as receiver:
        sub_id = uuid.UUID(await _subscribe(pool, carrier.partner_code, receiver.url, ["parcel"]))
        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"P{n:05d}", n) for n in range(5)]
        )
        async with dispatching(_settings(database_settings, retry_max_attempts=3)):

            async def paused() -> bool:
                async with pool.acquire() as conn:
                    sub = await store.get_subscription(conn, carrier.partner_code, sub_id)
                return sub.status == "paused"

            await wait_until(paused, within=30)
            assert len(receiver.requests) == 3
            async with pool.acquire() as conn:
                await store.resume_subscription(
                    conn, carrier.partner_code, sub_id, now=datetime.now(UTC)
                )

            async def delivered() -> bool:
                return len(receiver.accepted_events()) == len(seqs)

            await wait_until(delivered, within=30)
    assert [e["seq"] for e in receiver.accepted_events()] == seqs


async def test_a_dispatcher_dying_mid_post_leaves_the_batch_to_another_under_the_same_id(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, _ = await make_partner(Role.CARRIER)
    async with running_receiver(Receiver(hang_first=3.0)) as receiver:
        sub_id = uuid.UUID(await _subscribe(pool, carrier.partner_code, receiver.url, ["parcel"]))
        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"C{n:05d}", n) for n in range(3)]
        )
        # The lease (the attempt's deadline and a margin) is what the next dispatcher waits
        # out: short, though above the subscriber's 3 s hang.
        settings = _settings(database_settings, request_timeout=4.0)
        doomed = asyncio.create_task(bootstrap(settings, serve_ops=False).run())

        async def posted() -> bool:
            return len(receiver.arrivals) == 1

        await wait_until(posted, within=30)
        doomed.cancel()  # dies while the subscriber has not answered yet
        with pytest.raises(asyncio.CancelledError):
            await doomed
        async with dispatching(settings):

            async def delivered() -> bool:
                return len(receiver.arrivals) >= 2 and len(receiver.accepted) >= 1

            await wait_until(delivered, within=30)
    assert receiver.arrivals[0] == receiver.arrivals[1]  # same batch, same delivery id
    async with pool.acquire() as conn:
        log = await store.list_deliveries(conn, sub_id, limit=10, before=None)
    assert [(d.status, d.first_seq, d.last_seq) for d in log] == [("succeeded", seqs[0], seqs[-1])]
    assert str(log[0].id) == receiver.arrivals[0]


async def test_a_disabled_partners_pending_delivery_is_not_retried(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    from quanhub.common.access import disable_partner
    from quanhub.ledger.dispatcher.worker import PRINCIPAL_TTL

    from .support import order_event

    platform, _ = await make_partner(Role.PLATFORM)
    async with running_receiver(Receiver(fail_first=10**6)) as receiver:
        sub_id = uuid.UUID(await _subscribe(pool, platform.partner_code, receiver.url, ["order"]))
        await append_to_ledger(pool, [order_event(platform.partner_code, "DISABLED01")])
        settings = _settings(
            database_settings,
            retry_base_seconds=0.05,
            retry_cap_seconds=0.1,
            retry_max_attempts=10**6,
        )
        async with dispatching(settings):

            async def retrying() -> bool:
                return len(receiver.requests) >= 3

            await wait_until(retrying, within=30)
            await disable_partner(pool, platform.partner_code)

            async def paused() -> bool:
                async with pool.acquire() as conn:
                    status = await conn.fetchval(
                        "SELECT status FROM feed_subscriptions WHERE id = $1", sub_id
                    )
                return bool(status == "paused")

            await wait_until(paused, within=PRINCIPAL_TTL + 10)
            after_pause = len(receiver.arrivals)
            await asyncio.sleep(1.0)
    assert len(receiver.arrivals) == after_pause  # nothing more was sent once paused
