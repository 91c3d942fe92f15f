"""The ledger's PostgreSQL instances as the operator commands see them: the home database
(QUANHUB_DATABASE_URL, or the local stack's) and the shard map's others
(QUANHUB_LEDGER_SHARD_INSTANCES), one migrated connection to each (docs/ledger.md "Shards
on several PostgreSQL instances")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

    from quanhub.ledger.store.shard_map import ShardMap


def database_url() -> str:
    """QUANHUB_DATABASE_URL, or the local stack's database on its configured port."""
    from quanhub.stack.settings import StackSettings, resolve_servers

    return resolve_servers(StackSettings()).database_url


def shard_map() -> ShardMap:
    """The shard map every ledger process reads: home, then the listed instances."""
    from quanhub.common.settings import DatabaseSettings
    from quanhub.ledger.settings import ShardMapSettings

    return ShardMapSettings().of(DatabaseSettings(url=database_url()))


@asynccontextmanager
async def connected(
    urls: tuple[str, ...], *, migrated: bool = True
) -> AsyncIterator[list[asyncpg.Connection]]:
    """One connection to each of `urls`, in order (migrated first when `migrated`: every
    instance carries the ledger's schema), closed on exit."""
    import asyncpg

    from quanhub.common.db import migrate

    async with AsyncExitStack() as stack:
        conns = []
        for url in urls:
            conn = await asyncpg.connect(url, timeout=10)
            stack.push_async_callback(conn.close)
            if migrated:
                await migrate(conn)
            conns.append(conn)
        yield conns


def instance_title(shard_map: ShardMap, instance: int) -> str:
    """How a report names an instance (its index; never its URL, which may hold a
    password)."""
    if shard_map.single:
        return ""
    return " (home instance)" if instance == 0 else f" (instance {instance})"
