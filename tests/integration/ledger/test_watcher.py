"""The watcher on the real stack (Kafka, the ledger consumer and PostgreSQL, each in its
own process): a parcel gone quiet past its norm is announced once, to its carrier and its
platform and nobody else, even when the watcher is killed with SIGKILL and restarted; its
clearing is announced once; a predicted delivery is announced first and again only when it
moves by more than the threshold; no insight ever moves a parcel's status."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from ledger_support import append_and_project, wait_for

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.feeds.source import LedgerEventSource
from quanhub.ledger.store.shards import base
from quanhub.ledger.watcher import state as watcher_state

pytestmark = pytest.mark.integration

H = timedelta(hours=1)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
T0 = NOW - 9 * 24 * H  # nine days before the clock: past the default threshold (a week)
_INSIGHTS = (
    "SELECT status, carrier_id, waybill_no, count(*) AS n FROM ledger_events "
    "WHERE kind = 'insight' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(kafka: KafkaSettings, database: DatabaseSettings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka.partitions),
        "QUANHUB_KAFKA_CANONICAL_PARTITIONS": str(kafka.canonical_partitions),
        "QUANHUB_DATABASE_URL": database.url,
        **extra,
    }


@contextmanager
def _process(module: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Stack:
    """The ledger consumer and watcher processes of one test."""

    def __init__(self, kafka: KafkaSettings, database: DatabaseSettings, logs: Path) -> None:
        self.kafka, self.database, self.logs = kafka, database, logs
        self.group = f"ledger-test-{uuid.uuid4().hex[:8]}"

    def consumer(self, shards: int = 1) -> Any:
        env = _env(
            self.kafka,
            self.database,
            QUANHUB_LEDGER_CONSUMER_GROUP_ID=self.group,
            QUANHUB_LEDGER_CONSUMER_PORT=str(_free_port()),
            QUANHUB_LEDGER_CONSUMER_SHARDS=str(shards),
        )
        return _process("quanhub.ledger.consumer", env, self.logs / "consumer.log")

    def watcher(self, port: int) -> Any:
        env = _env(
            self.kafka,
            self.database,
            QUANHUB_WATCHER_LEDGER_GROUP_ID=self.group,
            QUANHUB_WATCHER_PORT=str(port),
            QUANHUB_WATCHER_INTERVAL_SECONDS="0.3",
        )
        return _process("quanhub.ledger.watcher", env, self.logs / "watcher.log")


async def _produce(kafka: KafkaSettings, events: list[cpb.CanonicalEvent]) -> None:
    producer = make_producer(kafka, client_id="watcher-test")
    await producer.start()
    try:
        for e in events:
            body = e.WhichOneof("body")
            assert body == "parcel"
            key = f"P|{e.parcel.carrier_id}|{e.parcel.waybill_no}"
            await producer.send_and_wait(
                Topics(kafka).canonical, e.SerializeToString(), key=key.encode()
            )
    finally:
        await producer.stop()


def _scan(name: str, carrier: str, status: str, at: datetime, **extra: Any) -> cpb.CanonicalEvent:
    return parcel_event(
        f"{name}-{status}-{at.isoformat()}",
        carrier_id=carrier,
        waybill_no=name,
        status=status,
        occurred_at=at,
        **extra,
    )


async def _projected(pool: asyncpg.Pool, carrier: str, waybill: str, status: str) -> bool:
    value = await pool.fetchval(
        "SELECT status FROM parcels WHERE carrier_id = $1 AND waybill_no = $2", carrier, waybill
    )
    return bool(value == status)


async def _passes(port: int) -> int:
    """The watcher's passes so far, from its /metrics (0 while it is not answering)."""
    try:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    except httpx.HTTPError:
        return 0
    for line in text.splitlines():
        if line.startswith("quanhub_watcher_passes_total "):
            return int(float(line.split()[1]))
    return 0


async def _settled(pool: asyncpg.Pool, port: int, stack: Stack, passes: int = 3) -> None:
    """Wait for `passes` more passes of the watcher at `port`, and for the ledger to have
    taken in (its consumer's offsets at the canonical topic's end: what the passes
    published may still be on the topic) and projected what they published."""
    start = await _passes(port)
    await wait_for(lambda: _at_least(port, start + passes), what="watcher passes")
    topic = Topics(stack.kafka).canonical
    ends = await watcher_state.end_offsets(stack.kafka, topic)
    taken_in = await watcher_state.wait_taken_in([pool], stack.group, topic, ends, 60)
    assert taken_in, "the ledger consumer took in what the watcher published"
    await wait_for(
        lambda: _caught_up(pool), what="the ledger projecting what the watcher published"
    )


