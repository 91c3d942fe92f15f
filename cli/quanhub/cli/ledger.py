"""`quanhub ledger …`: recompute the ledger's projections, or check them against a rebuild."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from quanhub.cli.alerts import alerts_eval, alerts_learn
from quanhub.cli.edd_eval import edd_eval
from quanhub.cli.incidents_eval import incidents_eval
from quanhub.cli.retention import partitions, retention

if TYPE_CHECKING:
    from quanhub.ledger.store.rebuild import TableDiff

app = typer.Typer(help="The event ledger and its projections.", no_args_is_help=True)
console = Console()
app.command("edd-eval")(edd_eval)
app.command("incidents-eval")(incidents_eval)
app.command("alerts-learn")(alerts_learn)
app.command("alerts-eval")(alerts_eval)
app.command("retention")(retention)
app.command("partitions")(partitions)


def _database_url() -> str:
    """QUANHUB_DATABASE_URL, or the local stack's database on its configured port."""
    from quanhub.stack.settings import StackSettings, resolve_servers

    return resolve_servers(StackSettings()).database_url


#: `--shard K`: one shard's lanes only (docs/ledger.md "Shards").
_SHARD = typer.Option(
    None,
    "--shard",
    min=0,
    help="Only shard K: lock its lanes and the global lock, not every shard's writers.",
)


@app.command()
def rebuild(shard: int | None = _SHARD) -> None:
    """Recompute every projection (orders, parcels, declarations, links, KPI rollups) from
    the event ledger, in one transaction; the ledger consumer waits meanwhile. With
    `--shard K`: the projections of shard K's objects, then the links and rollups every
    shard shares; the other shards' writers go on."""
    import asyncpg

    from quanhub.common.db import migrate
    from quanhub.ledger.store.rebuild import rebuild as run_rebuild
    from quanhub.ledger.store.shard_rebuild import rebuild_shard

    async def run() -> int:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            await migrate(conn)
            if shard is None:
                return await run_rebuild(conn)
            return await rebuild_shard(conn, shard)
        finally:
            await conn.close()

    try:
        seq = asyncio.run(run())
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if shard is None:
        console.print(f"[green]rebuilt[/] every projection from {seq} ledger events")
    else:
        console.print(
            f"[green]rebuilt[/] shard {shard}'s projections and the shared links and rollups "
            f"(global seq {seq})"
        )


@app.command()
def verify(shard: int | None = _SHARD) -> None:
    """Compare the live projections with a rebuild (changing nothing); exit 1 on any
    difference. With `--shard K`: shard K's numbering, global ranges and its objects'
    projections (links and rollups are shared: the full verify checks them)."""
    import asyncpg

    from quanhub.ledger.store.rebuild import verify as run_verify
    from quanhub.ledger.store.shard_rebuild import ShardReport, verify_shard

    async def run() -> list[TableDiff] | ShardReport:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            if shard is None:
                return await run_verify(conn)
            return await verify_shard(conn, shard)
        finally:
            await conn.close()

    try:
        found = asyncio.run(run())
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    bad = 0
    if isinstance(found, ShardReport):
        checks = Table(title=f"Shard {found.shard}: numbering and global ranges")
        for column in ("check", "expected", "found", "misplaced", "state"):
            checks.add_column(column)
        for c in found.checks:
            bad += not c.ok
            state = "[green]ok[/]" if c.ok else "[red]wrong[/]"
            checks.add_row(c.check, str(c.expected), str(c.found), str(c.misplaced), state)
        console.print(checks)
        diffs, title = found.diffs, f"Shard {found.shard}'s objects: live vs recomputed"
    else:
        diffs, title = found, "Live projections vs rebuild"
    table = Table(title=title)
    for column in ("table", "live rows", "rebuilt rows", "only live", "only rebuilt", "state"):
        table.add_column(column)
    for d in diffs:
        equal = d.equal
        bad += not equal
        table.add_row(
            d.table,
            str(d.live_rows),
            str(d.rebuilt_rows),
            str(d.only_live),
            str(d.only_rebuilt),
            "[green]equal[/]" if equal else "[red]differs[/]",
        )
    console.print(table)
    if bad:
        raise typer.Exit(1)


@app.command()
def bench(
    events: int = typer.Option(100_000, min=1_000, help="Synthetic canonical events to write."),
    batch: int = typer.Option(5_000, min=1, help="Records per PostgreSQL transaction."),
) -> None:
    """Measure the ledger writer (canonical topic -> PostgreSQL, events/s) against raw COPY
    of the same rows into a same-shaped table, on a scratch database and topic."""
    from quanhub.bench.ledger_consumer import run_bench
    from quanhub.common.logging import configure_logging
    from quanhub.common.settings import DatabaseSettings, KafkaSettings

    configure_logging("WARNING", json=False)
    database = DatabaseSettings(url=_database_url())
    result = asyncio.run(run_bench(KafkaSettings(), database, events=events, batch=batch))
    table = Table(title=f"Ledger writer, {result.events} events, batches of {result.batch}")
    table.add_column("path")
    table.add_column("events/s", justify="right")
    table.add_row("produce to the canonical topic (setup)", f"{result.produce_rate:,.0f}")
    table.add_row(
        "ledger consumer: topic -> ledger, projections, rollups, offsets",
        f"{result.writer_rate:,.0f}",
    )
    table.add_row(
        "ledger writer and projector alone: decoded rows -> visible",
        f"{result.writer_alone_rate or 0:,.0f}",
    )
    table.add_row("raw COPY, same columns, no indexes", f"{result.copy_bare_rate or 0:,.0f}")
    table.add_row("raw COPY, same columns and indexes", f"{result.copy_indexed_rate:,.0f}")
    console.print(table)
