"""`quanhub ledger alerts-learn` and `alerts-eval`: learn the alerts' norms from a ledger,
and measure the alerts a ledger API answers against a simulator's truth (docs/alerts.md)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from quanhub.ledger.alerts.norms import Norms

console = Console()


def _database_url(url: str | None) -> str:
    from quanhub.stack.settings import StackSettings, resolve_servers

    return url or resolve_servers(StackSettings()).database_url


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise typer.BadParameter("give the instant with its UTC offset, e.g. +08:00")
    return value.astimezone(UTC)


async def _learn(url: str, until: datetime, window: timedelta) -> Any:
    """Learn from the gaps of every instance holding shards (QUANHUB_LEDGER_SHARD_INSTANCES
    beside `url`, home) and store the norms on home, where the API reads them."""
    import asyncpg

    from quanhub.ledger.alerts.store import learn, save
    from quanhub.ledger.settings import ShardMapSettings

    conn = await asyncpg.connect(url, timeout=10)
    others: list[asyncpg.Connection] = []
    try:
        for other in ShardMapSettings().shard_instances:
            others.append(await asyncpg.connect(other, timeout=10))
        learned = await learn(conn, until, window, others=others)
        await save(conn, learned)
        return learned
    finally:
        for other_conn in others:
            await other_conn.close()
        await conn.close()


def _norms_table(learned: Any) -> Table:
    from quanhub.ledger.alerts.norms import MIN_SAMPLES

    table = Table(title=f"Alert norms learned before {learned.until.isoformat()}")
    for column in ("scope", "segment", "gaps", "p95 h", "threshold h"):
        table.add_column(column, justify="right" if column not in ("scope", "segment") else "left")
    for norm in sorted(learned.norms, key=lambda n: (n.scope, len(n.segment), n.segment)):
        if norm.samples < MIN_SAMPLES:
            continue
        table.add_row(
            norm.scope,
            "/".join(norm.segment),
            str(norm.samples),
            f"{norm.quantile_seconds / 3600:.1f}",
            f"{norm.threshold.total_seconds() / 3600:.1f}",
        )
    return table


def alerts_learn(
    until: Annotated[datetime, typer.Option(help="Learn from gaps completed before this")],
    window_days: Annotated[int, typer.Option(help="Days of gaps before --until")] = 28,
    database_url: Annotated[str | None, typer.Option(help="Default: the local stack's")] = None,
) -> None:
    """Learn the normal gap of each carrier x status x leg and trade mode x customs state
    from the ledger's completed gaps (on every instance of QUANHUB_LEDGER_SHARD_INSTANCES
    too), and replace the norms GET /v1/alerts judges by."""
    learned = asyncio.run(
        _learn(_database_url(database_url), _aware(until), timedelta(days=window_days))
    )
    console.print(_norms_table(learned))


def _key() -> str:
    key = os.environ.get("QUANHUB_ALERTS_KEY")
    if key:
        return key
    from quanhub.simulator.keys import demo_keys

    return demo_keys()["ADMIN"]


async def _flagged(client: Any, at: datetime) -> tuple[dict[str, str], datetime | None]:
    """key -> kind of every alert the API answers at `at`, and the ledger's clock."""
    out: dict[str, str] = {}
    cursor: str | None = None
    clock: datetime | None = None
    while True:
        params = {"as_of": at.isoformat(), "limit": "500"} | ({"cursor": cursor} if cursor else {})
        answer = await client.get("/v1/alerts", params=params)
        answer.raise_for_status()
        body = answer.json()
        clock = datetime.fromisoformat(body["clock"]) if body["clock"] else None
        out |= {item["key"]: item["kind"] for item in body["items"]}
        cursor = body["next_cursor"]
        if cursor is None:
            return out, clock


