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
from quanhub.cli.instances import connected, database_url, instance_title, shard_map
from quanhub.cli.links_backfill import links_backfill
from quanhub.cli.retention import partitions, retention

if TYPE_CHECKING:
    from quanhub.ledger.store.rebuild import TableDiff
    from quanhub.ledger.store.shard_rebuild import ShardReport

app = typer.Typer(help="The event ledger and its projections.", no_args_is_help=True)
console = Console()
app.command("edd-eval")(edd_eval)
app.command("incidents-eval")(incidents_eval)
app.command("alerts-learn")(alerts_learn)
app.command("alerts-eval")(alerts_eval)
app.command("retention")(retention)
app.command("partitions")(partitions)
app.command("links-backfill")(links_backfill)


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
    the event ledger, in one transaction per PostgreSQL instance of the shard map; the
    ledger consumer waits meanwhile. With `--shard K`: the projections of shard K's
    objects, then the links and rollups every shard shares, on K's instance; the other
    shards' writers go on."""
    from quanhub.ledger.store.rebuild import rebuild as run_rebuild
    from quanhub.ledger.store.sequencer import sequence
    from quanhub.ledger.store.shard_rebuild import rebuild_shard

    where = shard_map()

    async def run() -> int:
        async with connected(where.urls) as conns:
            home = conns[0]
            if shard is not None:
                instance = where.instance_of(shard)
                elsewhere = None if instance == 0 else home
                return await rebuild_shard(conns[instance], shard, home=elsewhere)
            seq = await run_rebuild(home)
            for instance, conn in enumerate(conns[1:], start=1):
                await run_rebuild(conn, publish=False)
                # What it made visible gets its global seqs now, as the sequencer would.
                held = [int(s) for s in await conn.fetchval(_SHARDS)]
                mine = [s for s in held if where.instance_of(s) == instance]
                await sequence(home, dict.fromkeys(mine, conn))
                seq = int(await home.fetchval(_HEAD))
            return seq

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
    if not where.single:
        # A rebuild writes no outbox row (docs/ledger.md "Links across instances").
        console.print(
            "several instances: run `quanhub ledger links-backfill` to send the links this "
            "rebuild added to the other instances"
        )


_SHARDS = "SELECT array_agg(shard ORDER BY shard) FROM ledger_appended"
_HEAD = "SELECT last_seq FROM ledger_sequence"


@app.command()
def verify(shard: int | None = _SHARD) -> None:
    """Compare the live projections with a rebuild (changing nothing), on every PostgreSQL
    instance of the shard map; exit 1 on any difference. With `--shard K`: shard K's
    numbering, global ranges and its objects' projections, on K's instance (links and
    rollups are shared: the full verify checks them)."""
    from quanhub.ledger.store.rebuild import verify as run_verify
    from quanhub.ledger.store.shard_rebuild import verify_shard

    where = shard_map()

    async def run() -> list[tuple[str, list[TableDiff]]] | ShardReport:
        async with connected(where.urls, migrated=False) as conns:
            if shard is not None:
                instance = where.instance_of(shard)
                elsewhere = None if instance == 0 else conns[0]
                return await verify_shard(conns[instance], shard, home=elsewhere)
            return [
                (instance_title(where, i), await run_verify(conn, publish=i == 0))
                for i, conn in enumerate(conns)
            ]

    try:
        found = asyncio.run(run())
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    bad = 0
    if isinstance(found, list):
        for title, diffs in found:
            bad += _print_diffs(diffs, f"Live projections vs rebuild{title}")
    else:
        checks = Table(title=f"Shard {found.shard}: numbering and global ranges")
        for column in ("check", "expected", "found", "misplaced", "state"):
            checks.add_column(column)
        for c in found.checks:
            bad += not c.ok
            state = "[green]ok[/]" if c.ok else "[red]wrong[/]"
            checks.add_row(c.check, str(c.expected), str(c.found), str(c.misplaced), state)
        console.print(checks)
        bad += _print_diffs(found.diffs, f"Shard {found.shard}'s objects: live vs recomputed")
    if bad:
        raise typer.Exit(1)


def _print_diffs(diffs: list[TableDiff], title: str) -> int:
    """Print one comparison table; how many tables differ."""
    table = Table(title=title)
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
    return bad


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
    database = DatabaseSettings(url=database_url())
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
