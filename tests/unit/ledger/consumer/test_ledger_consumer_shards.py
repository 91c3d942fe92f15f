"""A polled batch split by shard: each shard's part holds exactly its partitions' rows,
rejects and offsets (so each shard's transaction stores the offsets of what it wrote)."""

from __future__ import annotations

from datetime import UTC, datetime

from quanhub.bench.synthetic import parcel_event
from quanhub.ledger.consumer.service import decode_batch, split_by_shard
from quanhub.ledger.store.shards import SEQ_BITS, base, shard_of

NOW = datetime(2026, 11, 28, tzinfo=UTC)


class _Record:
    def __init__(self, partition: int, offset: int, value: bytes | None) -> None:
        self.topic, self.partition, self.offset, self.value = "c", partition, offset, value
        self.headers: tuple[tuple[str, bytes], ...] = ()


def _batch() -> list[_Record]:
    out = []
    for i in range(24):
        event = parcel_event(f"e{i}", waybill_no=f"W{i}", status="IN_TRANSIT", occurred_at=NOW)
        value = b"\x00bad" if i % 7 == 0 else event.SerializeToString()
        out.append(_Record(i % 8, 100 + i, value))
    return out


def test_partition_p_belongs_to_shard_p_mod_s() -> None:
    assert [shard_of(p, 4) for p in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert {shard_of(p, 1) for p in range(48)} == {0}
    assert base(0) == 0
    assert base(3) == 3 << SEQ_BITS


def test_each_shard_gets_its_partitions_rows_rejects_and_offsets() -> None:
    rows, rejects, positions = decode_batch(_batch(), NOW)  # type: ignore[arg-type]
    parts = split_by_shard(rows, rejects, positions, 4)
    assert sorted(parts) == [0, 1, 2, 3]
    for shard, part in parts.items():
        assert {r.kafka_partition % 4 for r in part.rows} <= {shard}
        assert {r.partition % 4 for r in part.rejects} <= {shard}
        assert sorted(p.partition for p in part.positions) == [shard, shard + 4]
    assert sum(len(p.rows) for p in parts.values()) == len(rows)
    assert sum(len(p.rejects) for p in parts.values()) == len(rejects) > 0


def test_one_shard_writes_the_batch_as_it_was() -> None:
    rows, rejects, positions = decode_batch(_batch(), NOW)  # type: ignore[arg-type]
    parts = split_by_shard(rows, rejects, positions, 1)
    assert list(parts) == [0]
    assert (parts[0].rows, parts[0].rejects, parts[0].positions) == (rows, rejects, positions)
