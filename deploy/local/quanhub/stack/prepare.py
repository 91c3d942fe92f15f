"""What must exist before the services start: the schema, the topics, the demo partners."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import asyncpg

from quanhub.common.db import migrate
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings, Profile
from quanhub.common.topics import Topics


@dataclass(slots=True)
class Prepared:
    """What prepare() did: migrations applied, topics created, demo keys (local profile)."""

    migrations: list[str] = field(default_factory=list)
    topics_created: list[str] = field(default_factory=list)
    demo_keys: dict[str, str] = field(default_factory=dict)


async def prepare(
    kafka: KafkaSettings, database: DatabaseSettings, *, demo_partners: bool = True
) -> Prepared:
    """Migrate the database, create missing topics and (local profile) the demo partners."""
    result = Prepared()
    conn = await asyncpg.connect(database.url, timeout=10)
    try:
        result.migrations = [f"{m.version:04d}_{m.name}" for m in await migrate(conn)]
    finally:
        await conn.close()
    result.topics_created = await ensure_topics(kafka, Topics(kafka).specs())
    if demo_partners:
        result.demo_keys = await _demo_keys(database)
    return result


async def _demo_keys(database: DatabaseSettings) -> dict[str, str]:
    """The demo partners' keys, when the access module that defines them is installed."""
    pii = PiiSettings()
    if pii.profile is not Profile.LOCAL:
        return {}
    try:
        demo = importlib.import_module("quanhub.common.access.demo")
    except ModuleNotFoundError:
        return {}
    pool = await asyncpg.create_pool(database.url, min_size=1, max_size=2)
    try:
        keys: dict[str, str] = await demo.ensure_demo_partners(pool, pii)
    finally:
        await pool.close()
    return keys
