"""`quanhub ledger incidents-eval`: detected incidents against the simulator's injected ones.

Two sources of flow, one detector: the ledger's own scan-flow rollup (what GET
/v1/incidents reads; the run's `--summary` gives the period and the injected incidents), or
a simulation generated here from the same options as `quanhub simulate` (`--simulate`: no
stack needed, the flow counted from the events the hub would keep).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from quanhub.ledger.incidents.detect import Incident

console = Console()
CST = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)

#: A detection belongs to an injected incident of its carrier and district when it overlaps
#: the incident or the drain after it (the simulator's DRAIN_HOURS).
MATCH_SLACK = timedelta(hours=2)
#: The brief's bound on detection delay, minutes of simulated time.
MAX_DELAY_MINUTES = 30.0


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def compare(injected: list[dict[str, Any]], detected: list[Incident]) -> dict[str, Any]:
    """Match detections to injected incidents; delays and errors in minutes."""
    matched: set[int] = set()
    rows = []
    for truth in injected:
        start = datetime.fromisoformat(truth["start"])
        end = datetime.fromisoformat(truth["end"])
        hits = [
            (n, d)
            for n, d in enumerate(detected)
            if (d.carrier, d.district) == (truth["carrier"], truth["district"])
            and d.start < end + MATCH_SLACK
            and (d.end is None or d.end > start)
        ]
        matched.update(n for n, _ in hits)
        row: dict[str, Any] = {
            "carrier": truth["carrier"],
            "district": truth["district"],
            "mode": truth.get("mode", "stop"),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "parcels_held": truth.get("parcels_held"),
            "detected": bool(hits),
        }
        if hits:
            first, last = hits[0][1], hits[-1][1]
            row |= {
                "detected_at": first.detected_at.isoformat(),
                "delay_minutes": _minutes(max(timedelta(0), first.detected_at - start)),
                "start_error_minutes": _minutes(first.start - start),
                "end_error_minutes": None if last.end is None else _minutes(last.end - end),
                "missing_scans": round(sum(d.missing_scans for _, d in hits), 1),
                "delay_hours": round(sum(d.delay_hours for _, d in hits), 1),
                "detections": len(hits),
            }
        rows.append(row)
    false_alarms = [
        {
            "carrier": d.carrier,
            "district": d.district,
            "start": d.start.isoformat(),
            "end": None if d.end is None else d.end.isoformat(),
            "missing_scans": round(d.missing_scans, 1),
        }
        for n, d in enumerate(detected)
        if n not in matched
    ]
    delays = [r["delay_minutes"] for r in rows if r["detected"]]
    return {
        "injected": rows,
        "false_alarms": false_alarms,
        "detected": len(delays),
        "max_delay_minutes": max(delays) if delays else None,
        "passed": all(r["detected"] and r["delay_minutes"] <= MAX_DELAY_MINUTES for r in rows)
        and not false_alarms,
    }


def _cst(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(CST).strftime("%m-%d %H:%M")


def _table(report: dict[str, Any]) -> Table:
    table = Table(title="Injected incidents vs detected (times CST, errors in minutes)")
    for column in (
        "carrier",
        "district",
        "mode",
        "start",
        "h",
        "found",
        "delay",
        "start err",
        "end err",
        "missing",
    ):
        table.add_column(column, justify="right")
    for r in report["injected"]:
        hours = (datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"])) / HOUR
        table.add_row(
            r["carrier"],
            r["district"],
            r["mode"],
            _cst(r["start"]),
            f"{hours:g}",
            "yes" if r["detected"] else "no",
            *(
                str(r.get(k, "-"))
                for k in (
                    "delay_minutes",
                    "start_error_minutes",
                    "end_error_minutes",
                    "missing_scans",
                )
            ),
        )
    return table


def _simulated_flows(  # noqa: PLR0917 - the run's options, passed on as they came
    orders: int,
    seed: int,
    start: datetime,
    days: float,
    load: str,
    incidents: list[str],
    *,
    warmup_days: float = 0.0,
) -> tuple[dict[tuple[str, str], dict[int, int]], list[dict[str, Any]]]:
    """The flow the hub would keep from a simulation, and its injected incidents."""
    from quanhub.ledger.incidents.detect import window_of
    from quanhub.simulator.conditions import Incident as Injected
    from quanhub.simulator.conditions import Load
    from quanhub.simulator.config import SimulationConfig
    from quanhub.simulator.generator import generate
    from quanhub.simulator.model import Anomaly, Scan

    config = SimulationConfig(
        orders=orders,
        seed=seed,
        start=start,
        days=days,
        load=Load.parse(load),
        incidents=tuple(Injected.parse(text) for text in incidents),
        warmup_days=warmup_days,
    )
    simulation = generate(config)
    counts: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    seen: set[str] = set()
    for step in simulation.sends:  # as Simulation.valid_distinct, without encoding
        if step.anomaly is Anomaly.MALFORMED or step.event_id in seen:
            continue
        seen.add(step.event_id)
        body = step.body
        if isinstance(body, Scan) and body.district_code:
            counts[(body.parcel.carrier.carrier_id, body.district_code)][window_of(step.at)] += 1
    injected = [
        {
            "carrier": i.carrier,
            "district": i.district,
            "start": i.start.isoformat(),
            "end": i.end.isoformat(),
            "mode": i.mode.value,
        }
        for i in config.incidents
    ]
    return {key: dict(c) for key, c in counts.items()}, injected


async def _ledger_incidents(url: str | None, start: datetime, end: datetime) -> list[Incident]:
    """What GET /v1/incidents answers for the run's period, as of its end."""
    import asyncpg

    from quanhub.ledger.incidents.store import find_incidents
    from quanhub.stack.settings import StackSettings, resolve_servers

    conn = await asyncpg.connect(url or resolve_servers(StackSettings()).database_url, timeout=10)
    try:
        return await find_incidents(
            conn, start=start, end=end, as_of=end, carrier=None, district=None
        )
    finally:
        await conn.close()