async def _at_least(port: int, n: int) -> bool:
    return await _passes(port) >= n


async def _caught_up(pool: asyncpg.Pool) -> bool:
    """Every shard has projected what it appended."""
    return bool(
        await pool.fetchval(
            "SELECT bool_and(a.last_seq = v.last_seq) "
            "FROM ledger_appended a JOIN ledger_visible v USING (shard)"
        )
    )


async def _insights(pool: asyncpg.Pool) -> list[tuple[str, str, str, int]]:
    return [tuple(r) for r in await pool.fetch(_INSIGHTS)]  # type: ignore[misc]


async def _feed(pool: asyncpg.Pool, principal: Principal) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        source = LedgerEventSource()
        events = await source.fetch(
            conn,
            principal,
            kinds=("insight",),
            after_seq=0,
            upto_seq=await source.head(conn),
            limit=1000,
        )
    return [(e.data["status"], e.data["waybill_no"]) for e in events]


async def _register(pool: asyncpg.Pool) -> None:
    for code, role in (("SF", "carrier"), ("ZTO", "carrier"), ("TMALL", "platform")):
        await pool.execute(
            "INSERT INTO partners (code, role, name) VALUES ($1, $2, $1)", code, role
        )


@pytest.mark.timeout(300)
async def test_a_stall_is_announced_once_to_whom_sees_the_parcel_even_across_a_kill(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    await _register(ledger_pool)
    order = {"platform_code": "TMALL", "order_no": "TM-1"}  # SF names Tmall's order
    await _produce(
        ledger_kafka,
        [
            _scan("SFSTALL", "SF", "PICKED_UP", T0, district_code="370102", **order),
            _scan("SFSTALL", "SF", "IN_TRANSIT", T0 + 2 * H, district_code="370112", **order),
            _scan("ZTOSTALL", "ZTO", "IN_TRANSIT", T0 + 3 * H, district_code="370112"),
            _scan("SFCLOCK", "SF", "IN_TRANSIT", NOW - H, district_code="370112"),
        ],
    )
    stack = Stack(ledger_kafka, ledger_database, tmp_path)
    port = _free_port()
    with stack.consumer():
        await wait_for(
            lambda: _projected(ledger_pool, "SF", "SFCLOCK", "IN_TRANSIT"), what="traffic"
        )

        with stack.watcher(port) as first:
            await wait_for(
                lambda: _any_insight(ledger_pool), what="the first insight", max_delay=0.05
            )
            first.send_signal(signal.SIGKILL)  # mid-work: what it decided may be in flight
            first.wait()
        with stack.watcher(port):
            await _settled(ledger_pool, port, stack)
            assert await _insights(ledger_pool) == [
                ("parcel.stalled", "SF", "SFSTALL", 1),
                ("parcel.stalled", "ZTO", "ZTOSTALL", 1),
            ]
            # An insight is no status: the parcels stand where their scans put them.
            assert await _projected(ledger_pool, "SF", "SFSTALL", "IN_TRANSIT")

            sf = Principal("SF", Role.CARRIER, "SF")
            zto = Principal("ZTO", Role.CARRIER, "ZTO")
            tmall = Principal("TMALL", Role.PLATFORM, "TMALL")
            assert await _feed(ledger_pool, sf) == [("parcel.stalled", "SFSTALL")]
            assert await _feed(ledger_pool, tmall) == [("parcel.stalled", "SFSTALL")]
            assert await _feed(ledger_pool, zto) == [("parcel.stalled", "ZTOSTALL")]

            # The SF parcel is delivered: its alert is cleared, once.
            await _produce(
                ledger_kafka,
                [_scan("SFSTALL", "SF", "DELIVERED", NOW - H / 2, district_code="370112")],
            )
            await wait_for(
                lambda: _projected(ledger_pool, "SF", "SFSTALL", "DELIVERED"), what="delivery"
            )
            await _settled(ledger_pool, port, stack)
            assert await _insights(ledger_pool) == [
                ("parcel.stalled", "SF", "SFSTALL", 1),
                ("parcel.stalled", "ZTO", "ZTOSTALL", 1),
                ("parcel.stalled.cleared", "SF", "SFSTALL", 1),
            ]
            assert await _feed(ledger_pool, zto) == [("parcel.stalled", "ZTOSTALL")]


async def _any_insight(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM ledger_events WHERE kind = 'insight'"))


TRAIN_PICKUP = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # Friday 09:30 CST
PICKUP = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # the next Friday, 09:30 CST


def _delivered(waybill: str, took: timedelta) -> list[cpb.CanonicalEvent]:
    """An SF parcel picked up in Hangzhou, delivered at a door in 370102 `took` later."""
    return [
        _scan(waybill, "SF", "PICKED_UP", TRAIN_PICKUP, district_code="330110"),
        _scan(
            waybill,
            "SF",
            "DELIVERED",
            TRAIN_PICKUP + took,
            district_code="370102",
            delivery_point="DOOR",
        ),
    ]


async def _predictions(pool: asyncpg.Pool) -> list[datetime]:
    rows = await pool.fetch(
        "SELECT canonical FROM ledger_events WHERE kind = 'insight' "
        "AND status = 'parcel.delivery_predicted' AND waybill_no = 'SFLIVE' ORDER BY seq"
    )
    out = []
    for r in rows:
        event = cpb.CanonicalEvent()
        event.ParseFromString(r["canonical"])
        out.append(event.insight.prediction.most_likely.ToDatetime(tzinfo=UTC))
    return out


@pytest.mark.timeout(300)
async def test_a_predicted_delivery_is_announced_first_and_when_it_moves(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    training = [e for i in range(80) for e in _delivered(f"SFTRAIN{i:03d}", (20 + i) * H)]
    live = {"district_code": "330110"}
    await _produce(ledger_kafka, [*training, _scan("SFLIVE", "SF", "PICKED_UP", PICKUP, **live)])
    stack = Stack(ledger_kafka, ledger_database, tmp_path)
    port = _free_port()
    with stack.consumer():
        await wait_for(lambda: _projected(ledger_pool, "SF", "SFLIVE", "PICKED_UP"), what="traffic")
        with stack.watcher(port):
            await _settled(ledger_pool, port, stack)
            (first,) = await _predictions(ledger_pool)

            # 40 hours on, in transit: only the slower parcels are left; it moves by hours.
            await _produce(
                ledger_kafka, [_scan("SFLIVE", "SF", "IN_TRANSIT", PICKUP + 40 * H, **live)]
            )
            await wait_for(
                lambda: _projected(ledger_pool, "SF", "SFLIVE", "IN_TRANSIT"), what="a scan"
            )
            await _settled(ledger_pool, port, stack)
            announced = await _predictions(ledger_pool)
            assert len(announced) == 2
            assert announced[1] - first > 2 * H

            # An hour later another scan: the prediction moves by less than the threshold.
            await _produce(
                ledger_kafka, [_scan("SFLIVE", "SF", "IN_TRANSIT", PICKUP + 41 * H, **live)]
            )
            await wait_for(
                lambda: _last_scan_at(ledger_pool, PICKUP + 41 * H), what="the second scan"
            )
            await _settled(ledger_pool, port, stack)
            assert await _predictions(ledger_pool) == announced
            # Predictions are no status either.
            assert await _projected(ledger_pool, "SF", "SFLIVE", "IN_TRANSIT")


async def _last_scan_at(pool: asyncpg.Pool, at: datetime) -> bool:
    value = await pool.fetchval(
        "SELECT status_at FROM parcels WHERE carrier_id = 'SF' AND waybill_no = 'SFLIVE'"
    )
    return bool(value == at)


async def test_a_first_start_judges_only_the_parcels_still_on_their_way(
    ledger_pool: asyncpg.Pool,
) -> None:
    def scans(waybill: str, *steps: tuple[str, datetime]) -> list[cpb.CanonicalEvent]:
        return [
            parcel_event(
                f"{waybill}-{i}", carrier_id="SF", waybill_no=waybill, status=s, occurred_at=at
            )
            for i, (s, at) in enumerate(steps)
        ]

    old = NOW - 20 * 24 * H
    await append_and_project(
        ledger_pool,
        [
            *scans("SFLOST", ("PICKED_UP", old)),  # open, but picked up 20 days ago
            *scans("SFDONE", ("PICKED_UP", NOW - 30 * H), ("DELIVERED", NOW - 5 * H)),
        ],
        now=NOW,
    )
    await append_and_project(
        ledger_pool, scans("SFOPEN", ("PICKED_UP", NOW - 2 * H)), now=NOW, topic="t2"
    )
    await append_and_project(
        ledger_pool,
        scans("SFLATE", ("PICKED_UP", NOW - 40 * H), ("DELIVERED", NOW - H)),
        now=NOW,
        topic="t3",
    )
    seqs = {
        r["waybill_no"]: r["last_seq"]
        for r in await ledger_pool.fetch("SELECT waybill_no, last_seq FROM parcels")
    }
    # Below SFOPEN only: the lost and the delivered parcels before it are never judged.
    first = await watcher_state.first_watermarks(ledger_pool, NOW - 15 * 24 * H)
    assert first == {0: seqs["SFOPEN"] - 1}
    # Nothing on its way: the ledger's highest, so no parcel is judged until it changes.
    assert await watcher_state.first_watermarks(ledger_pool, NOW) == {0: max(seqs.values())}
    # A shard with no parcel starts at its base.
    await ledger_pool.execute("INSERT INTO ledger_visible VALUES (1, $1)", base(1))
    assert (await watcher_state.first_watermarks(ledger_pool, NOW))[1] == base(1)


#: Shards of the sharded watcher test and its canonical partitions (two per shard).
SHARDS, PARTITIONS = 4, 8
#: Live parcels whose keys land on partitions of every one of the four shards.
SHARDED_LIVE = [f"SFSHARD{i}" for i in range(8)]


async def _announced(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT waybill_no, count(*) AS n FROM ledger_events WHERE kind = 'insight' "
        "AND status = 'parcel.delivery_predicted' GROUP BY 1"
    )
    return {r["waybill_no"]: r["n"] for r in rows}


async def _all_projected(pool: asyncpg.Pool, status: str, at: datetime) -> bool:
    n = await pool.fetchval(
        "SELECT count(*) FROM parcels WHERE waybill_no = ANY($1::text[]) AND status = $2 "
        "AND status_at = $3",
        SHARDED_LIVE,
        status,
        at,
    )
    return bool(n == len(SHARDED_LIVE))


@pytest.mark.timeout(300)
async def test_predictions_follow_every_shard_across_a_kill(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    """With four shards a parcel's last_seq is in its shard's numbering (shard k from
    k * 2^40): the watcher keeps a cursor per shard, so a parcel of a low shard that
    changes after parcels of a higher one is judged, while it runs and after a restart."""
    kafka = ledger_kafka.model_copy(
        update={
            "topic_namespace": f"{ledger_kafka.topic_namespace}w",
            "canonical_partitions": PARTITIONS,
        }
    )
    spec = TopicSpec(Topics(kafka).canonical, PARTITIONS, kafka.retention_ms)
    await ensure_topics(kafka, [spec])
    training = [e for i in range(80) for e in _delivered(f"SFTRAIN{i:03d}", (20 + i) * H)]
    live = {"district_code": "330110"}

    def scans(status: str, at: datetime) -> list[cpb.CanonicalEvent]:
        return [_scan(w, "SF", status, at, **live) for w in SHARDED_LIVE]

    await _produce(kafka, [*training, *scans("PICKED_UP", PICKUP)])
    stack = Stack(kafka, ledger_database, tmp_path)
    port = _free_port()
    with stack.consumer(shards=SHARDS):
        await wait_for(lambda: _all_projected(ledger_pool, "PICKED_UP", PICKUP), what="traffic")
        shards_of_live = await ledger_pool.fetch(
            "SELECT DISTINCT shard FROM ledger_events WHERE waybill_no = ANY($1::text[])",
            SHARDED_LIVE,
        )
        assert {r["shard"] for r in shards_of_live} == set(range(SHARDS))

        with stack.watcher(port) as first:
            await _settled(ledger_pool, port, stack)
            assert await _announced(ledger_pool) == dict.fromkeys(SHARDED_LIVE, 1)

            # 40 hours on, in transit, every one: each prediction moves by hours, whichever
            # shard its parcel is in and in whatever order the shards project.
            await _produce(kafka, scans("IN_TRANSIT", PICKUP + 40 * H))
            await wait_for(
                lambda: _all_projected(ledger_pool, "IN_TRANSIT", PICKUP + 40 * H),
                what="the scans at 40 h",
            )
            await _settled(ledger_pool, port, stack)
            assert await _announced(ledger_pool) == dict.fromkeys(SHARDED_LIVE, 2)
            first.send_signal(signal.SIGKILL)
            first.wait()

        # While the watcher is down, every parcel moves again; the restarted watcher
        # recovers a cursor per shard from what it announced and judges them all.
        await _produce(kafka, scans("IN_TRANSIT", PICKUP + 70 * H))
        await wait_for(
            lambda: _all_projected(ledger_pool, "IN_TRANSIT", PICKUP + 70 * H),
            what="the scans at 70 h",
        )
        with stack.watcher(port):
            await _settled(ledger_pool, port, stack)
            assert await _announced(ledger_pool) == dict.fromkeys(SHARDED_LIVE, 3)
