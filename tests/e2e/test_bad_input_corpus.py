"""The bad-input corpus (tests/corpus/cases.toml) against the running services: each file
gets its precise 4xx, per-event rejection or dead-letter reason; none gets a 5xx, and good
events sent after all of it still reach the ledger (nothing stalled)."""

from __future__ import annotations

import asyncio
import time
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from google.protobuf import json_format

from quanhub.common.kafka import ensure_topics, make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parents[1] / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())
GATEWAY_CASES = CASES["gateway"]
KAFKA_CASES = CASES["kafka"]


def _case_id(case: dict[str, Any]) -> str:
    name = case.get("file") or case["recipe"]
    return f"{name}|{case.get('content_type', '')}{case.get('topic', '')}"


def _good_event(event_id: str, waybill: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": "2026-10-15T08:30:00+08:00",
        "parcel": {
            "carrier_code": "shunfeng",
            "waybill_no": waybill,
            "code_system": "kuaidi100",
            "code": "0",
            "description": "after the corpus",
        },
    }


def _body(case: dict[str, Any]) -> bytes | AsyncIterator[bytes]:
    if "file" in case:
        return (CORPUS / case["file"]).read_bytes()
    if case["recipe"] == "body_5mb":
        return b'{"events": [], "pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length to trust
        for _ in range(100):
            yield b" " * 65536

    return chunks()


def _content_type(case: dict[str, Any]) -> str:
    if "content_type" in case:
        return str(case["content_type"])
    name = case.get("file", "")
    return "application/x-protobuf" if name.endswith(".pb") else "application/json"


@pytest.mark.parametrize("case", GATEWAY_CASES, ids=_case_id)
async def test_gateway_answers_each_bad_input_precisely(
    case: dict[str, Any], services: RunningServices
) -> None:
    headers = {
        "Authorization": f"Bearer {services.demo_keys[case.get('as', 'SF')]}",
        "Content-Type": _content_type(case),
    }
    if "content_encoding" in case:
        headers["Content-Encoding"] = case["content_encoding"]
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{services.gateway_url}/v1/events", content=_body(case), headers=headers
        )
    body = response.json()
    assert response.status_code == case["status"], body
    if "code" in case:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["code"] == case["code"], body
    if "accepted" in case:
        assert body["accepted"] == case["accepted"], body
    if "rejected" in case:
        assert [r["code"] for r in body["rejected"]] == case["rejected"], body
    if "ledger_text" in case:
        texts = await _ledger_texts(services, case["waybill"], want=case["ledger_text"])
        assert case["ledger_text"] in texts


async def _ledger_texts(services: RunningServices, waybill: str, *, want: str) -> list[str]:
    """raw_text of a parcel's timeline as the ledger API shows it (bounded poll)."""
    url = f"{services.ledger_url}/v1/parcels/SF/{waybill}"
    headers = {"Authorization": f"Bearer {services.demo_keys['ADMIN']}"}
    texts: list[str] = []
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            response = await client.get(url, headers=headers)
            assert response.status_code in (200, 404), response.text
            if response.status_code == 200:
                texts = [entry["raw_text"] for entry in response.json()["timeline"]]
                if want in texts:
                    return texts
            await asyncio.sleep(0.5)
    return texts


async def test_kafka_bad_records_are_dead_lettered_with_their_reason_and_stall_nothing(
    services: RunningServices, kafka_settings: KafkaSettings
) -> None:
    topics = Topics(kafka_settings)
    own = topics.partner_spec("SF")
    await ensure_topics(kafka_settings, [own])
    targets = {"": own.name, "raw": topics.raw(EventKind.PARCEL)}
    producer = make_producer(kafka_settings, client_id="corpus")
    await producer.start()
    sent: dict[tuple[str, int, int], dict[str, Any]] = {}
    try:
        for case in KAFKA_CASES:
            topic = targets[case.get("topic", "")]
            meta = await producer.send_and_wait(
                topic, (CORPUS / case["file"]).read_bytes(), key=b"P|SF|SF7000000099"
            )
            sent[(meta.topic, meta.partition, meta.offset)] = case
        # The same key after the bad records: same partition, so a stall would hold it back.
        good = ipb.Event()
        json_format.ParseDict(_good_event("corpus-after-kafka", "SF7000000099"), good)
        await producer.send_and_wait(own.name, good.SerializeToString(), key=b"P|SF|SF7000000099")
    finally:
        await producer.stop()
    found = await _dead_letters(kafka_settings, topics.dlq, set(sent), timeout_s=90)
    assert {key: found.get(key) for key in sent} == {
        key: case["dead_letter"] for key, case in sent.items()
    }
    texts = await _ledger_texts(services, "SF7000000099", want="after the corpus")
    assert "after the corpus" in texts, "a good record behind the bad ones never arrived"


async def test_good_events_still_flow_through_the_gateway_after_the_corpus(
    services: RunningServices,
) -> None:
    body = {"events": [_good_event("corpus-after-gateway", "SF7000000098")]}
    headers = {"Authorization": f"Bearer {services.demo_keys['SF']}"}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{services.gateway_url}/v1/events", json=body, headers=headers
        )
    assert response.status_code == 202, response.text
    texts = await _ledger_texts(services, "SF7000000098", want="after the corpus")
    assert "after the corpus" in texts, "the ledger stopped taking events after the corpus"


async def _dead_letters(
    kafka: KafkaSettings, dlq: str, wanted: set[tuple[str, int, int]], *, timeout_s: float
) -> dict[tuple[str, int, int], str]:
    """error_code of each dead letter, by the (topic, partition, offset) it came from."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    found: dict[tuple[str, int, int], str] = {}
    try:
        partition = TopicPartition(dlq, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        deadline = time.monotonic() + timeout_s
        while not wanted <= set(found) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    h = {k: v.decode() for k, v in record.headers}
                    source = (
                        h["source_topic"],
                        int(h["source_partition"]),
                        int(h["source_offset"]),
                    )
                    found[source] = h["error_code"]
    finally:
        await consumer.stop()
    return found
