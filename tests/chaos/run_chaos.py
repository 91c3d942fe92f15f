"""Chaos run: N events through the gateway while services, Kafka and PostgreSQL are killed
in turn; then prove nothing acknowledged was lost or duplicated.

    .venv/bin/python tests/chaos/run_chaos.py --events 100000      (make chaos N=100000)
    ... --shards 4 --instances 2       (make chaos SHARDS=4 INSTANCES=2: ledger shards 1, 3
                                        on a second PostgreSQL, docs/ledger.md "Shards")

Everything runs on a stack of its own (free ports, a temporary state directory), never
the shared dev stack. The last line printed is the summary; the exit status is 1 on any
loss, duplicate or failed check.
"""

# A command-line report: printing is its output.
# ruff: noqa: T201

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from chaos_checks import (
    dead_letters,
    ledger_facts,
    visible_events,
    wait_for_dispatcher,
    wait_for_ledger,
)
from chaos_faults import FaultInjector, FaultLog, faults_for
from chaos_receiver import WebhookReceiver
from chaos_servers import ChaosServers
from chaos_traffic import ChaosSender, chaos_batches, register_partners

from quanhub.common.access.model import Role
from quanhub.common.logging import configure_logging
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack.servicegroup import start_services

SERVICES = ("gateway", "normalizer", "ledger-consumer", "ledger-api", "dispatcher")
#: Webhook subscribers: (partner, role, customs code) — one per kind of reader.
SUBSCRIBERS = (
    ("CHAOSADMIN", Role.ADMIN, None),
    ("SF", Role.CARRIER, "3701LG0001"),
    ("TMALL", Role.PLATFORM, "3701PT0001"),
    ("JNAGENT", Role.CUSTOMS_AGENT, "3701AG0001"),
)


@dataclass(slots=True)
class Summary:
    """The run's numbers and every problem found (empty problems: the run passed)."""

    sent: int = 0
    acknowledged: int = 0
    in_ledger: int = 0
    lost: int = 0
    duplicated: int = 0
    faults: int = 0
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    #: (partner, partner's event_id) of every acknowledged event.
    acked: set[tuple[str, str]] = field(default_factory=set, repr=False)

    @property
    def line(self) -> str:
        return (
            f"chaos: sent={self.sent} acknowledged={self.acknowledged} "
            f"in_ledger={self.in_ledger} lost={self.lost} duplicated={self.duplicated} "
            f"faults={self.faults}"
        )

    @property
    def passed(self) -> bool:
        return not self.problems and self.lost == 0 and self.duplicated == 0


async def _subscribe(ledger_url: str, keys: dict[str, str], receiver: WebhookReceiver) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for code, _, _ in SUBSCRIBERS:
            response = await client.post(
                f"{ledger_url}/v1/subscriptions",
                json={"url": receiver.url(code), "after_seq": 0, "description": "chaos"},
                headers={"Authorization": f"Bearer {keys[code]}"},
            )
            response.raise_for_status()
            receiver.secrets[code] = response.json()["secret"]


