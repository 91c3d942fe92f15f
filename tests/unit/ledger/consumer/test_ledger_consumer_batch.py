"""One polled batch: usable records become rows, bad ones rejects, every partition advances."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from quanhub.bench.synthetic import parcel_event
from quanhub.ledger.consumer.service import DECODE_SLICE, decode_batch, decode_yielding
from quanhub.ledger.store.writer import Position

NOW = datetime(2026, 11, 28, tzinfo=UTC)


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


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


async def test_decoding_in_slices_gives_what_one_pass_gives() -> None:
    # More records than one slice, partitions interleaved, a bad record in a later slice.
    records = [
        Record(
            "c",
            i % 3,
            100 + i,
            parcel_event(
                f"s{i}", waybill_no=f"W{i}", status="IN_TRANSIT", occurred_at=NOW
            ).SerializeToString(),
        )
        for i in range(DECODE_SLICE * 2 + 7)
    ]
    records[DECODE_SLICE + 3] = Record("c", 1, 100 + DECODE_SLICE + 3, b"\xff")
    rows, rejects, positions = await decode_yielding(records, NOW)
    once_rows, once_rejects, once_positions = decode_batch(records, NOW)
    assert [r.record() for r in rows] == [r.record() for r in once_rows]
    assert rejects == once_rejects
    assert len(rejects) == 1
    assert sorted(positions, key=lambda p: p.partition) == sorted(
        once_positions, key=lambda p: p.partition
    )
    last = len(records) - 1
    assert {p.partition: p.next_offset for p in positions} == {
        k: 100 + max(i for i in range(last + 1) if i % 3 == k) + 1 for k in range(3)
    }
