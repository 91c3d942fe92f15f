"""`quanhub dlq` operations against real Kafka: read, filter, replay to the source topic."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from normalizer_kafka import Flow, collect, parcel_envelope

from quanhub.common.kafka import make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind
from quanhub.common.tracecontext import parse_traceparent
from quanhub.common.traceids import new_trace_id
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.deadletter_ops import read_dead_letters, replay, select

pytestmark = pytest.mark.integration

Completed = subprocess.CompletedProcess[str]


def _dlq_cli(kafka: KafkaSettings, *, columns: int) -> Callable[..., Awaitable[Completed]]:
    """`quanhub dlq <args>` on this test's namespace, run in a thread; its outcome."""
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "COLUMNS": str(columns),
    }

    def run(*args: str) -> Completed:
        return subprocess.run(
            [str(Path(sys.executable).with_name("quanhub")), "dlq", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    async def cli(*args: str) -> Completed:
        return await asyncio.to_thread(run, *args)

    return cli


async def test_replay_redrives_to_the_source_and_keeps_first_seen(flow: Flow) -> None:
    partner = f"dl{uuid.uuid4().hex[:8]}"
    bad = parcel_envelope(partner, "bad-carrier")
    bad.event.parcel.carrier_code = "no-such-carrier"
    trace = new_trace_id()
    await flow.producer.send_and_wait(
        flow.topics.raw(EventKind.PARCEL),
        bad.SerializeToString(),
        key=b"k1",
        headers=[("traceparent", f"00-{trace}-00f067aa0ba902b7-01".encode())],
    )
    await flow.start()
    await flow.dead_letters(partner)

    letters = select(await read_dead_letters(flow.kafka), partner=partner)
    assert [d.error_code for d in letters] == ["unknown_carrier"]
    # The message names the field and the rule, never the value (it may be personal data).
    assert "parcel.carrier_code" in letters[0].error_message
    assert "no-such-carrier" not in letters[0].error_message
    assert await replay(flow.kafka, letters) == (1, [])

    again = await flow.dead_letters(partner, 2)
    assert len(again) == 2
    assert header(again[1].headers, "first_seen") == letters[0].first_seen
    assert header(again[1].headers, "source_topic") == flow.topics.raw(EventKind.PARCEL)
    assert again[1].value == again[0].value
    # The trace survives the dead letter and the replay (tracecontext; a new span each hop).
    parents = [parse_traceparent(header(d.headers, "traceparent")) for d in again]
    assert [p.trace_id if p else None for p in parents] == [trace, trace]
    assert parents[0] != parents[1]
    replayed = await collect(
        flow.kafka,
        flow.topics.raw(EventKind.PARCEL),
        lambda rs: len(rs) >= 1,
        lambda r: header(r.headers, "partner") == partner and header(r.headers, "replayed_from"),
    )
    parent = parse_traceparent(header(replayed[0].headers, "traceparent"))
    assert parent is not None
    assert parent.trace_id == trace


async def test_cli_lists_and_shows_dead_letters(flow: Flow) -> None:
    partner = f"cl{uuid.uuid4().hex[:8]}"
    bad = parcel_envelope(partner, "late", waybill="X")
    await flow.producer.send_and_wait(flow.topics.raw(EventKind.PARCEL), bad.SerializeToString())
    await flow.start()
    (letter,) = await flow.dead_letters(partner)
    cli = _dlq_cli(flow.kafka, columns=200)

    listed = await cli("list", "--partner", partner)
    shown = await cli("show", str(letter.offset))
    dry = await cli("replay", "--partner", partner, "--dry-run")

    assert listed.returncode == 0, listed.stderr
    assert "1 dead letters" in listed.stdout
    assert "invalid_format" in listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert "parcel.waybill_no" in shown.stdout
    assert '"eventId": "late"' in shown.stdout
    assert "1 dead letters match" in dry.stdout


async def test_a_reference_dead_letter_is_shown_and_never_replayed(flow: Flow) -> None:
    """A record whose dead letter would not fit (a ~1 MB key) is dead-lettered as a
    reference; `quanhub dlq show` says so and `replay` refuses it, naming why."""
    partner = f"rf{uuid.uuid4().hex[:8]}"
    big = make_producer(flow.kafka, client_id="test-ref", max_request_size=2_000_000)
    await big.start()
    try:
        await big.send_and_wait(
            flow.topics.raw(EventKind.PARCEL),
            b"\xff",
            key=b"K" * 1_000_000,
            headers=[("partner", partner.encode())],
        )
    finally:
        await big.stop()
    await flow.start()
    (letter,) = await flow.dead_letters(partner)
    assert (letter.key, letter.value, header(letter.headers, "key_withheld")) == (
        None,
        b"",
        "too-large",
    )

    (record,) = select(await read_dead_letters(flow.kafka), partner=partner)
    done = await replay(flow.kafka, [record])
    assert done.sent == 0
    assert [(r.offset, why.split(":")[0]) for r, why in done.refused] == [
        (letter.offset, "a reference only")
    ]
    cli = _dlq_cli(flow.kafka, columns=300)

    shown = await cli("show", str(letter.offset))
    replayed = await cli("replay", "--partner", partner)
    assert shown.returncode == 0, shown.stderr
    assert "a reference only" in shown.stdout
    assert "key=1000000" in shown.stdout
    assert replayed.returncode == 0, replayed.stderr
    assert f"not replayed: offset {letter.offset}: a reference only" in replayed.stdout
    assert "replayed 0 of 1" in replayed.stdout
