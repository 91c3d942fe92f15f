"""`quanhub ledger edd-eval`: the predicted delivery's accuracy on a ledger, against truth."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def _truth(path: Path) -> dict[str, datetime | None]:
    """The simulator's `--truth` rows: parcel key -> first delivery."""
    out: dict[str, datetime | None] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            delivered = row.get("delivered_at")
            out[row["key"]] = datetime.fromisoformat(delivered) if delivered else None
    return out


def _table(report: dict[str, Any]) -> Table:
    table = Table(title="Predicted delivery vs what happened")
    table.add_column("figure")
    for stage in ("at pickup", "at later scans"):
        table.add_column(stage, justify="right")
    pickup, scans = report["at_pickup"], report["at_scans"]

    def pct(v: float) -> str:
        return f"{v:.1%}"

    def hours(v: float) -> str:
        return f"{v:.2f} h"

    def ratio(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    rows: list[tuple[str, str, Any]] = [
        ("predictions", "predictions", str),
        ("no prediction", "unpredicted", str),
        ("delivered by latest", "delivered_by_latest", pct),
        ("within earliest..latest", "within_band", pct),
        ("MAE of most likely", "mae_hours", hours),
        ("MAE of carrier median", "baseline_mae_hours", hours),
        ("MAE ratio", "mae_ratio", ratio),
    ]
    for label, key, fmt in rows:
        table.add_row(label, fmt(pickup[key]), fmt(scans[key]))
    for i, cal in enumerate(pickup["calibration"]):
        observed_scans = scans["calibration"][i]["observed"]
        table.add_row(
            f"delivered by the {cal['quantile']:.3g} quantile",
            pct(cal["observed"]),
            pct(observed_scans),
        )
    return table


def edd_eval(
    start: Annotated[
        datetime, typer.Option("--from", help="Day D (CST): train before it, test from it")
    ],
    end: Annotated[
        datetime | None, typer.Option("--to", help="Test pickups before this day (CST)")
    ] = None,
    window_days: Annotated[int, typer.Option(help="Delivery days the model learns from")] = 28,
    truth: Annotated[
        Path | None, typer.Option(help="The simulator's --truth file, to check deliveries")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here")] = None,
) -> None:
    """Train the predicted-delivery model on the delivery days before D, predict every
    parcel picked up from D (at pickup and at each later scan) and compare with its first
    delivery: share delivered by the latest time, MAE against a per-carrier median, and
    the calibration of the quantiles (docs/edd.md)."""
    import asyncpg

    from quanhub.ledger.edd.evaluate import evaluate
    from quanhub.stack.settings import StackSettings, resolve_servers

    first: date = start.date()
    last: date = end.date() if end is not None else date.max
    truths = _truth(truth) if truth is not None else None

    async def run() -> dict[str, Any]:
        conn = await asyncpg.connect(resolve_servers(StackSettings()).database_url, timeout=10)
        try:
            return await evaluate(conn, first, last, window_days=window_days, truth=truths)
        finally:
            await conn.close()

    report = asyncio.run(run())
    console.print(
        f"trained on delivery days {report['train']['first_day']} .. before "
        f"{report['train']['end_day']} ({report['train']['parcels']} parcels, "
        f"{report['train']['open_parcels']} still open at the cut: censored); "
        f"tested {report['parcels']} parcels picked up from {first} "
        f"({report['undelivered']} not delivered: left out)"
    )
    if report["truth"] is not None:
        console.print(f"ledger deliveries vs the simulator's truth: {report['truth']}")
    console.print(_table(report))
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        console.print(f"figures → {json_out}")
