"""Partners' own topics (clear data tokenised here) and several instances sharing partitions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from normalizer_kafka import Flow, collect, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.topics import EventKind
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header

pytestmark = pytest.mark.integration


def _canonical(record: Any) -> cpb.CanonicalEvent:
    event = cpb.CanonicalEvent()
    event.ParseFromString(record.value)
    return event


async def test_partner_topic_event_is_tokenised_and_attributed_to_the_topic(flow: Flow) -> None:
    partner = await flow.platform("TM")
    event = ipb.Event(event_id="o-1")
    event.occurred_at.FromDatetime(datetime.now(UTC))
    event.order.CopyFrom(
        ipb.OrderEvent(
            platform_code=partner,
            order_no="T100",
            code_system="taobao",
            code="WAIT_SELLER_SEND_GOODS",
            buyer=ipb.Person(id_number="370102199001011234", name="张三", telephone="13812345678"),
        )
    )
    trace = b"4bf92f3577b34da6a3ce929d0e0e4736"  # partners.md: the record's trace_id header
    await flow.producer.send_and_wait(
        flow.topics.partner(partner),
        event.SerializeToString(),
        key=b"k",
        headers=[("trace_id", trace)],
    )
    await flow.producer.send_and_wait(
        flow.topics.partner(partner), b"\x00garbage-with-pii 13812345678"
    )
    foreign = ipb.Event()
    foreign.CopyFrom(event)
    foreign.event_id = "o-2"
    foreign.order.platform_code = "JD"  # another platform's order: refused, as at the gateway
    await flow.producer.send_and_wait(flow.topics.partner(partner), foreign.SerializeToString())
    await flow.start()

    (record,) = await flow.canonical(partner)
    dead = await flow.dead_letters(partner, 2)

    out = _canonical(record)
    assert out.ingress == "kafka"
    assert out.trace_id == trace.decode()
    assert out.order.status == cpb.ORDER_STATUS_PAID
    assert out.order.buyer.id_masked == "370102********1234"
    assert out.order.buyer.id_token.startswith("t1:")
    assert b"370102199001011234" not in record.value
    assert b"13812345678" not in record.value
    assert record.key == f"O|{partner}|T100".encode()
    assert (out.source_partner, out.partner_role) == (partner, "platform")
    letters = {header(r.headers, "error_code"): r for r in dead}
    assert set(letters) == {"undecodable", "partner_code_mismatch"}
    garbage = letters["undecodable"]
    assert garbage.value == b""  # clear bytes from a partner topic never reach the DLQ
    assert header(garbage.headers, "payload_withheld") == "personal-data"
    refused = letters["partner_code_mismatch"]
    assert header(refused.headers, "not_replayable") == "partner_code_mismatch"
    assert b"370102199001011234" not in refused.value


async def test_instances_share_partitions_and_a_rebalance_loses_nothing(flow: Flow) -> None:
    partner = f"rb{uuid.uuid4().hex[:8]}"
    topic = flow.topics.raw(EventKind.PARCEL)
    total = 600

    async def send(first: int, last: int) -> None:
        for i in range(first, last):
            env = parcel_envelope(partner, f"e{i}", waybill=f"ZT{i:010d}")
            await flow.producer.send(
                topic, env.SerializeToString(), key=f"P|ZTO|ZT{i:010d}".encode()
            )
        await flow.producer.flush()

    first = await flow.start()
    await send(0, 200)
    second = await flow.start()  # joins: partitions are rebalanced
    await send(200, 400)
    await flow.running.stop(first)  # leaves: its partitions move to the second instance
    await send(400, total)

    found = await collect(
        flow.kafka,
        flow.topics.canonical,
        lambda rs: len({_canonical(r).source_event_id for r in rs}) >= total,
        lambda r: _canonical(r).source_partner == partner,
        timeout=90,
    )

    assert {_canonical(r).source_event_id for r in found} == {f"e{i}" for i in range(total)}
    assert second.normalizer.ready()
    for app in (first, second):  # both instances did part of the work
        done = app.metrics.registry.get_sample_value(
            "quanhub_normalizer_events_total", {"kind": "parcel", "outcome": "canonical"}
        )
        assert done is not None
        assert done > 0
    # The leaving instance finished and committed its batch before handing partitions over.
    refused = first.metrics.registry.get_sample_value("quanhub_normalizer_commit_failures_total")
    assert refused == 0


async def test_a_partner_record_near_kafkas_limit_is_dead_lettered_and_the_next_one_flows(
    flow: Flow,
) -> None:
    """A ~1 MB order on a partner topic: its canonical event and its dead letter would both
    be over what Kafka takes, which would stop the normalizer; it is dead-lettered with
    headers only, and the partner's next event is normalised."""
    partner = await flow.platform("BG")
    big = ipb.Event(event_id="big-1")
    big.occurred_at.FromDatetime(datetime.now(UTC))
    big.order.CopyFrom(
        ipb.OrderEvent(platform_code=partner, order_no="B1", code_system="taobao", code="PAID")
    )
    line = ipb.GoodsLine(item_name="商品" * 165, quantity=1, unit_price="1.00", total_price="1.00")
    big.order.lines.extend([line] * 1000)  # MAX_LINES
    assert 1_000_000 < big.ByteSize() < 1_040_000  # under the broker's 1 MiB
    small = ipb.Event()
    small.CopyFrom(big)
    small.event_id = "small-1"
    del small.order.lines[:]
    await flow.producer.send_and_wait(
        flow.topics.partner(partner), big.SerializeToString(), key=b"B1"
    )
    await flow.producer.send_and_wait(
        flow.topics.partner(partner), small.SerializeToString(), key=b"B1"
    )
    await flow.start()

    (record,) = await flow.canonical(partner)
    (letter,) = await flow.dead_letters(partner)
    assert _canonical(record).source_event_id == "small-1"
    assert header(letter.headers, "error_code") == "event_too_large"
    assert (letter.value, header(letter.headers, "payload_withheld")) == (b"", "too-large")
