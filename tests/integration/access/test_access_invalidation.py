"""Cached key verdicts end when the registry changes, not when the cache's lifetime does.

Every process that caches keys listens on `quanhub_access` (migration 0020); these tests
change the registry on the real PostgreSQL and watch a long-lived (15 s) cache let go
within about a second, also when the listening connection is killed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from quanhub.common.access import (
    AccessListener,
    AuthenticationFailed,
    Authenticator,
    Role,
    create_partner,
    disable_partner,
    rotate_key,
)
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

pytestmark = pytest.mark.integration

LONG = timedelta(seconds=15)
#: The bound the tests hold the cache to: well under LONG, with room for a slow machine.
PROMPT = 2.5


def _code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


class CountingPool:
    """The real pool, counting the authenticator's registry look-ups (nothing faked)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.lookups = 0
        self.after_lookup: Callable[[], Awaitable[None]] | None = None

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        self.lookups += 1
        row = await self.pool.fetchrow(*args, **kwargs)
        hook, self.after_lookup = self.after_lookup, None
        if hook is not None:
            await hook()
        return row


async def _until_refused(auth: Authenticator, api_key: str, within: float) -> float:
    """Seconds until `auth` refuses `api_key`; fails the test after `within` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        try:
            await auth.authenticate(api_key)
        except AuthenticationFailed:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    pytest.fail(f"the key was still accepted {within} s after the change")


@pytest.fixture
async def listening(
    database_settings: DatabaseSettings, registry_pool: asyncpg.Pool
) -> AsyncIterator[tuple[Authenticator, AccessListener, CountingPool]]:
    """An authenticator caching for 15 s, with its process's listener connected."""
    pool = CountingPool(registry_pool)
    auth = Authenticator(pool, SystemClock(), LONG)  # type: ignore[arg-type]
    listener = AccessListener(database_settings.url, auth)
    await listener.start()
    assert listener.connected
    yield auth, listener, pool
    await listener.close()


async def _partner(pool: asyncpg.Pool, prefix: str) -> tuple[str, str]:
    code = _code(prefix)
    _, issued = await create_partner(
        pool, code=code, role=Role.PLATFORM, name=prefix, clock=SystemClock()
    )
    return code, issued.api_key


async def test_verdicts_are_served_from_the_cache_while_listening(
    listening: tuple[Authenticator, AccessListener, CountingPool], registry_pool: asyncpg.Pool
) -> None:
    auth, _, pool = listening
    code, api_key = await _partner(registry_pool, "C")
    for _ in range(3):
        assert (await auth.authenticate(api_key)).partner_code == code
        await asyncio.sleep(0.6)
    # No registry round trip per request: one look-up for 1.8 s of requests.
    assert pool.lookups == 1


async def _revoke(pool: asyncpg.Pool, code: str) -> None:
    """Revoke every key of the partner (by hand: the CLI has no revoke command)."""
    await pool.execute("UPDATE api_keys SET revoked = true WHERE partner_code = $1", code)


@pytest.mark.parametrize("change", ["disable", "revoke", "rotate", "expire"])
async def test_a_registry_change_ends_the_cached_verdict_at_once(
    listening: tuple[Authenticator, AccessListener, CountingPool],
    registry_pool: asyncpg.Pool,
    change: str,
) -> None:
    auth, _, _ = listening
    code, api_key = await _partner(registry_pool, "X")
    await auth.authenticate(api_key)
    await auth.authenticate(api_key)  # cached now, for 15 s
    if change == "disable":
        await disable_partner(registry_pool, code)
    elif change == "revoke":
        await _revoke(registry_pool, code)
    elif change == "rotate":
        await rotate_key(registry_pool, code, grace=timedelta(0), clock=SystemClock())
    else:
        await registry_pool.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 s' WHERE partner_code = $1",
            code,
        )
    await _until_refused(auth, api_key, PROMPT)


async def test_a_lookup_that_raced_a_change_is_not_cached(
    listening: tuple[Authenticator, AccessListener, CountingPool], registry_pool: asyncpg.Pool
) -> None:
    """The registry is read, the partner is disabled and announced before the verdict is
    stored: that verdict is stale and must not be kept for the cache's lifetime."""
    auth, listener, pool = listening
    code, api_key = await _partner(registry_pool, "RACE")
    heard = listener.changes

    async def disable_meanwhile() -> None:
        await disable_partner(registry_pool, code)
        deadline = time.monotonic() + PROMPT
        while listener.changes == heard and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert listener.changes > heard, "the change was never announced"

    pool.after_lookup = disable_meanwhile
    await auth.authenticate(api_key)  # read before the change: this one answer may pass
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(api_key)