def incidents_eval(  # noqa: PLR0917 - the options are the command line; Typer passes them by name
    summary: Annotated[
        Path | None, typer.Option(help="The run's --summary (ledger mode): period, incidents")
    ] = None,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Generate the run here instead of reading a ledger")
    ] = False,
    orders: Annotated[int, typer.Option(help="--simulate: orders")] = 30000,
    seed: Annotated[int, typer.Option(help="--simulate: seed")] = 1,
    start: Annotated[
        str, typer.Option(help="--simulate: first order instant")
    ] = "2026-11-01T00:00+08:00",
    days: Annotated[float, typer.Option(help="--simulate: days of orders")] = 10.0,
    load: Annotated[str, typer.Option(help="--simulate: load")] = "normal",
    warmup_days: Annotated[
        float, typer.Option(help="--simulate: days of orders before --start", min=0)
    ] = 0.0,
    incident: Annotated[
        list[str] | None, typer.Option(help="--simulate: as `quanhub simulate --incident`")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Ledger database (default: the local stack's)")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here")] = None,
) -> None:
    """Run the incident detector over a simulated run's order period and compare with the
    injected incidents: detection delay (bound: 30 simulated minutes), start and end error,
    and every detection no injected incident explains (a clean run must have none)."""
    from quanhub.ledger.incidents.detect import Thresholds, run, window_of

    if simulate:
        first_at = datetime.fromisoformat(start)
        end_at = first_at + timedelta(days=days)
        flows, injected = _simulated_flows(
            orders, seed, first_at, days, load, incident or [], warmup_days=warmup_days
        )
        detected = run(flows, window_of(first_at), window_of(end_at) - 1)
        source = f"simulated here: {orders} orders, seed {seed}, {days:g} days from {start}"
        if warmup_days:
            source += f" after a {warmup_days:g}-day warm-up"
    elif summary is not None:
        truth = json.loads(summary.read_text(encoding="utf-8"))
        first_at = datetime.fromisoformat(truth["config"]["start"])
        end_at = first_at + timedelta(days=float(truth["config"]["days"]))
        injected = truth.get("incidents", [])
        detected = asyncio.run(_ledger_incidents(database_url, first_at, end_at))
        source = f"the ledger's flow rollup, period of {summary}"
    else:
        raise typer.BadParameter("give --summary (ledger) or --simulate")
    report = compare(injected, detected) | {
        "source": source,
        "period": {"start": first_at.isoformat(), "end": end_at.isoformat()},
        "thresholds": asdict(Thresholds()),
    }
    console.print(source, highlight=False)
    console.print(_table(report))
    console.print(
        f"false alarms: {len(report['false_alarms'])}; passed: {report['passed']}",
        highlight=False,
    )
    for alarm in report["false_alarms"]:
        console.print(f"  false alarm: {alarm}", highlight=False)
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        console.print(f"figures → {json_out}")
