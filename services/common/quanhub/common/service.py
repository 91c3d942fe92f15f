"""How every long-running process starts and stops: one shape, one lifecycle.

Each process has a composition root `bootstrap(settings, **overrides) -> App` that wires
its adapters (tests pass fakes as overrides) and returns an `App`; `python -m quanhub.X`
reads the settings, configures logging and hands both to `run_app`. What needs I/O to open
(a pool, a LISTEN connection) is opened inside `App.run`, through `connect_and_migrate`,
and closed there; a process whose parts run side by side (its loop and its ops server)
runs them with `run_until_signalled`, which owns SIGTERM and SIGINT.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Protocol, TypeVar

import asyncpg
import uvicorn
from starlette.types import ASGIApp

from quanhub.common import runtime
from quanhub.common.db import create_pool, migrate_database
from quanhub.common.server import HttpServerSettings, server_config
from quanhub.common.settings import DatabaseSettings

__all__ = [
    "App",
    "ServedApi",
    "connect_and_migrate",
    "on_signals",
    "run_app",
    "run_until_signalled",
]

#: The signals that ask a process to stop (the supervisor's and a terminal's).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

S = TypeVar("S")


class App(Protocol):
    """A wired process: `run` until `stop` is called or SIGTERM/SIGINT arrives."""

    async def run(self) -> None:
        """Open what needs I/O, run until asked to stop, close everything again."""
        ...

    def stop(self) -> None:
        """Ask a running `run` to finish (idempotent; safe before `run` starts)."""
        ...


def run_app(bootstrap: Callable[[S], App], settings: S) -> None:
    """Bootstrap and run a process on a new uvloop event loop, in the foreground.

    `bootstrap` is called inside the loop: aiokafka binds its clients to the running loop.
    """

    async def main() -> None:
        await bootstrap(settings).run()

    runtime.run(main())


@contextmanager
def on_signals(handler: Callable[[], None]) -> Iterator[None]:
    """Call `handler` at SIGTERM or SIGINT while the block runs (on the running loop)."""
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, handler)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def run_until_signalled(
    parts: Mapping[str, Coroutine[Any, Any, None]],
    halt: Callable[[], None],
    *,
    stopping: asyncio.Event | None = None,
) -> None:
    """Run `parts` side by side until SIGTERM/SIGINT arrives, `stopping` is set (an App's
    `stop`) or any part ends; then call `halt` (which must make every part finish), wait
    for all, and re-raise the first failure, so that a crashed loop exits non-zero.

    Cancelled itself, it cancels the parts instead: a cancelled process stops abruptly.
    """
    stopping = stopping or asyncio.Event()
    tasks = [asyncio.create_task(part, name=name) for name, part in parts.items()]
    waiter = asyncio.create_task(stopping.wait())
    with on_signals(stopping.set):
        try:
            await asyncio.wait({*tasks, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            raise
        finally:
            waiter.cancel()
        halt()
        await asyncio.wait(tasks)
    for task in tasks:
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure


class ServedApi:
    """An App that serves a public API with uvicorn in this process, within the bounds of
    quanhub.common.server. uvicorn handles SIGTERM/SIGINT itself here: it stops accepting,
    finishes the requests in progress, runs the lifespan's shutdown, then re-raises the
    signal, as `uvicorn.Server.run` does."""

    def __init__(self, app: ASGIApp, host: str, port: int, http: HttpServerSettings) -> None:
        self.app = app
        self.server = uvicorn.Server(server_config(app, http, host=host, port=port))

    async def run(self) -> None:
        """Serve until stopped or signalled."""
        await self.server.serve()

    def stop(self) -> None:
        """Ask the server to finish the requests in progress and close."""
        self.server.should_exit = True


@asynccontextmanager
async def connect_and_migrate(
    database: DatabaseSettings, *, migrate: bool = True, **pool_options: Any
) -> AsyncIterator[asyncpg.Pool]:
    """Apply pending migrations (when `migrate`: a service's `migrate_on_start`), then a
    connection pool (`pool_options` as for `quanhub.common.db.create_pool`), closed on exit."""
    if migrate:
        await migrate_database(database)
    pool = await create_pool(database, **pool_options)
    try:
        yield pool
    finally:
        await pool.close()
