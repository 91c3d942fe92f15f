"""Which PostgreSQL instance holds an object: its business key's canonical partition (as
the normalizer's producer partitions), that partition's shard, that shard's instance.

Pure: numbers and keys only. The partition count must be the canonical topic's
(QUANHUB_KAFKA_CANONICAL_PARTITIONS) and the shard count the consumer's
(QUANHUB_LEDGER_CONSUMER_SHARDS), or reads look for objects on the wrong instance.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.common.canonical import order_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import shard_of


@dataclass(frozen=True, slots=True)
class Route:
    """Where objects live, for a ledger of `shards` shards over a canonical topic of
    `partitions` partitions, placed by `shard_map`."""

    shard_map: ShardMap
    shards: int
    partitions: int

    def __post_init__(self) -> None:
        if self.shards < 1 or self.partitions < self.shards:
            msg = f"{self.shards} shards over {self.partitions} canonical partitions"
            raise ValueError(msg)

    @property
    def instances(self) -> int:
        """How many PostgreSQL instances hold shards."""
        return self.shard_map.instances

    def shard_of_key(self, key: bytes) -> int:
        """The shard whose writer appends the events keyed `key`."""
        return shard_of(partition_of(key, range(self.partitions)), self.shards)

    def instance_of_key(self, key: bytes) -> int:
        """The index of the instance holding the object keyed `key`."""
        return self.shard_map.instance_of(self.shard_of_key(key))

    def parcel(self, carrier_id: str, waybill_no: str) -> int:
        """The instance of a parcel (its key: quanhub.common.canonical.parcel_key)."""
        return self.instance_of_key(parcel_key(carrier_id, waybill_no))

    def order(self, platform_code: str, order_no: str) -> int:
        """The instance of an order (its key: quanhub.common.canonical.order_key)."""
        return self.instance_of_key(order_key(platform_code, order_no))
