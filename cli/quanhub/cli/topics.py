"""`quanhub topics …`: create the hub's topics explicitly and list them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Kafka topics (created explicitly, never by auto-create).")
console = Console()

if TYPE_CHECKING:
    from quanhub.common.settings import KafkaSettings


def _kafka_settings() -> KafkaSettings:
    """QUANHUB_KAFKA_* settings; the bootstrap defaults to the local stack's port."""
    from quanhub.common.settings import KafkaSettings
    from quanhub.stack.settings import StackSettings, resolve_servers

    return KafkaSettings(bootstrap=resolve_servers(StackSettings()).kafka_bootstrap)


@app.command()
def ensure() -> None:
    """Create every shared topic that is missing, with partitions and retention from settings."""
    from quanhub.common.kafka import ensure_topics
    from quanhub.common.logging import configure_logging
    from quanhub.common.topics import Topics

    configure_logging("WARNING", json=False)
    settings = _kafka_settings()
    created = asyncio.run(ensure_topics(settings, Topics(settings).specs()))
    if created:
        console.print(f"[green]created[/] {len(created)}: " + ", ".join(created))
    else:
        console.print("[green]up to date[/]: every topic exists")


@app.command("list")
def list_topics() -> None:
    """List the topics of this namespace with their partition counts."""
    settings = _kafka_settings()
    table = Table(title=f"Topics in namespace {settings.topic_namespace!r}")
    table.add_column("topic")
    table.add_column("partitions", justify="right")
    for name, partitions in asyncio.run(_describe(settings)):
        table.add_row(name, str(partitions))
    console.print(table)


async def _describe(settings: KafkaSettings) -> list[tuple[str, int]]:
    from aiokafka import AIOKafkaClient

    client = AIOKafkaClient(
        bootstrap_servers=settings.bootstrap, request_timeout_ms=settings.request_timeout_ms
    )
    await client.bootstrap()
    try:
        metadata = await client.fetch_all_metadata()
        prefix = f"{settings.topic_namespace}."
        names = sorted(t for t in metadata.topics() if t.startswith(prefix))
        return [(name, len(metadata.partitions_for_topic(name) or ())) for name in names]
    finally:
        await client.close()