async def test_with_the_listener_killed_a_revoked_key_ends_within_the_fallback(
    fresh_database: DatabaseSettings, base_database_settings: DatabaseSettings
) -> None:
    """The listening connection is terminated and cannot come back (the database takes no
    new connections): the notification of the revocation is lost, yet the cache stops
    honouring the key within its short fallback lifetime, not after 15 s."""
    pool = await asyncpg.create_pool(fresh_database.url, min_size=2, max_size=2)
    auth = Authenticator(pool, SystemClock(), LONG, fallback_ttl=timedelta(seconds=1))
    listener = AccessListener(fresh_database.url, auth)
    name = fresh_database.url.rsplit("/", 1)[1]
    # A database cannot refuse connections to itself: the switch is thrown from outside.
    admin = await asyncpg.connect(base_database_settings.url)
    try:
        await listener.start()
        assert listener.connected
        code, api_key = await _partner(pool, "K")
        await auth.authenticate(api_key)
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        killed = await pool.fetchval("SELECT pg_terminate_backend($1)", listener.backend_pid)
        assert killed
        await _revoke(pool, code)
        await _until_refused(auth, api_key, PROMPT)
        assert not listener.connected
        # While the listener is down, a verdict lives no longer than the fallback.
        _, other = await _partner(pool, "K")
        await auth.authenticate(other)
        await pool.execute("UPDATE partners SET disabled = true WHERE code <> $1", code)
        assert await _until_refused(auth, other, PROMPT) < 1.0 + 0.5
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
        await listener.close()
        await pool.close()


class SilentProxy:
    """A TCP relay to PostgreSQL that can go silent (`mute`): bytes are taken and never
    passed on, nothing is closed, as on a network path that died without a reset."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._parts = parts
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.muted = False

    async def start(self) -> str:
        """Start relaying; the URL that reaches PostgreSQL through the relay."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        netloc = self._parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{port}"
        netloc[-1] = host
        return urlunsplit(self._parts._replace(netloc="@".join(netloc)))

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if self.muted:
                continue
            writer.write(data)
            await writer.drain()


async def test_a_listener_that_went_silent_is_found_out_by_its_ping(
    database_settings: DatabaseSettings, registry_pool: asyncpg.Pool
) -> None:
    """The listening connection stops carrying anything but stays open (no reset, no
    termination): its periodic ping times out, and the cache keeps to its fallback."""
    proxy = SilentProxy(database_settings.url)
    auth = Authenticator(registry_pool, SystemClock(), LONG)
    listener = AccessListener(await proxy.start(), auth, ping_interval=0.5, ping_timeout=0.5)
    try:
        await listener.start()
        assert listener.connected
        code, api_key = await _partner(registry_pool, "S")
        await auth.authenticate(api_key)
        proxy.muted = True
        await _revoke(registry_pool, code)  # announced, never heard
        await _until_refused(auth, api_key, PROMPT)
        assert not auth.listening
    finally:
        await listener.close()
        await proxy.close()


async def test_the_listener_comes_back_and_caches_for_long_again(
    listening: tuple[Authenticator, AccessListener, CountingPool], registry_pool: asyncpg.Pool
) -> None:
    auth, listener, pool = listening
    first = listener.backend_pid
    await registry_pool.execute("SELECT pg_terminate_backend($1)", first)
    deadline = time.monotonic() + 10
    while not (listener.connected and listener.backend_pid != first):
        assert time.monotonic() < deadline, "the listener did not reconnect"
        await asyncio.sleep(0.05)
    code, api_key = await _partner(registry_pool, "B")
    await auth.authenticate(api_key)
    looked_up = pool.lookups
    await asyncio.sleep(1.5)  # past the fallback lifetime
    await auth.authenticate(api_key)
    assert pool.lookups == looked_up
    await disable_partner(registry_pool, code)
    await _until_refused(auth, api_key, PROMPT)


async def test_ledger_api_object_route_refuses_a_revoked_key_at_once(
    database_settings: DatabaseSettings, registry_pool: asyncpg.Pool
) -> None:
    """The query API (cache of 15 s, its default) answers 401 within a second or two of a
    revocation or disable, on an object route."""
    settings = LedgerApiSettings(database=database_settings, migrate_on_start=False)
    assert settings.auth_cache_seconds >= 15
    code, api_key = await _partner(registry_pool, "L")
    other, other_key = await _partner(registry_pool, "M")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://l") as api,
    ):

        async def status(key: str) -> int:
            headers = {"Authorization": f"Bearer {key}"}
            return (await api.get(f"/v1/orders/{code}/NO-SUCH-ORDER", headers=headers)).status_code

        assert await status(api_key) == 404
        assert await status(other_key) == 404
        await _revoke(registry_pool, code)
        await _until_status(status, api_key, 401)
        assert await status(other_key) == 404
        await disable_partner(registry_pool, other)
        await _until_status(status, other_key, 401)


async def _until_status(status: Callable[[str], Awaitable[int]], key: str, want: int) -> None:
    start = time.monotonic()
    while time.monotonic() - start < PROMPT:
        if await status(key) == want:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"still not {want} {PROMPT} s after the change")
