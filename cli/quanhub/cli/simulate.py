"""`quanhub simulate`: realistic traffic through the gateway, and its ground truth."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from quanhub.simulator.config import SimulationConfig
    from quanhub.simulator.generator import Simulation
    from quanhub.simulator.sender import Tally
    from quanhub.simulator.settings import SimulatorSettings

app = typer.Typer()
console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]simulate[/]: {message}", highlight=False)
    return typer.Exit(2)


@app.callback(invoke_without_command=True)
def simulate(  # the options are the command line; Typer passes them by name
    *,
    orders: Annotated[int, typer.Option(help="Orders to simulate.", min=0)] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same traffic, byte for byte.")] = 1,
    rate: Annotated[float, typer.Option(help="Events per second; 0 sends flat out.", min=0)] = 0,
    batch: Annotated[int | None, typer.Option(help="Events per request [500].", min=1)] = None,
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight [4].", min=1)] = None,
    cross_border_share: Annotated[
        float, typer.Option(help="Share of orders imported under 9610/1210.", min=0, max=1)
    ] = 0.1,
    anomalies: Annotated[
        str | None,
        typer.Option(
            help="e.g. 'duplicate=0.02,out_of_order=0.03,unknown=0.005,malformed=0.002'"
            " (unset names keep their defaults) or 'none'."
        ),
    ] = None,
    days: Annotated[float, typer.Option(help="Orders are placed over this many days.")] = 7.0,
    start: Annotated[
        str | None, typer.Option(help="First order instant, ISO 8601 [2026-11-01T00:00Z].")
    ] = None,
    warmup_days: Annotated[
        float,
        typer.Option(
            help="Also place orders over this many days before --start at the same daily"
            " rate (every event sent), so the city's network is full from --start.",
            min=0,
        ),
    ] = 0.0,
    recent: Annotated[
        bool, typer.Option(help="Place orders over the last --days up to now; cut stories at now.")
    ] = False,
    carriers: Annotated[
        str | None, typer.Option(help="Only these carrier partners, e.g. SF,ZTO,YTO.")
    ] = None,
    load: Annotated[
        str,
        typer.Option(
            help="'normal', 'double11' (x1.7 orders, durations x1.35) or 'volume=N,stretch=N'."
        ),
    ] = "normal",
    incident: Annotated[
        list[str] | None,
        typer.Option(
            help="Repeatable: 'carrier=YTO,district=370112,start=2026-11-11T08:00+08:00,hours=6'"
            " (optional mode=stop|slow, factor=3): that carrier's scans there stop or slow."
        ),
    ] = None,
    gateway: Annotated[
        str | None, typer.Option(help="Gateway URL [http://127.0.0.1:8080].")
    ] = None,
    keys: Annotated[
        Path | None, typer.Option(help="Partner keys: JSON object or CODE=key lines.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option(help="Write the ground truth (with expected KPIs) here.")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Write the per-parcel truth here (JSON lines).")
    ] = None,
    dry_run: Annotated[
        Path | None, typer.Option("--dry-run", help="Write the sends here (JSON lines); send none.")
    ] = None,
    check: Annotated[
        str | None,
        typer.Option(
            help="Ledger API URL: after sending, wait until its GET /v1/kpis equals"
            " the ground truth (city and each district) and report differences."
        ),
    ] = None,
    check_patience: Annotated[
        float, typer.Option(help="Seconds --check waits for the pipeline to catch up.")
    ] = 300.0,
    wait_ready: Annotated[
        float, typer.Option(help="Wait up to this many seconds for the gateway's /readyz.")
    ] = 0.0,
    show_dashboard: Annotated[
        bool, typer.Option(help="Print the dashboard URL (with the analyst's demo key).")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Generate order, parcel and customs traffic from platforms, ten carriers and a customs
    agent, and send it through the gateway with each partner's own API key.

    Keys come from --keys, QUANHUB_SIMULATOR_KEYS(_FILE), or (local profile) the demo
    partners; with demo keys only the carriers the demo registers take part.
    """
    from quanhub.common.clock import SystemClock
    from quanhub.common.errors import ConfigurationError
    from quanhub.simulator.conditions import Incident, Load
    from quanhub.simulator.config import DEFAULT_START, AnomalyRates, SimulationConfig
    from quanhub.simulator.settings import SimulatorSettings

    settings = SimulatorSettings()
    now = SystemClock().now()
    try:
        partner_keys, source = ({}, "none") if dry_run else _resolve_keys(keys, settings)
        chosen = _carriers(carriers, partner_keys if source == "demo" else None)
        first = DEFAULT_START if start is None else datetime.fromisoformat(start)
        config = SimulationConfig(
            orders=orders,
            seed=seed,
            start=now - timedelta(days=days) if recent else first,
            days=days,
            cross_border_share=cross_border_share,
            anomalies=AnomalyRates.parse(anomalies) if anomalies else AnomalyRates(),
            carriers=chosen,
            until=now if recent else None,
            load=Load.parse(load),
            incidents=tuple(Incident.parse(text) for text in incident or ()),
            warmup_days=warmup_days,
        )
    except (ConfigurationError, ValueError) as exc:
        raise _fail(getattr(exc, "message", None) or str(exc)) from None
    simulation = _generate(config, now, sending=dry_run is None)
    expected = _summary(simulation, summary, truth) if summary or check or truth else None
    if dry_run:
        _dry_run(simulation, dry_run)
        return
    if wait_ready:
        _wait_ready(gateway or settings.gateway_url, wait_ready)
    if show_dashboard and (analyst := partner_keys.get("JNCOMMERCE")):
        console.print(
            f"[bold]dashboard[/]: {settings.ledger_url}/dashboard#key={analyst}", highlight=False
        )
    tally = _send(simulation, partner_keys, settings, gateway, rate, concurrency, batch, quiet)
    if tally.failed_batches:
        raise typer.Exit(1)
    if check and expected:
        _check(check, partner_keys, settings, expected, check_patience)