async def run_chaos(
    events: int,
    *,
    root: Path,
    seed: int = 11,
    batch_size: int = 100,
    concurrency: int = 4,
    rate: float = 0.0,
    progress: bool = True,
    shards: int = 1,
    instances: int = 1,
) -> Summary:
    """The whole run on a stack under `root`; returns the summary (never raises on a
    failed check, only on an environment that cannot run the experiment). `shards` ledger
    shards on `instances` PostgreSQL (one or two; shard k on instance k mod instances)."""
    say = print if progress else (lambda *_, **__: None)
    servers = ChaosServers.create(root / "stack", instances=instances)
    summary = Summary()
    say(
        f"chaos: starting Kafka :{servers.settings.kafka_port} and PostgreSQL "
        f":{servers.settings.pg_port} under {root}",
        flush=True,
    )
    await asyncio.to_thread(servers.up)
    try:
        kafka = KafkaSettings(
            bootstrap=servers.kafka_bootstrap, topic_namespace="chaos", partitions=3
        )
        database = DatabaseSettings(url=servers.database_url)
        if shards > 1 or instances > 1:  # the services inherit this process's environment
            os.environ["QUANHUB_LEDGER_CONSUMER_SHARDS"] = str(shards)
            os.environ["QUANHUB_LEDGER_SHARD_INSTANCES"] = json.dumps(servers.database_urls[1:])
        services = await start_services(SERVICES, kafka, database, root / "services")
        receiver = WebhookReceiver(lose_every=50)
        await receiver.start()
        try:
            keys = await register_partners(servers.database_url)
            await _subscribe(services.ledger_url, keys, receiver)
            await _drive(
                events,
                services,
                servers,
                keys,
                summary,
                faults=faults_for(instances),
                say=say,
                seed=seed,
                batch_size=batch_size,
                concurrency=concurrency,
                rate=rate,
            )
            await _check(servers, kafka, receiver, summary, say)
        finally:
            await receiver.stop()
            await services.stop()
    finally:
        await asyncio.to_thread(servers.down)
    return summary


async def _drive(  # type: ignore[no-untyped-def]
    events, services, servers, keys, summary, *, faults, say, seed, batch_size, concurrency, rate
) -> None:
    """Traffic flows the whole time; `faults` come one after another, in order, until the
    traffic is done (and at least once each)."""
    work = chaos_batches(events, seed=seed, batch_size=batch_size)
    log = FaultLog()
    injector = FaultInjector(services, servers, log)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=3.0)) as client:
        sender = ChaosSender(client, services.gateway_url, keys, rate=rate or None)
        traffic = asyncio.create_task(sender.send_all(work, concurrency=concurrency))
        number, late = 0, []
        while not traffic.done() or number < len(faults):
            await asyncio.sleep(1.0)  # a moment of steady traffic between faults
            fault = faults[number % len(faults)]
            if traffic.done():
                late.append(fault)
            try:
                await injector.inject(fault)
            except RuntimeError as exc:  # the system did not heal: stop, report, still check
                summary.problems.append(f"{fault} never healed: {str(exc)[:2000]}")
                traffic.cancel()
                break
            number += 1
            say(
                f"chaos: {fault} healed; sent {sender.outcome.sent}, acknowledged "
                f"{len(sender.outcome.acknowledged)} ({time.monotonic() - started:.0f}s)",
                flush=True,
            )
        with contextlib.suppress(asyncio.CancelledError):
            await traffic
    outcome = sender.outcome
    summary.sent = outcome.sent
    summary.acknowledged = len(outcome.acknowledged)
    summary.faults = log.total
    summary.details.append(f"faults: {log.summary()}")
    for line in log.stuck:
        summary.problems.append(f"not healed in 120 s: {line}")
    if late:
        summary.details.append(f"faults after the traffic ended (raise N or lower --rate): {late}")
    summary.details.append(f"resends: {dict(outcome.resends.most_common())}")
    summary.details.append(f"rejected per event: {dict(outcome.rejected.most_common())}")
    if outcome.failed_batches:
        summary.details.append(f"batches refused whole: {dict(outcome.failed_batches)}")
    summary.details.append(f"traffic took {outcome.elapsed:.0f}s")
    summary.acked = outcome.acknowledged


