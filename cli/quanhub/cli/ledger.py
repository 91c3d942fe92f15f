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

if TYPE_CHECKING:
    from quanhub.ledger.store.rebuild import TableDiff

app = typer.Typer(help="The event ledger and its projections.", no_args_is_help=True)
console = Console()
app.command("edd-eval")(edd_eval)
app.command("incidents-eval")(incidents_eval)
app.command("alerts-learn")(alerts_learn)
app.command("alerts-eval")(alerts_eval)


def _database_url() -> str:
    """QUANHUB_DATABASE_URL, or the local stack's database on its configured port."""
    from quanhub.stack.settings import StackSettings, resolve_servers

    return resolve_servers(StackSettings()).database_url


@app.command()
def rebuild() -> None:
    """Recompute every projection (orders, parcels, declarations, links, KPI rollups) from
    the event ledger, in one transaction; the ledger consumer waits meanwhile."""
    import asyncpg

    from quanhub.common.db import migrate
    from quanhub.ledger.store.rebuild import rebuild as run_rebuild

    async def run() -> int:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            await migrate(conn)
            return await run_rebuild(conn)
        finally:
            await conn.close()

    seq = asyncio.run(run())
    console.print(f"[green]rebuilt[/] every projection from {seq} ledger events")


@app.command()
def verify() -> None:
    """Compare the live projections with a rebuild (changing nothing); exit 1 on any
    difference."""
    import asyncpg

    from quanhub.ledger.store.rebuild import verify as run_verify

    async def run() -> list[TableDiff]:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            return await run_verify(conn)
        finally:
            await conn.close()

    diffs = asyncio.run(run())
    table = Table(title="Live projections vs rebuild")
    for column in ("table", "live rows", "rebuilt rows", "only live", "only rebuilt", "state"):
        table.add_column(column)
    bad = 0
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
