"""Fixtures shared by every test tier.

Integration and end-to-end tests talk to the real Kafka and PostgreSQL of the local stack
(`make up`, or QUANHUB_KAFKA_BOOTSTRAP / QUANHUB_DATABASE_URL for external servers). Each
test session gets its own topic namespace and its own database, so several runs can share
one stack without seeing each other's data. A missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack.testservers import TestServers

RUN_ID = uuid.uuid4().hex[:10]


def _admin_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def test_servers() -> Iterator[TestServers]:
    """The session's Kafka and PostgreSQL: configured, else the local stack (started when
    not running), else testcontainers when Docker answers (quanhub.stack.testservers)."""
    from quanhub.stack.errors import StackError
    from quanhub.stack.testservers import find_test_servers

    try:
        servers = find_test_servers()
    except StackError as exc:
        pytest.fail(f"no Kafka/PostgreSQL for the tests: {exc.message}", pytrace=False)
    yield servers
    servers.close()


@pytest.fixture(scope="session")
async def kafka_settings(test_servers: TestServers) -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a topic namespace unique to this test session.

    The session's topics (`test<run id>.…`, and any namespace a test derives by adding to
    it) are deleted at the end, so test runs leave nothing on a developer's stack.
    """
    from quanhub.common.kafka import delete_topics_with_prefix

    settings = KafkaSettings(
        bootstrap=test_servers.kafka_bootstrap, topic_namespace=f"test{RUN_ID}", partitions=3
    )
    yield settings
    if not os.environ.get("QUANHUB_TEST_KEEP_TOPICS"):
        await delete_topics_with_prefix(settings, f"test{RUN_ID}")


@pytest.fixture(scope="session")
def base_database_settings(test_servers: TestServers) -> DatabaseSettings:
    return DatabaseSettings(url=test_servers.database_url)


@pytest.fixture(scope="session")
def second_base_database_settings(test_servers: TestServers) -> DatabaseSettings:
    """A second PostgreSQL instance, for ledger shards on two instances: the local one of
    quanhub.stack.second_postgres (started when not running; QUANHUB_STACK_PG2_PORT), or
    QUANHUB_TEST_SECOND_DATABASE_URL. Started from a thread of its own: the stack's checks
    run an event loop of their own, and this fixture may be asked for inside the tests'."""
    from concurrent.futures import ThreadPoolExecutor

    from quanhub.stack.errors import StackError
    from quanhub.stack.second_postgres import second_postgres_url

    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            return DatabaseSettings(url=thread.submit(second_postgres_url).result())
    except StackError as exc:
        pytest.fail(f"no second PostgreSQL for the tests: {exc.message}", pytrace=False)


@pytest.fixture(scope="session")
async def database_settings(
    base_database_settings: DatabaseSettings,
) -> AsyncIterator[DatabaseSettings]:
    """A fresh database for this session, migrated, dropped at the end."""
    from quanhub.common.db import migrate

    name = f"quanhub_test_{RUN_ID}"
    admin_url = base_database_settings.url
    try:
        admin = await asyncpg.connect(admin_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {admin_url} ({exc}); start the stack with "
            "`make up` or set QUANHUB_DATABASE_URL",
            pytrace=False,
        )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = DatabaseSettings(url=_admin_url(admin_url, name), pool_min=1, pool_max=8)
    conn = await asyncpg.connect(settings.url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield settings
    if os.environ.get("QUANHUB_TEST_KEEP_DB"):
        return
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
