"""`quanhub ledger links-backfill`: send the links projected before the link exchange to the
other instances once (store/link_backfill.py, docs/ledger.md "Links across instances")."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from quanhub.cli.instances import connected, instance_title, shard_map

if TYPE_CHECKING:
    from quanhub.common.settings import KafkaSettings

console = Console()


def _kafka_settings() -> KafkaSettings:
    """QUANHUB_KAFKA_* settings; the bootstrap defaults to the local stack's port."""
    from quanhub.common.settings import KafkaSettings
    from quanhub.stack.settings import StackSettings, resolve_servers

    return KafkaSettings(bootstrap=resolve_servers(StackSettings()).kafka_bootstrap)


async def _canonical_partitions(settings: KafkaSettings) -> list[int]:
    """The canonical topic's partitions as Kafka has them (the consumer's links router
    reads the same, not the setting)."""
    from aiokafka import AIOKafkaClient

    from quanhub.common.topics import Topics

    topic = Topics(settings).canonical
    client = AIOKafkaClient(
        bootstrap_servers=settings.bootstrap, request_timeout_ms=settings.request_timeout_ms
    )
    await client.bootstrap()
    try:
        metadata = await client.fetch_all_metadata()
        partitions = sorted(metadata.partitions_for_topic(topic) or ())
    finally:
        await client.close()
    if not partitions:
        msg = f"the canonical topic {topic} does not exist"
        raise LookupError(msg)
    return partitions


def links_backfill() -> None:
    """Route every order-parcel link whose other side lives on another PostgreSQL instance,
    and that instance has not confirmed, through the outbox once (for a ledger already on
    several instances before migration 0042; the running consumers send and apply them).
    Running it again routes nothing new: every link it sent comes back confirmed."""
    from quanhub.ledger.settings import ShardRouteSettings
    from quanhub.ledger.store.link_backfill import backfill_links
    from quanhub.ledger.store.link_routes import LinkRouter

    where = shard_map()
    if where.single:
        console.print("one PostgreSQL instance: every link is already where it is read")
        return
    shards = ShardRouteSettings().shards

    async def run() -> list[int]:
        partitions = await _canonical_partitions(_kafka_settings())
        async with connected(where.urls) as conns:
            return [
                await backfill_links(conn, LinkRouter(where, shards, partitions, instance))
                for instance, conn in enumerate(conns)
            ]

    try:
        routed = asyncio.run(run())
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    table = Table(title=f"Links routed to other instances ({shards} shards)")
    table.add_column("instance")
    table.add_column("outbox rows", justify="right")
    for instance, count in enumerate(routed):
        table.add_row(instance_title(where, instance).strip(" ()"), f"{count:,}")
    console.print(table)
