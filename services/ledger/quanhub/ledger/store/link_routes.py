"""Where a link fact must go: the instances holding its order's and its parcel's shards
(docs/ledger.md "Links across instances").

An object's shard follows from its canonical key as the normalizer's producer places it
(quanhub.common.kafka.partition_of over the canonical topic's partitions), then partition
p -> shard p mod S -> instance (store/shard_map.py). Pure: it opens nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from quanhub.common.canonical import order_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import shard_of

#: Keys whose partition a router remembers at most (then it starts over).
_REMEMBERED = 100_000


@dataclass(frozen=True, slots=True)
class LinkFact:
    """One order <-> parcel link and which sides asserted it, as one instance knows it."""

    platform_code: str
    order_no: str
    carrier_id: str
    waybill_no: str
    from_order: bool
    from_parcel: bool


@dataclass(frozen=True, slots=True)
class Route:
    """A fact bound for another instance: keyed by the side that lives there, in that
    side's canonical partition."""

    partition: int
    key: bytes
    fact: LinkFact


@dataclass(slots=True)
class LinkRouter:
    """Routes the facts learnt on `instance` to the other instances holding either side."""

    shard_map: ShardMap
    shards: int
    #: The canonical topic's partitions, sorted (as the producer partitions keys).
    partitions: Sequence[int]
    instance: int
    _placed: dict[bytes, int] = field(default_factory=dict)

    def partition_of(self, key: bytes) -> int:
        """The canonical partition of `key` (remembered: murmur2 is the costly part)."""
        found = self._placed.get(key)
        if found is None:
            if len(self._placed) >= _REMEMBERED:
                self._placed.clear()
            found = self._placed[key] = partition_of(key, self.partitions)
        return found

    def instance_of_partition(self, partition: int) -> int:
        """The instance holding the shard of canonical (or links) partition `partition`."""
        return self.shard_map.instance_of(shard_of(partition, self.shards))

    def routes(self, fact: LinkFact) -> list[Route]:
        """The fact once for each side whose shard is on another instance than this one."""
        out = []
        for key in (
            order_key(fact.platform_code, fact.order_no),
            parcel_key(fact.carrier_id, fact.waybill_no),
        ):
            partition = self.partition_of(key)
            if self.instance_of_partition(partition) != self.instance:
                out.append(Route(partition, key, fact))
        return out
