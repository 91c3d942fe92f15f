"""PostgreSQL plumbing: the connection pool and the ordered SQL migrations.

Migrations are the files in `migrations/` named `NNNN_description.sql`, applied in order,
each in its own transaction, recorded in `schema_migrations` with a checksum; an applied
migration whose file changed is an error (never edit an applied migration; add a new one).
An advisory lock makes concurrent `migrate` calls (several services starting) safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from quanhub.common.errors import ConfigurationError
from quanhub.common.settings import DatabaseSettings

_MIGRATION_LOCK = 0x5155414E  # "QUAN"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """Every migration file shipped with the package, in version order."""
    found: list[Migration] = []
    for entry in resources.files("quanhub.common.migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        version, _, rest = entry.name.partition("_")
        found.append(Migration(int(version), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        msg = f"duplicate migration versions: {versions}"
        raise ConfigurationError(msg)
    return found


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Apply pending migrations; return those applied now."""
    applied_now: list[Migration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {r["version"]: r["checksum"] for r in rows}
        for migration in load_migrations():
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    msg = (
                        f"migration {migration.version}_{migration.name} changed after it was "
                        "applied; add a new migration instead"
                    )
                    raise ConfigurationError(msg)
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(migration)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


async def migrate_database(settings: DatabaseSettings) -> list[Migration]:
    """`migrate` on a connection of its own (a service's `migrate_on_start`)."""
    conn = await asyncpg.connect(settings.url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


async def create_database(
    server: DatabaseSettings, name: str, *, pool_max: int = 4, migrated: bool = True
) -> DatabaseSettings:
    """Create database `name` (a scratch one: tests, benchmarks) next to `server`'s, migrated
    unless told not; settings that reach it. Drop it with `drop_database`."""
    admin = await asyncpg.connect(server.url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(urlsplit(server.url)._replace(path=f"/{name}"))
    created = DatabaseSettings(url=url, pool_min=1, pool_max=pool_max)
    if migrated:
        await migrate_database(created)
    return created


async def drop_database(server: DatabaseSettings, *names: str) -> None:
    """Drop databases made by `create_database` (connected or not)."""
    admin = await asyncpg.connect(server.url)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_pool(
    settings: DatabaseSettings,
    *,
    server_settings: dict[str, str] | None = None,
    reset: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """A connection pool sized from settings; `server_settings` for its sessions, `reset`
    to replace asyncpg's reset query on release (asyncpg's defaults when None)."""
    pool = await asyncpg.create_pool(
        settings.url,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        server_settings=server_settings,
        reset=reset,
    )
    if pool is None:  # asyncpg types the result as optional
        msg = "could not create a PostgreSQL pool"
        raise ConfigurationError(msg)
    return pool