def _resolve_keys(path: Path | None, settings: SimulatorSettings) -> tuple[dict[str, str], str]:
    from quanhub.simulator.keys import demo_keys, load_keys, parse_keys

    if path:
        return load_keys(path), "file"
    if settings.keys_file:
        return load_keys(settings.keys_file), "file"
    if settings.keys:
        return parse_keys(settings.keys.get_secret_value()), "env"
    return demo_keys(), "demo"


def _carriers(text: str | None, demo: dict[str, str] | None) -> frozenset[str] | None:
    from quanhub.simulator.catalog import CARRIERS

    known = {c.partner for c in CARRIERS}
    if text:
        chosen = frozenset(code.strip().upper() for code in text.split(",") if code.strip())
        if unknown := sorted(chosen - known):
            names = ", ".join(sorted(known))
            msg = f"unknown carrier partner(s) {', '.join(unknown)}; known: {names}"
            raise ValueError(msg)
        return chosen
    if demo is None or known <= set(demo):
        return None
    with_keys = frozenset(known & set(demo))
    console.print(
        f"[yellow]demo registry has no key for {', '.join(sorted(known - with_keys))}[/]: "
        "simulating the other carriers (pass --keys to use all ten)",
        highlight=False,
    )
    return with_keys


def _generate(config: SimulationConfig, now: datetime, *, sending: bool) -> Simulation:
    from dataclasses import replace

    from quanhub.simulator.generator import generate

    started = time.perf_counter()
    simulation = generate(config)
    if sending and simulation.sends and max(s.at for s in simulation.sends) > now:
        # The hub refuses events from the future: cut the stories at now.
        console.print("[yellow]some stories run past now: cut at the current time[/]")
        simulation = generate(replace(config, until=now))
    elapsed = time.perf_counter() - started
    count = len(simulation.sends)
    console.print(
        f"generated {config.order_count} orders"
        + (f" ({config.warmup_order_count} in the warm-up)" if config.warmup_days else "")
        + f" → {count} sends in {elapsed:.2f}s "
        f"({count / elapsed if elapsed else 0:,.0f} sends/s, before encoding)",
        highlight=False,
    )
    return simulation


def _summary(simulation: Simulation, path: Path | None, rows: Path | None) -> dict[str, Any]:
    from quanhub.simulator.output import write_json, write_json_lines
    from quanhub.simulator.summary import ground_truth

    started = time.perf_counter()
    truth = ground_truth(simulation)
    if path:
        write_json(path, truth.summary)
        console.print(f"ground truth → {path} ({time.perf_counter() - started:.2f}s)")
    if rows:
        count = write_json_lines(rows, truth.parcels)
        console.print(f"per-parcel truth → {rows} ({count} parcels)", highlight=False)
    return truth.summary


def _dry_run(simulation: Simulation, path: Path) -> None:
    from quanhub.simulator.output import write_sends

    started = time.perf_counter()
    count = write_sends(path, simulation.encoded())
    elapsed = time.perf_counter() - started
    console.print(f"{count} sends → {path} in {elapsed:.2f}s (nothing sent)", highlight=False)


def _send(  # noqa: PLR0917 - the command's sending options, passed on as they came
    simulation: Simulation,
    keys: dict[str, str],
    settings: SimulatorSettings,
    gateway: str | None,
    rate: float,
    concurrency: int | None,
    batch: int | None,
    quiet: bool,
) -> Tally:
    from quanhub.simulator.keys import missing_keys
    from quanhub.simulator.sender import SendOptions
    from quanhub.simulator.terminal import send_with_progress, tally_table

    if missing := missing_keys(keys, {s.partner for s in simulation.sends}):
        raise _fail(f"no API key for {', '.join(missing)} (see --keys, or pass --carriers)")
    options = SendOptions(
        gateway_url=gateway or settings.gateway_url,
        rate=rate or None,
        concurrency=concurrency or settings.concurrency,
        max_attempts=settings.max_attempts,
    )
    sending = send_with_progress(
        simulation,
        keys,
        options,
        console,
        batch_size=batch or settings.batch_size,
        timeout_seconds=settings.timeout_seconds,
        quiet=quiet,
    )
    tally = asyncio.run(sending)
    Console().print(tally_table(simulation, tally))
    return tally


def _wait_ready(gateway_url: str, patience: float) -> None:
    import httpx

    deadline = time.monotonic() + patience
    with console.status(f"waiting for {gateway_url}/readyz"):
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{gateway_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(1)
    raise _fail(f"the gateway at {gateway_url} was not ready within {patience:.0f}s")


def _check(
    ledger_url: str,
    keys: dict[str, str],
    settings: SimulatorSettings,
    truth: dict[str, Any],
    patience: float,
) -> None:
    from quanhub.simulator.terminal import check_kpis

    key = (
        settings.check_key.get_secret_value()
        if settings.check_key
        else keys.get("JNCOMMERCE") or keys.get("ADMIN")
    )
    if not key:
        raise _fail("--check needs an analyst key: QUANHUB_SIMULATOR_CHECK_KEY, or JNCOMMERCE=")
    differences = asyncio.run(check_kpis(ledger_url, key, truth, console, patience=patience))
    if differences:
        for line in differences[:40]:
            console.print(f"  [red]≠[/] {line}", highlight=False)
        raise _fail(f"GET /v1/kpis differs from the ground truth in {len(differences)} places")
    console.print("[green]GET /v1/kpis equals the ground truth[/] (city and every district)")
