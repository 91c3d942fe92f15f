"""Feeds over shards on several instances: ranges cut into one read per run of an
instance, and the page statement that reads a run where its shards live."""

from __future__ import annotations

from typing import Any

from quanhub.ledger.feeds import source
from quanhub.ledger.feeds.instances import ShardReaders
from quanhub.ledger.feeds.source import LedgerEventSource
from quanhub.ledger.store.shard_map import ShardMap

HOME = "postgresql://q@home/quanhub"
OTHER = "postgresql://q@other/quanhub"


def _range(global_first: int, shard: int, events: int = 5) -> dict[str, Any]:
    return {"global_first": global_first, "shard": shard, "first_seq": 1, "events": events}


def test_consecutive_ranges_of_one_instance_are_read_together() -> None:
    readers = ShardReaders(ShardMap.of(HOME, [OTHER]), {})
    ranges = [_range(1, 0), _range(6, 2), _range(11, 1), _range(16, 3), _range(21, 0)]
    runs = readers.runs(ranges)  # type: ignore[arg-type]
    assert [[r["shard"] for r in run] for run in runs] == [[0, 2], [1, 3], [0]]


def test_no_ranges_no_runs() -> None:
    assert ShardReaders(ShardMap.of(HOME, [OTHER]), {}).runs([]) == []


def test_a_run_page_reads_the_given_ranges_not_homes() -> None:
    assert "ledger_global_ranges" in source._PAGE
    assert "ledger_global_ranges" not in source._RUN_PAGE
    assert "unnest($5::bigint[], $6::smallint[], $7::bigint[], $8::bigint[])" in source._RUN_PAGE
    # The same events, read the same way, in the same order, from each range.
    lateral = source._PAGE[source._PAGE.index("CROSS JOIN LATERAL") : source._PAGE.index(") e\n")]
    assert lateral in source._RUN_PAGE
    assert source._RUN_PAGE.endswith(") e\nORDER BY r.global_first, e.seq LIMIT $4")


def test_one_instance_keeps_the_single_statement() -> None:
    single = LedgerEventSource(ShardReaders(ShardMap.of(HOME), {}))
    assert single._readers is None
    assert LedgerEventSource()._readers is None


class _Answers:
    """A connection or pool that answers every fetchval with one value, and counts."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.asked: list[str] = []

    async def fetchval(self, sql: str, *args: Any) -> int:
        self.asked.append(sql)
        return self.value


async def test_retired_through_is_the_highest_of_every_instance() -> None:
    home, other = _Answers(10), _Answers(40)
    spread = LedgerEventSource(ShardReaders(ShardMap.of(HOME, [OTHER]), {1: other}))  # type: ignore[dict-item]
    assert await spread.retired_through(home) == 40  # type: ignore[arg-type]
    assert home.asked == other.asked == [source.RETIRED_THROUGH]


async def test_retired_through_on_one_instance_asks_home_once() -> None:
    home = _Answers(20)
    assert await LedgerEventSource().retired_through(home) == 20  # type: ignore[arg-type]
    assert home.asked == [source.RETIRED_THROUGH]
