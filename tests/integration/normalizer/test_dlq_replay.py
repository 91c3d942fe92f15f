"""`quanhub dlq` operations against real Kafka: read, filter, replay to the source topic."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from normalizer_kafka import Running, collect, parcel_envelope

from quanhub.common.kafka import make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.deadletter_ops import read_dead_letters, replay, select
from quanhub.normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration


async def test_replay_redrives_to_the_source_and_keeps_first_seen(
    kafka_settings: KafkaSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    partner = f"dl{uuid.uuid4().hex[:8]}"
    bad = parcel_envelope(partner, "bad-carrier")
    bad.event.parcel.carrier_code = "no-such-carrier"
    await producer.send_and_wait(topics.raw(EventKind.PARCEL), bad.SerializeToString(), key=b"k1")
    await running.start(normalizer_settings)
    mine = lambda r: header(r.headers, "partner") == partner  # noqa: E731
    await collect(kafka_settings, topics.dlq, lambda rs: len(rs) >= 1, mine)

    letters = select(await read_dead_letters(kafka_settings), partner=partner)
    assert [d.error_code for d in letters] == ["unknown_carrier"]
    # The message names the field and the rule, never the value (it may be personal data).
    assert "parcel.carrier_code" in letters[0].error_message
    assert "no-such-carrier" not in letters[0].error_message
    assert await replay(kafka_settings, letters) == (1, [])

    again = await collect(kafka_settings, topics.dlq, lambda rs: len(rs) >= 2, mine)
    assert len(again) == 2
    assert header(again[1].headers, "first_seen") == letters[0].first_seen
    assert header(again[1].headers, "source_topic") == topics.raw(EventKind.PARCEL)
    assert again[1].value == again[0].value


async def test_cli_lists_and_shows_dead_letters(
    kafka_settings: KafkaSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    partner = f"cl{uuid.uuid4().hex[:8]}"
    bad = parcel_envelope(partner, "late", waybill="X")
    await producer.send_and_wait(topics.raw(EventKind.PARCEL), bad.SerializeToString())
    await running.start(normalizer_settings)
    mine = lambda r: header(r.headers, "partner") == partner  # noqa: E731
    (letter,) = await collect(kafka_settings, topics.dlq, lambda rs: len(rs) >= 1, mine)
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka_settings.topic_namespace,
        "COLUMNS": "200",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("quanhub")), "dlq", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    listed = await asyncio.to_thread(cli, "list", "--partner", partner)
    shown = await asyncio.to_thread(cli, "show", str(letter.offset))
    dry = await asyncio.to_thread(cli, "replay", "--partner", partner, "--dry-run")

    assert listed.returncode == 0, listed.stderr
    assert "1 dead letters" in listed.stdout
    assert "invalid_format" in listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert "parcel.waybill_no" in shown.stdout
    assert '"eventId": "late"' in shown.stdout
    assert "1 dead letters match" in dry.stdout


async def test_a_reference_dead_letter_is_shown_and_never_replayed(
    kafka_settings: KafkaSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    """A record whose dead letter would not fit (a ~1 MB key) is dead-lettered as a
    reference; `quanhub dlq show` says so and `replay` refuses it, naming why."""
    partner = f"rf{uuid.uuid4().hex[:8]}"
    big = make_producer(kafka_settings, client_id="test-ref", max_request_size=2_000_000)
    await big.start()
    try:
        await big.send_and_wait(
            topics.raw(EventKind.PARCEL), b"\xff", key=b"K" * 1_000_000,
            headers=[("partner", partner.encode())],
        )  # fmt: skip
    finally:
        await big.stop()
    await running.start(normalizer_settings)
    mine = lambda r: header(r.headers, "partner") == partner  # noqa: E731
    (letter,) = await collect(kafka_settings, topics.dlq, lambda rs: len(rs) >= 1, mine)
    assert (letter.key, letter.value, header(letter.headers, "key_withheld")) == (
        None,
        b"",
        "too-large",
    )

    (record,) = select(await read_dead_letters(kafka_settings), partner=partner)
    done = await replay(kafka_settings, [record])
    assert done.sent == 0
    assert [(r.offset, why.split(":")[0]) for r, why in done.refused] == [
        (letter.offset, "a reference only")
    ]
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka_settings.topic_namespace,
        "COLUMNS": "300",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("quanhub")), "dlq", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    shown = await asyncio.to_thread(cli, "show", str(letter.offset))
    replayed = await asyncio.to_thread(cli, "replay", "--partner", partner)
    assert shown.returncode == 0, shown.stderr
    assert "a reference only" in shown.stdout
    assert "key=1000000" in shown.stdout
    assert replayed.returncode == 0, replayed.stderr
    assert f"not replayed: offset {letter.offset}: a reference only" in replayed.stdout
    assert "replayed 0 of 1" in replayed.stdout
