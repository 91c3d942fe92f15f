"""The ledger notifier never loses a wake-up that comes while a reader is querying."""

from __future__ import annotations

import asyncio
import time

from quanhub.ledger.feeds.notify import AccessWake, LedgerNotifier


async def test_announcement_during_a_query_wakes_the_following_wait() -> None:
    notifier = LedgerNotifier("postgresql://unused")
    ticket = notifier.ticket()  # taken before "querying"
    notifier.wake(42)  # the ledger commits while the reader queries
    started = time.monotonic()
    await notifier.wait(5.0, ticket)
    assert time.monotonic() - started < 1.0
    assert notifier.head == 42


async def test_wait_times_out_without_announcement() -> None:
    notifier = LedgerNotifier("postgresql://unused")
    started = time.monotonic()
    await notifier.wait(0.05, notifier.ticket())
    assert time.monotonic() - started >= 0.04


async def test_every_waiter_wakes_and_head_never_goes_back() -> None:
    notifier = LedgerNotifier("postgresql://unused")
    waiters = [asyncio.create_task(notifier.wait(5.0)) for _ in range(10)]
    await asyncio.sleep(0)
    notifier.wake(7)
    notifier.wake(3)
    await asyncio.wait_for(asyncio.gather(*waiters), 1.0)
    assert notifier.head == 7


def test_access_wake_sets_tickets_at_a_change_and_at_a_reconnection_only() -> None:
    wake = AccessWake()
    ticket = wake.ticket()
    wake.set_listening(False)  # the listener went down: nothing to re-check yet
    assert not ticket.is_set()
    wake.set_listening(True)  # up again: changes may have gone unheard meanwhile
    assert ticket.is_set()
    after = wake.ticket()
    assert not after.is_set()
    wake.forget()  # a change was announced
    assert after.is_set()