async def _check(servers, kafka, receiver, summary, say) -> None:  # type: ignore[no-untyped-def]
    acked = summary.acked
    url, urls = servers.database_url, servers.database_urls
    say("chaos: waiting for the ledger to catch up", flush=True)
    await wait_for_ledger(urls, acked, idle_timeout_s=90)
    facts = await ledger_facts(urls)
    summary.in_ledger = sum(1 for key in acked if facts.counts[key] >= 1)
    summary.lost = summary.acknowledged - summary.in_ledger
    duplicated_rows = sum(1 for n in facts.counts.values() if n > 1)
    unacknowledged = sum(1 for key in facts.counts if key not in acked)
    summary.duplicated += duplicated_rows
    summary.details.append(
        f"ledger: {facts.rows} rows (per shard {facts.per_shard}), last_seq {facts.last_seq}, "
        f"max seq {facts.max_seq}, {unacknowledged} rows never acknowledged"
    )
    if facts.last_seq != facts.rows or facts.max_seq != facts.rows:
        summary.problems.append("the ledger sequence has gaps")
    if facts.projections_differ:
        summary.problems.append(f"projections differ from a rebuild: {facts.projections_differ}")
    if summary.lost:
        missing = sorted(key for key in acked if facts.counts[key] == 0)[:10]
        summary.details.append(f"lost (first 10): {missing}")
    dlq = await dead_letters(kafka)
    valid_dead = sorted({key for (key, _) in dlq if key in acked})
    summary.details.append(f"dead letters: {sum(dlq.values())} ({_codes(dlq)})")
    if valid_dead:
        summary.problems.append(f"{len(valid_dead)} acknowledged events dead-lettered")
    say("chaos: waiting for webhook deliveries", flush=True)
    if not await wait_for_dispatcher(url, timeout_s=300):
        summary.problems.append("the dispatcher did not catch up within 300s")
    await _check_webhooks(urls, receiver, summary)


def _codes(dlq) -> str:  # type: ignore[no-untyped-def]
    codes: dict[str, int] = {}
    for (_, code), n in dlq.items():
        codes[code] = codes.get(code, 0) + n
    return ", ".join(f"{c}={n}" for c, n in sorted(codes.items())) or "none"


async def _check_webhooks(urls: list[str], receiver: WebhookReceiver, summary: Summary) -> None:
    rows: list[asyncpg.Record] = []
    for url in urls:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            rows += await conn.fetch(
                "SELECT event_id::text AS id, source_partner FROM ledger_events"
            )
        finally:
            await conn.close()
    every = {r["id"] for r in rows}
    for code, role, customs_code in SUBSCRIBERS:
        got = receiver.received[code]
        received = set(got.deliveries)
        own = {r["id"] for r in rows if r["source_partner"] == code}
        must = every if role is Role.ADMIN else own
        may = every if role is Role.ADMIN else await visible_events(urls, code, role, customs_code)
        missing, foreign = len(must - received), len(received - may)
        summary.duplicated += got.duplicated
        summary.details.append(
            f"webhook {code}: {len(received)} events in {len(got.posts)} deliveries, "
            f"{got.retried_posts} retried posts, {got.duplicated} duplicated, "
            f"{missing} missing, {foreign} not visible to it, {got.bad_signatures} bad signatures"
        )
        if missing or foreign or got.bad_signatures:
            summary.problems.append(f"webhook {code}: {missing} missing, {foreign} foreign")


def main() -> int:
    """Command line: run, print the details, end with the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--duration",
        type=float,
        default=300.0,
        help="seconds the traffic should last (sets the rate, so faults meet traffic)",
    )
    parser.add_argument("--rate", type=float, help="events per second (overrides --duration)")
    parser.add_argument("--shards", type=int, default=1, help="ledger shards")
    parser.add_argument(
        "--instances", type=int, default=1, choices=(1, 2), help="PostgreSQL holding the shards"
    )
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    root = Path(tempfile.mkdtemp(prefix="quanhub-chaos-"))
    summary = asyncio.run(
        run_chaos(
            args.events,
            root=root,
            seed=args.seed,
            batch_size=args.batch_size,
            concurrency=args.concurrency,
            rate=args.rate or args.events / args.duration,
            shards=args.shards,
            instances=args.instances,
        )
    )
    if summary.passed:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"  service logs kept in {root / 'services' / 'logs'}")
    for line in summary.details:
        print(f"  {line}")
    for problem in summary.problems:
        print(f"  PROBLEM: {problem}")
    print(summary.line, flush=True)
    return 0 if summary.passed else 1


if __name__ == "__main__":
    sys.exit(main())
