"""read.route: an object's instance is its key's partition as Kafka's producer picks it,
that partition's shard, that shard's instance."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner

from quanhub.common.canonical import order_key, parcel_key
from quanhub.ledger.read.route import Route
from quanhub.ledger.store.shard_map import ShardMap

MAP = ShardMap.of("postgresql://home/q", ["postgresql://second/q"])
PARTITIONS = list(range(48))


@pytest.mark.parametrize("shards", [1, 2, 4, 16, 48])
def test_an_objects_shard_is_its_partitions_as_the_producer_picks_it(shards: int) -> None:
    route = Route(MAP, shards, len(PARTITIONS))
    kafka = DefaultPartitioner()
    for n in range(200):
        for key in (parcel_key("SF", f"sf{n:010d}"), order_key("TMALL", f"TM{n}")):
            partition = kafka(key, PARTITIONS, PARTITIONS)
            assert route.shard_of_key(key) == partition % shards
            assert route.instance_of_key(key) == partition % shards % 2


def test_parcels_and_orders_are_keyed_as_the_normalizer_keys_them() -> None:
    route = Route(MAP, 4, 8)
    # Waybill numbers are keyed trimmed and upper-cased, as the normalizer keys them.
    assert route.parcel("SF", " sf0001 ") == route.instance_of_key(b"P|SF|SF0001")
    assert route.order("TMALL", "TM1") == route.instance_of_key(b"O|TMALL|TM1")


def test_one_instance_holds_everything() -> None:
    route = Route(ShardMap.of("postgresql://home/q"), 4, 48)
    assert {route.parcel("SF", f"W{n}") for n in range(100)} == {0}


def test_more_shards_than_partitions_is_refused() -> None:
    with pytest.raises(ValueError, match="9 shards over 8"):
        Route(MAP, 9, 8)
