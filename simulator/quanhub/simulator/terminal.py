"""What `quanhub simulate` shows: a progress bar while sending, the tally, the KPI check."""

from __future__ import annotations

import time
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from quanhub.simulator.batches import Batch, batches
from quanhub.simulator.generator import Simulation
from quanhub.simulator.model import Anomaly
from quanhub.simulator.sender import Sender, SendOptions, Tally
from quanhub.simulator.verify import await_kpis


async def send_with_progress(
    simulation: Simulation,
    keys: dict[str, str],
    options: SendOptions,
    console: Console,
    *,
    batch_size: int,
    timeout_seconds: float,
    quiet: bool = False,
) -> Tally:
    """Send every event of the run, showing progress, rate, accepted, rejected and retries."""
    progress = Progress(
        TextColumn("[bold]sending"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8} ev/s  accepted {task.fields[accepted]}  "
                   "rejected {task.fields[rejected]}  retries {task.fields[retries]}"),
        TimeElapsedColumn(), console=console, disable=quiet,
    )  # fmt: skip
    task = progress.add_task(
        "send", total=len(simulation.sends), rate="-", accepted=0, rejected=0, retries=0
    )
    started = time.monotonic()

    def on_progress(_: Batch, tally: Tally) -> None:
        elapsed = time.monotonic() - started
        progress.update(
            task,
            completed=tally.settled,
            accepted=tally.accepted,
            rejected=sum(tally.rejected.values()),
            retries=sum(tally.retries.values()),
            rate=f"{tally.sent / elapsed:,.0f}" if elapsed else "-",
        )

    limits = httpx.Limits(max_connections=options.concurrency)
    with progress:
        async with httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), limits=limits) as c:
            sender = Sender(c, keys, options, on_progress)
            return await sender.run(batches(simulation.encoded(), batch_size))


def tally_table(simulation: Simulation, tally: Tally) -> Table:
    """The final tally beside what the run expects (malformed events are the only refusals)."""
    malformed = sum(1 for s in simulation.sends if s.anomaly is Anomaly.MALFORMED)
    expected = len(simulation.sends) - malformed
    table = Table(title="simulate: tally", show_header=False)
    table.add_row("requests", f"{tally.batches} ({tally.failed_batches} failed)")
    table.add_row("events sent", f"{tally.sent} of {len(simulation.sends)}")
    table.add_row("accepted", f"{tally.accepted} (expected {expected})")
    table.add_row("rejected", f"{sum(tally.rejected.values())} (expected {malformed} malformed)")
    for code, count in tally.rejected.most_common():
        table.add_row(f"  rejected: {code}", str(count))
    for reason, count in tally.retries.most_common():
        table.add_row(f"  retried: {reason}", str(count))
    for reason, count in tally.failures.most_common():
        table.add_row(f"  failed: {reason}", str(count))
    rate = tally.sent / tally.elapsed if tally.elapsed else 0
    table.add_row("elapsed", f"{tally.elapsed:.1f}s ({rate:,.0f} events/s)")
    return table


async def check_kpis(
    ledger_url: str, key: str, summary: dict[str, Any], console: Console, *, patience: float
) -> list[str]:
    """Wait until the hub's GET /v1/kpis equals the summary city-wide, then check each
    district once; every difference left (empty: the hub agrees with the ground truth)."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=ledger_url, headers=headers, timeout=30) as client:
        with console.status("waiting for GET /v1/kpis to equal the ground truth"):
            differences = await await_kpis(client, summary["kpis"], patience=patience)
        if differences:
            return differences
        for district, report in summary["kpis_by_district"].items():
            found = await await_kpis(client, report, patience=0)
            differences += [f"[{district}] {line}" for line in found]
    return differences