async def _evaluate(
    ledger: str,
    truth: list[dict[str, Any]],
    norms: Norms,
    instants: tuple[datetime, timedelta, datetime | None],
) -> dict[str, Any]:
    """Ask at every instant of (start, step, stop or the ledger's clock) and score."""
    import httpx

    from quanhub.ledger.alerts.evaluate import Score, expected_at, score, thresholds
    from quanhub.ledger.alerts.model import AlertKind

    start, step, stop = instants
    headers = {"Authorization": f"Bearer {_key()}"}
    scores: dict[AlertKind, Score] = {}
    asked = 0
    async with httpx.AsyncClient(base_url=ledger, headers=headers, timeout=120) as client:
        _, clock = await _flagged(client, start)
        end = stop or clock or start
        at = start
        while at <= end:
            flagged, _ = await _flagged(client, at)
            expected = expected_at(truth, at, norms)
            score(scores, expected, {k: AlertKind(v) for k, v in flagged.items()})
            asked += 1
            at += step
    after = thresholds(truth, norms)
    flagged_after: dict[str, float | None] = {}
    for kind, s in scores.items():
        hours = sorted(after[k] for k in s.seen_keys)
        flagged_after[kind.value] = hours[len(hours) // 2] if hours else None
    total = Score()
    for s in scores.values():
        total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "step_hours": step.total_seconds() / 3600,
        "instants": asked,
        "truth_objects": len(truth),
        "by_kind": {
            kind.value: s.as_json() | {"median_threshold_hours": flagged_after[kind.value]}
            for kind, s in scores.items()
        },
        "overall": {k: v for k, v in total.as_json().items() if not k.endswith("objects")},
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def alerts_eval(
    *,
    summary: Annotated[Path, typer.Option(help="The simulator's --summary file")],
    ledger: Annotated[str, typer.Option(help="The ledger API, e.g. http://127.0.0.1:8081")],
    train_days: Annotated[
        float, typer.Option(help="Learn norms from the run's first days; test after them")
    ] = 5.0,
    step_hours: Annotated[float, typer.Option(help="Hours between tested instants")] = 3.0,
    until: Annotated[
        datetime | None, typer.Option(help="Last instant (default: the ledger's clock)")
    ] = None,
    database_url: Annotated[str | None, typer.Option(help="Default: the local stack's")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here")] = None,
) -> None:
    """Learn the norms on the run's first --train-days, then ask GET /v1/alerts at every
    --step-hours from there to the ledger's clock and compare each answer with the
    simulator's stalled truth: precision and recall per kind (key QUANHUB_ALERTS_KEY,
    else the local demo admin's)."""
    data = json.loads(summary.read_text(encoding="utf-8"))
    truth: list[dict[str, Any]] = data["stalled"]
    run_start = _aware(datetime.fromisoformat(data["config"]["start"]))
    start = run_start + timedelta(days=train_days)
    learned = asyncio.run(_learn(_database_url(database_url), start, timedelta(days=train_days)))
    console.print(_norms_table(learned))
    stop = _aware(until) if until is not None else None
    from quanhub.ledger.alerts.norms import Norms

    instants = (start, timedelta(hours=step_hours), stop)
    report = asyncio.run(_evaluate(ledger, truth, Norms(learned.norms), instants))
    report["seed"] = data["config"].get("seed")
    report["orders"] = data["config"].get("orders")
    table = Table(title=f"Alerts vs the simulator's truth ({report['instants']} instants)")
    columns = ("kind", "objects", "flags right", "false flags", "missed", "precision", "recall")
    for column in (*columns, "flagged after (median)"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    rows = [*report["by_kind"].items(), ("overall", report["overall"])]
    for kind, s in rows:
        after = s.get("median_threshold_hours")
        table.add_row(
            kind,
            str(s.get("objects", "")),
            str(s["true_positives"]),
            str(s["false_positives"]),
            str(s["missed"]),
            _pct(s["precision"]),
            _pct(s["recall"]),
            "" if after is None else f"{after:.0f} h",
        )
    console.print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"figures → {json_out}")
