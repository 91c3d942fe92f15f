"""The dispatcher connects only to addresses it checked: DNS rebinding reaches nothing."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import asyncpg
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings, Profile
from quanhub.ledger.feeds import store

from .support import Receiver, append_to_ledger, order_event, running_receiver, wait_until
from .test_dispatcher import _settings, _subscribe, dispatching

pytestmark = pytest.mark.integration
REBINDING_HOST = "rebind.quanhub.test"


def rebinding_resolver(original: Any, public: str) -> tuple[Any, list[str]]:
    """A resolver whose first answer for REBINDING_HOST is public and every later one is
    loopback, as an attacker's DNS server with a zero TTL would answer."""
    answers: list[str] = []

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # anyio passes IDNA bytes
        if name != REBINDING_HOST:
            return await original(host, port, *args, **kwargs)
        address = public if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]

    return getaddrinfo, answers


async def test_a_host_rebinding_to_loopback_after_the_check_is_never_connected_to(
    pool: asyncpg.Pool,
    database_settings: DatabaseSettings,
    make_partner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform, _ = await make_partner(Role.PLATFORM)
    loop = asyncio.get_running_loop()
    fake, answers = rebinding_resolver(loop.getaddrinfo, "93.184.216.34")
    async with running_receiver(Receiver()) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        url = f"http://{REBINDING_HOST}:{port}/hook"
        sub_id = uuid.UUID(await _subscribe(pool, platform.partner_code, url, ["order"]))
        await append_to_ledger(pool, [order_event(platform.partner_code, "RB00001")])
        monkeypatch.setattr(loop, "getaddrinfo", fake)
        settings = _settings(database_settings, profile=Profile.PRODUCTION, retry_base_seconds=30)
        async with dispatching(settings):

            async def attempted() -> bool:
                async with pool.acquire() as conn:
                    log = await store.list_deliveries(conn, sub_id, limit=5, before=None)
                return bool(log) and log[0].attempts >= 1

            await wait_until(attempted, within=30)
        async with pool.acquire() as conn:
            log = await store.list_deliveries(conn, sub_id, limit=5, before=None)
    assert len(answers) >= 2  # checked once, then resolved again to connect
    assert receiver.arrivals == []  # the loopback receiver was never reached
    assert log[0].status == "pending"
    assert log[0].last_error is not None
    assert log[0].last_error.startswith("refused")
