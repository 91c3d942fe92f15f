"""A long-lived PostgreSQL connection of its own for the writer and for the projector."""

from __future__ import annotations

import asyncpg

from quanhub.ledger.store.writer import prepare

#: Errors after which the connection is dropped and the work retried on a new one.
DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


class OwnConnection:
    """Opened (and `prepare`d: work tables, lz4) on first use, reopened after a drop.

    Not from the pool: its session keeps temporary work tables, and it names itself in
    pg_stat_activity (`application_name`).
    """

    def __init__(self, url: str, application_name: str) -> None:
        self._url = url
        self._application_name = application_name
        self._conn: asyncpg.Connection | None = None

    async def get(self) -> asyncpg.Connection:
        """The open connection, opening a new one if there is none or it was closed."""
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(
                self._url, server_settings={"application_name": self._application_name}
            )
            await prepare(conn)
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
