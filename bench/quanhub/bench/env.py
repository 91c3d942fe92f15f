"""Where a run puts its load: its own topic namespace and its own databases, never `quanhub`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from quanhub.bench.errors import UnsafeTarget
from quanhub.common.db import migrate
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack.settings import StackSettings, resolve_servers

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class BenchEnv:
    """The servers a run uses and the names it owns on them."""

    kafka_bootstrap: str
    server_url: str
    namespace: str
    partitions: int

    def kafka(self, namespace: str | None = None) -> KafkaSettings:
        """Kafka settings under the run's namespace (or a sub-namespace of it)."""
        return KafkaSettings(
            bootstrap=self.kafka_bootstrap,
            topic_namespace=namespace or self.namespace,
            partitions=self.partitions,
        )

    def database_url(self, name: str) -> str:
        """The URL of database `name` on the run's server."""
        if not name.startswith("bench"):
            raise UnsafeTarget(f"bench databases are named bench*, not {name!r}")
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def database(self, name: str) -> DatabaseSettings:
        """Settings for database `name` (pool sized for a benchmark client)."""
        return DatabaseSettings(url=self.database_url(name), pool_max=20)


def bench_env(stamp: str, partitions: int = 6) -> BenchEnv:
    """The configured servers (QUANHUB_KAFKA_BOOTSTRAP / QUANHUB_DATABASE_URL or the local
    stack); refuses anything that is not on this machine's loopback."""
    servers = resolve_servers(StackSettings(), dict(os.environ))
    for host in [h.rsplit(":", 1)[0] for h in servers.kafka_bootstrap.split(",")]:
        if host not in _LOOPBACK:
            raise UnsafeTarget(f"Kafka {servers.kafka_bootstrap} is not on 127.0.0.1")
    if (urlsplit(servers.database_url).hostname or "") not in _LOOPBACK:
        raise UnsafeTarget("PostgreSQL is not on 127.0.0.1")
    return BenchEnv(servers.kafka_bootstrap, servers.database_url, f"bench{stamp}", partitions)


async def _admin(env: BenchEnv) -> asyncpg.Connection:
    parts = urlsplit(env.server_url)
    return await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=10)


async def create_database(env: BenchEnv, name: str, *, migrated: bool = True) -> str:
    """Create (replacing) database `name`, migrate it, return its URL."""
    url = env.database_url(name)
    admin = await _admin(env)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    if migrated:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
    return url


async def database_exists(env: BenchEnv, name: str) -> bool:
    """Whether database `name` exists."""
    admin = await _admin(env)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


async def drop_database(env: BenchEnv, name: str) -> None:
    """Drop database `name` (bench* only)."""
    env.database_url(name)  # refuses other names
    admin = await _admin(env)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def drop_topics(env: BenchEnv) -> list[str]:
    """Delete every topic of the run's namespace (and its sub-namespaces)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=env.kafka_bootstrap)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(env.namespace)]
        if mine:
            await admin.delete_topics(mine)
        return mine
    finally:
        await admin.close()
