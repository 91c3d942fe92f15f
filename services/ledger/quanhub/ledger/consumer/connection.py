"""A long-lived PostgreSQL connection of its own for the writer and for the projector, and
the retry-with-backoff both run their work under."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import structlog
from prometheus_client import Counter

from quanhub.common.backoff import GaveUp, backoff, retrying
from quanhub.ledger.store.writer import AnyConnection

log = structlog.get_logger(__name__)

#: Errors after which the connection is dropped and the work retried on a new one.
DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)

_T = TypeVar("_T")


class OwnConnection:
    """Opened (and set up by `setup`: lz4 for the writer, work tables too for the projector)
    on first use, reopened after a drop.

    Not from the pool: its session keeps temporary work tables, and it names itself in
    pg_stat_activity (`application_name`).
    """

    def __init__(
        self,
        url: str,
        application_name: str,
        setup: Callable[[AnyConnection], Awaitable[None]],
    ) -> None:
        self._url = url
        self._application_name = application_name
        self._setup = setup
        self._conn: asyncpg.Connection | None = None

    async def get(self) -> asyncpg.Connection:
        """The open connection, opening a new one if there is none or it was closed."""
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(
                self._url, server_settings={"application_name": self._application_name}
            )
            await self._setup(conn)
            self._conn = conn
        return self._conn

    async def drop(self) -> None:
        """Close the connection (terminate it if closing fails); the next `get` reopens."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close(timeout=5)
            except (*DATABASE_ERRORS, TimeoutError):
                conn.terminate()

    async def retrying(
        self,
        work: Callable[[], Awaitable[_T]],
        *,
        failures: Counter,
        event: str,
        give_up: Callable[[], bool],
        initial_seconds: float,
        max_seconds: float,
    ) -> _T | None:
        """`work`'s result; after a database error, drop the connection, count and log it,
        and try again after a pause doubling from `initial_seconds` up to `max_seconds`,
        unless `give_up()` says to stop (then None)."""

        async def failed(exc: BaseException, delay: float) -> None:
            failures.inc()
            log.warning(event, error=str(exc), retry_in=delay)
            await self.drop()

        try:
            return await retrying(
                work,
                retriable=lambda exc: isinstance(exc, DATABASE_ERRORS),
                delays=backoff(initial_seconds, max_seconds),
                failed=failed,
                give_up=give_up,
            )
        except GaveUp:
            return None
