"""`quanhub dlq list | show | replay`: inspect dead-lettered events and re-drive them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from quanhub.common.settings import KafkaSettings
    from quanhub.normalizer.deadletter import DeadLetterRecord

app = typer.Typer(help="Dead letters: events the normalizer could not map, and why.")
console = Console()

CodeOpt = Annotated[str | None, typer.Option("--code", help="Only this error code.")]
PartnerOpt = Annotated[str | None, typer.Option("--partner", help="Only this partner.")]
TopicOpt = Annotated[str | None, typer.Option("--source-topic", help="Only from this topic.")]
FromOpt = Annotated[int | None, typer.Option("--from-offset", help="First DLQ offset.")]
ToOpt = Annotated[int | None, typer.Option("--to-offset", help="Last DLQ offset.")]


def _kafka_settings() -> KafkaSettings:
    """QUANHUB_KAFKA_* settings; the bootstrap defaults to the local stack's port."""
    from quanhub.common.settings import KafkaSettings
    from quanhub.stack.settings import StackSettings, resolve_servers

    return KafkaSettings(bootstrap=resolve_servers(StackSettings()).kafka_bootstrap)


def _read(
    code: str | None,
    partner: str | None,
    source_topic: str | None,
    from_offset: int | None,
    to_offset: int | None,
) -> list[DeadLetterRecord]:
    from quanhub.normalizer.deadletter_ops import read_dead_letters, select

    records = asyncio.run(read_dead_letters(_kafka_settings()))
    return select(
        records,
        code=code,
        partner=partner,
        source_topic=source_topic,
        from_offset=from_offset,
        to_offset=to_offset,
    )


@app.command("list")
def list_dead_letters(  # noqa: PLR0917 - Typer options
    code: CodeOpt = None,
    partner: PartnerOpt = None,
    source_topic: TopicOpt = None,
    from_offset: FromOpt = None,
    to_offset: ToOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Show the newest N.")] = 100,
) -> None:
    """List dead letters (offset, first seen, error code, source, partner, reason)."""
    matching = _read(code, partner, source_topic, from_offset, to_offset)
    records = matching[-limit:] if limit > 0 else matching
    title = f"{len(matching)} dead letters"
    if len(records) < len(matching):
        title += f" (newest {len(records)} shown)"
    table = Table(title=title)
    for column in ("offset", "first seen", "error code", "source", "partner", "reason"):
        table.add_column(column, overflow="fold")
    for r in records:
        source = f"{r.source_topic}[{r.source_partition}]@{r.source_offset}"
        table.add_row(
            str(r.offset), r.first_seen, r.error_code, source, r.partner, r.error_message[:120]
        )
    console.print(table)


@app.command()
def show(offset: int) -> None:
    """Show one dead letter: its headers and its payload (personal data is already masked)."""
    from google.protobuf import json_format

    from quanhub.canonical.v1 import canonical_pb2
    from quanhub.normalizer.deadletter import WITHHELD_REASONS

    matches = _read(None, None, None, offset, offset)
    if not matches:
        console.print(f"[red]no dead letter at offset {offset}[/]")
        raise typer.Exit(1)
    r = matches[0]
    stamped = datetime.fromtimestamp(r.timestamp_ms / 1000, UTC).isoformat()
    for label, value in (
        ("offset", str(r.offset)),
        ("dead-lettered at", stamped),
        ("first seen", r.first_seen),
        ("error code", r.error_code),
        ("error message", r.error_message),
        ("source", f"{r.source_topic}[{r.source_partition}]@{r.source_offset}"),
        ("partner", r.partner),
        ("replays to", r.target_topic),
        ("key", (r.key or b"").decode("utf-8", "replace")),
        ("source record sizes", r.original_sizes or "not recorded"),
    ):
        console.print(f"[bold]{label}:[/] {value}")
    if r.is_reference:
        console.print(f"[yellow]{escape(r.replay_refusal())}[/]")
        return
    if r.payload_withheld:
        why = WITHHELD_REASONS.get(r.payload_withheld, r.payload_withheld)
        console.print(f"[yellow]payload withheld: {why} (the source topic keeps it)[/]")
        return
    envelope = canonical_pb2.RawEnvelope()
    try:
        envelope.ParseFromString(r.value or b"")
    except Exception:  # noqa: BLE001 - undecodable is exactly what some dead letters are
        console.print(f"[bold]payload ({len(r.value or b'')} bytes, undecodable):[/]")
        console.print((r.value or b"")[:256].hex(" "))
        return
    console.print_json(json_format.MessageToJson(envelope, ensure_ascii=False))


@app.command()
def replay(  # noqa: PLR0917 - Typer options
    code: CodeOpt = None,
    partner: PartnerOpt = None,
    source_topic: TopicOpt = None,
    from_offset: FromOpt = None,
    to_offset: ToOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count.")] = False,
) -> None:
    """Re-drive matching dead letters to their source topic (after a table fix)."""
    from quanhub.normalizer.deadletter_ops import replay as replay_records

    if code is None and partner is None and from_offset is None and to_offset is None:
        console.print("[red]give at least one filter (--code, --partner, --from/--to-offset)[/]")
        raise typer.Exit(2)
    records = _read(code, partner, source_topic, from_offset, to_offset)
    if dry_run:
        console.print(f"{len(records)} dead letters match; nothing sent (--dry-run)")
        return
    done = asyncio.run(replay_records(_kafka_settings(), records))
    for r, why in done.refused:
        console.print(f"[yellow]not replayed:[/] offset {r.offset}: {escape(why)}")
    console.print(f"[green]replayed[/] {done.sent} of {len(records)} matching dead letters")
