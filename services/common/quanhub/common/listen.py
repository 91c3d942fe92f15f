"""One PostgreSQL LISTEN connection on one channel, kept up for the life of a process.

What listens on it (the access cache, the feeds' wake-ups) is told each announcement's
payload (`on_notify`) and when the connection comes up and goes down (`on_state`), since
announcements made while nobody listened are lost. A connection that dies loudly
(terminated, reset) is noticed at once; one that dies silently by the next ping, every
`ping_interval` seconds. Reconnection backs off from `min_backoff` to `max_backoff`, with
jitter, and starts again from `min_backoff` once a connection got as far as listening.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

import asyncpg
import structlog

from quanhub.common.backoff import backoff

log = structlog.get_logger(__name__)


class ChannelListener:
    """LISTEN on `channel` over a connection of its own, reconnecting until closed."""

    def __init__(
        self,
        dsn: str,
        channel: str,
        *,
        on_notify: Callable[[str], None],
        on_state: Callable[[bool], None],
        name: str,
        min_backoff: float = 0.2,
        max_backoff: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 3.0,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_notify_cb = on_notify
        self._on_state = on_state
        #: Names the task and prefixes the log events (`<name>_listening`, ...).
        self._name = name
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._backend_pid: int | None = None
        #: Set when a connection got as far as listening: the next retry starts quickly.
        self._heard_once = False

    @property
    def connected(self) -> bool:
        """Whether announcements are being heard now."""
        return self._connected.is_set()

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend of the listening connection (None while down)."""
        return self._backend_pid

    async def start(self, *, wait: float = 5.0) -> None:
        """Start listening; return once connected, or after `wait` seconds (still trying)."""
        self._task = asyncio.create_task(self._run(), name=f"{self._name}-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), wait)

    async def close(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self._on_notify_cb(str(payload))

    async def _run(self) -> None:
        delays = self._delays()
        while True:
            try:
                await self._session()
            except Exception as exc:  # noqa: BLE001 - a listener that gave up would leave the process unannounced for good: log, back off, retry
                log.warning(f"{self._name}_listen_failed", error=type(exc).__name__)
            if self._heard_once:
                delays, self._heard_once = self._delays(), False
            await asyncio.sleep(next(delays))

    def _delays(self) -> Iterator[float]:
        # Jitter: after a database restart, every process does not reconnect at once.
        return backoff(self._min_backoff, self._max_backoff, jitter=True)

    async def _session(self) -> None:
        """Connect, listen until the connection is lost; `on_state` is told both ends."""
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, self._on_notify)
            self._backend_pid = conn.get_server_pid()
            self._connected.set()
            self._heard_once = True
            self._on_state(True)
            log.info(f"{self._name}_listening", channel=self._channel)
            await self._watch(conn, lost)
            log.warning(f"{self._name}_listen_connection_lost")
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
            self._on_state(False)
        self._backend_pid = None
