"""`quanhub ledger retention` and `quanhub ledger partitions`: the ledger's partitions of
ledger_events, made ahead and retired, on every PostgreSQL instance of the shard map
(docs/ledger.md "Retention")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from quanhub.cli.instances import connected, shard_map

if TYPE_CHECKING:
    from quanhub.ledger.store.retention import Retired

console = Console()


def partitions(
    events_per_partition: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Seqs per partition for the partitions made from now on (kept in the database)",
        ),
    ] = None,
) -> None:
    """Make every shard's partitions of ledger_events up to a whole one past its last event,
    on every instance of the shard map (the writer does it too; run daily beside
    `retention`)."""
    from quanhub.ledger.store.retention import partitions_ahead

    async def run() -> int:
        async with connected(shard_map().urls) as conns:
            return sum([await partitions_ahead(c, events_per_partition) for c in conns])

    console.print(f"[green]made[/] {asyncio.run(run())} partitions")


def retention(
    keep_months: Annotated[int, typer.Option(min=1, help="Months of events to keep")],
    archive: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, help="Directory for one gzip CSV per dropped partition (COPY)"
        ),
    ] = None,
    allow_straddling: Annotated[
        bool,
        typer.Option(
            help="Drop a partition even when some of its objects have later events (they "
            "are recomputed from their kept events if they change again)"
        ),
    ] = False,
) -> None:
    """Archive, then drop, each shard's partitions of ledger_events whose events were all
    recorded more than KEEP_MONTHS months ago (oldest first), on every instance of the shard
    map. Projections and rollups stay; feeds refuse cursors into what was dropped (410)."""
    from quanhub.common.clock import SystemClock
    from quanhub.ledger.store.retention import retain

    if archive is not None:
        archive.mkdir(parents=True, exist_ok=True)

    async def run() -> list[Retired]:
        now = SystemClock().now()
        async with connected(shard_map().urls) as conns:
            done: list[Retired] = []
            for instance, conn in enumerate(conns):
                done += await retain(
                    conn,
                    keep_months=keep_months,
                    now=now,
                    archive=archive,
                    allow_straddling=allow_straddling,
                    home=None if instance == 0 else conns[0],
                )
            return done

    done = asyncio.run(run())
    table = Table(title=f"Partitions older than {keep_months} months")
    for column in ("partition", "shard", "seqs", "newest recorded", "straddling", "state"):
        table.add_column(column)
    for r in done:
        state = f"[green]dropped[/] ({r.rows} rows archived)" if r.dropped else "[yellow]kept[/]"
        table.add_row(
            r.name,
            str(r.shard),
            f"{r.first_seq}..{r.end_seq - 1}",
            str(r.newest_recorded_at),
            str(r.straddling),
            state,
        )
    console.print(table)
    if any(not r.dropped for r in done):
        console.print("kept: objects with later events; --allow-straddling drops them anyway")
