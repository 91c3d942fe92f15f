"""One polled batch: usable records become rows, bad ones rejects, every partition advances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from quanhub.ledger.consumer.service import decode_batch
from quanhub.ledger.store.writer import Position
from quanhub.ledger.synthetic import parcel_event

NOW = datetime(2026, 11, 28, tzinfo=UTC)


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int
    value: bytes | None


def test_bad_records_are_isolated_and_offsets_still_advance() -> None:
    good = parcel_event("a", waybill_no="W1", status="IN_TRANSIT", occurred_at=NOW)
    records = [
        Record("c", 0, 10, good.SerializeToString()),
        Record("c", 0, 11, b"\x00garbage"),
        Record("c", 1, 5, None),
        Record("c", 1, 6, good.SerializeToString()),
    ]
    rows, rejects, positions = decode_batch(records, NOW)
    assert [(r.kafka_partition, r.kafka_offset) for r in rows] == [(0, 10), (1, 6)]
    assert [(r.partition, r.offset, r.code) for r in rejects] == [
        (0, 11, "undecodable_event"),
        (1, 5, "undecodable_event"),
    ]
    assert sorted(positions, key=lambda p: p.partition) == [
        Position("c", 0, 12),
        Position("c", 1, 7),
    ]


def test_a_batch_of_only_bad_records_still_moves_on() -> None:
    rows, rejects, positions = decode_batch([Record("c", 2, 40, b"\xff")], NOW)
    assert rows == []
    assert len(rejects) == 1
    assert positions == [Position("c", 2, 41)]
