"""`python -m quanhub.bench.normalizer`: the normalizer's own throughput, Kafka in → Kafka out.

Fills a raw topic (in a throwaway namespace) with N gateway-style parcel envelopes, starts
one in-process normalizer, and times from its first canonical record to the N-th, reading
the canonical topic's end offsets. The topics are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from rich.console import Console

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.bootstrap import bootstrap
from quanhub.normalizer.settings import NormalizerSettings

console = Console(stderr=True)
_CODES = ("0", "1", "5", "501", "3", "304", "1001", "204")


def _envelope(i: int, now: datetime) -> bytes:
    env = cpb.RawEnvelope(partner_code="bench-zto", partner_role="carrier", ingress="gateway")
    env.received_at.FromDatetime(now)
    env.event.event_id = f"bench-{i}"
    env.event.occurred_at.FromDatetime(now)
    env.event.parcel.CopyFrom(
        ipb.ParcelEvent(
            carrier_code="zhongtong",
            waybill_no=f"ZT{i % 50_000:012d}",
            code_system="kuaidi100",
            code=_CODES[i % len(_CODES)],
            description="快件已到达【济南转运中心】",
            location="济南市",
            district_code="370102",
        )
    )
    return env.SerializeToString()


async def _fill(kafka: KafkaSettings, topic: str, events: int) -> None:
    producer = make_producer(kafka, client_id="bench-fill", linger_ms=20)
    await producer.start()
    try:
        now = datetime.now(UTC)
        batch = []
        for i in range(events):
            batch.append(await producer.send(topic, _envelope(i, now), key=str(i).encode()))
            if len(batch) >= 5000:
                await asyncio.gather(*batch)
                batch.clear()
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


async def _canonical_count(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> int:
    ends = await consumer.end_offsets(tps)
    return sum(ends.values())


async def run(kafka_bootstrap: str, events: int, batch_max: int, partitions: int) -> float:
    """Events per second the normalizer sustained (first to last canonical record)."""
    kafka = KafkaSettings(
        bootstrap=kafka_bootstrap,
        topic_namespace=f"bench{uuid.uuid4().hex[:8]}",
        partitions=partitions,
    )
    topics = Topics(kafka)
    await ensure_topics(kafka, topics.specs())
    console.print(f"filling {topics.raw(EventKind.PARCEL)} with {events} events")
    await _fill(kafka, topics.raw(EventKind.PARCEL), events)
    settings = NormalizerSettings(
        kafka=kafka, group_id="bench", batch_max_records=batch_max, ensure_topics=False
    )
    app = bootstrap(settings)
    probe = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=None)
    await probe.start()
    tps = [TopicPartition(topics.canonical, p) for p in range(partitions)]
    await app.normalizer.start()
    loop_task = asyncio.create_task(app.normalizer.run())
    try:
        first_at, first_cpu, first_count = 0.0, 0.0, 0
        while True:
            count = await _canonical_count(probe, tps)
            if count and not first_at:
                first_at, first_cpu, first_count = time.perf_counter(), time.process_time(), count
            if count >= events:
                elapsed = time.perf_counter() - first_at
                cpu = time.process_time() - first_cpu
                break
            await asyncio.sleep(0.05)
    finally:
        app.normalizer.stop()
        await loop_task
        await app.normalizer.close()
        await probe.stop()
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([s.name for s in topics.specs()])
        finally:
            await admin.close()
    rate = (events - first_count) / elapsed if elapsed > 0 else float("inf")
    per_cpu = (events - first_count) / cpu if cpu > 0 else float("inf")
    console.print(
        f"{events} events normalised; {rate:,.0f} events/s wall clock, {per_cpu:,.0f} events "
        f"per CPU-second of this process (batch {batch_max})"
    )
    return rate


def mapping_only(events: int) -> float:
    """Events per second of decode + validate + map + serialise alone (one core, no Kafka)."""
    from types import SimpleNamespace

    from quanhub.common.clock import SystemClock
    from quanhub.normalizer.routing import route
    from quanhub.normalizer.sources import Sources

    now = SystemClock().now()
    topics = Topics(KafkaSettings(topic_namespace="bench"))
    sources = Sources(topics, b"b" * 32, partner_topics=True)
    records = [
        SimpleNamespace(
            topic=topics.raw(EventKind.PARCEL),
            partition=0,
            offset=i,
            key=b"k",
            value=_envelope(i, now),
            timestamp=0,
            timestamp_type=0,
            headers=(),
        )
        for i in range(events)
    ]
    started, started_cpu = time.perf_counter(), time.process_time()
    for record in records:
        route(record, sources, topics, now)
    rate = events / (time.perf_counter() - started)
    per_cpu = events / (time.process_time() - started_cpu)
    console.print(f"mapping only: {rate:,.0f} events/s wall clock, {per_cpu:,.0f} per CPU-second")
    return rate


def main() -> None:
    """Parse arguments and run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=KafkaSettings().bootstrap)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--mapping-only", action="store_true", help="No Kafka: CPU cost only.")
    args = parser.parse_args()
    if args.mapping_only:
        mapping_only(args.events)
        return
    asyncio.run(run(args.bootstrap, args.events, args.batch, args.partitions))


if __name__ == "__main__":
    main()
