"""Tells a process's key cache when the registry changes: LISTEN on `quanhub_access`.

A trigger on `partners` and `api_keys` (migration 0020) announces every change at commit,
whoever makes it (the CLI, another process, an operator's SQL). Each process that caches
keys (each gateway worker, the ledger API) holds one connection listening for it, and drops
its cache on each announcement; the announcement carries nothing, the next request asks the
registry itself. Whatever else in the process must hear the changes (the ledger API's open
SSE streams re-authorise on them) is added to the same listener (`add`), not given a second
connection.

A lost notification must not leave a stale grant for the cache's whole lifetime, so the
cache is told when the listener is up and when it is not (`set_listening`): while it is
down the cache trusts a verdict for its short fallback lifetime only. A connection that dies
loudly (terminated, reset) is noticed at once; one that dies silently by the next ping,
every `ping_interval` seconds. Reconnection backs off from `min_backoff` to `max_backoff`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Protocol

import asyncpg
import structlog

log = structlog.get_logger(__name__)

#: The channel migration 0020's trigger announces registry changes on.
ACCESS_CHANNEL = "quanhub_access"


class AccessCache(Protocol):
    """What the listener drives: the Authenticator, the feeds' re-authorisation wake-up."""

    def forget(self) -> None: ...

    def set_listening(self, listening: bool) -> None: ...


class AccessListener:
    """One LISTEN connection that keeps `cache` (and any `add`ed) in step with the registry."""

    def __init__(
        self,
        dsn: str,
        cache: AccessCache,
        *,
        min_backoff: float = 0.2,
        max_backoff: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 3.0,
    ) -> None:
        self._dsn = dsn
        self._caches: list[AccessCache] = [cache]
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._backend_pid: int | None = None
        self._changes = 0
        #: Set when a connection got as far as listening: the next retry starts quickly.
        self._heard_once = False

    @property
    def connected(self) -> bool:
        """Whether changes are being heard now."""
        return self._connected.is_set()

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend of the listening connection (None while down)."""
        return self._backend_pid

    @property
    def changes(self) -> int:
        """Announcements heard since start."""
        return self._changes

    def add(self, cache: AccessCache) -> None:
        """Drive `cache` too, from now on; it is told at once whether changes are heard."""
        self._caches.append(cache)
        cache.set_listening(self.connected)

    async def start(self, *, wait: float = 5.0) -> None:
        """Start listening; return once connected, or after `wait` seconds (still trying:
        meanwhile the cache keeps to its fallback lifetime)."""
        self._task = asyncio.create_task(self._run(), name="access-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), wait)

    async def close(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_notify(self, _conn: object, _pid: int, _channel: str, _payload: object) -> None:
        self._changes += 1
        for cache in self._caches:
            cache.forget()

    async def _run(self) -> None:
        backoff = self._min_backoff
        while True:
            try:
                await self._session()
            except Exception as exc:  # noqa: BLE001 - a listener that gave up would leave the process at the fallback lifetime for good: log, back off, retry
                log.warning("access_listen_failed", error=type(exc).__name__)
            if self._heard_once:
                backoff, self._heard_once = self._min_backoff, False
            # Jitter: after a database restart, every process does not reconnect at once.
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311 - not crypto
            backoff = min(backoff * 2, self._max_backoff)

    async def _session(self) -> None:
        """Connect, listen until the connection is lost; the cache is told both ends."""
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(ACCESS_CHANNEL, self._on_notify)
            self._backend_pid = conn.get_server_pid()
            self._connected.set()
            self._heard_once = True
            self._tell(listening=True)
            log.info("access_listening", channel=ACCESS_CHANNEL)
            await self._watch(conn, lost)
            log.warning("access_listen_connection_lost")
        finally:
            self._lose()
            if not conn.is_closed():
                with contextlib.suppress(OSError, TimeoutError, asyncpg.InterfaceError):
                    await conn.close(timeout=2)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is lost; raise when a ping finds it silent (a path
        that died without a reset delivers no notifications and no termination)."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._ping_interval)
                return
            await conn.fetchval("SELECT 1", timeout=self._ping_timeout)

    def _lose(self) -> None:
        if self._connected.is_set():
            self._connected.clear()
            self._tell(listening=False)
        self._backend_pid = None

    def _tell(self, *, listening: bool) -> None:
        for cache in self._caches:
            cache.set_listening(listening)
