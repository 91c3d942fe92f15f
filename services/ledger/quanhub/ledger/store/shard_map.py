"""The shard map: which PostgreSQL instance holds each ledger shard (docs/ledger.md
"Shards").

Instance 0 is the home instance, QUANHUB_DATABASE_URL: it holds shard 0, the partner
registry, feed subscriptions and the global sequence (ledger_sequence and
ledger_global_ranges). QUANHUB_LEDGER_SHARD_INSTANCES lists the other instances; with N
instances in all, shard k lives on instance k mod N, so shards spread evenly and a shard
never moves while N stays the same. Unset, every shard is on the home instance.

Pure: it maps numbers to URLs and opens nothing (settings.ShardMapSettings reads the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: The home instance's index.
HOME = 0


@dataclass(frozen=True, slots=True)
class ShardMap:
    """The instances, home first; shard k lives on instance k mod len(urls)."""

    urls: tuple[str, ...]

    @classmethod
    def of(cls, home_url: str, others: Sequence[str] = ()) -> ShardMap:
        """The map of the home instance at `home_url` and `others` after it."""
        urls = (home_url, *others)
        if len(set(urls)) != len(urls):
            msg = f"a PostgreSQL instance is listed twice in the shard map: {list(urls)}"
            raise ValueError(msg)
        return cls(urls)

    @property
    def instances(self) -> int:
        """How many PostgreSQL instances hold shards."""
        return len(self.urls)

    @property
    def home_url(self) -> str:
        """The home instance (shard 0's, and the global sequence's)."""
        return self.urls[HOME]

    @property
    def single(self) -> bool:
        """Every shard is on the home instance (today's ledger)."""
        return len(self.urls) == 1

    def instance_of(self, shard: int) -> int:
        """The index of the instance holding `shard`."""
        if shard < 0:
            msg = f"no shard {shard}"
            raise ValueError(msg)
        return shard % len(self.urls)

    def url_of(self, shard: int) -> str:
        """The URL of the instance holding `shard`."""
        return self.urls[self.instance_of(shard)]

    def on_home(self, shard: int) -> bool:
        """`shard` lives on the home instance (its steps publish to the global sequence
        themselves; the others' are published by the sequencer)."""
        return self.instance_of(shard) == HOME

    def shards_of(self, instance: int, shards: int) -> list[int]:
        """The shards (of a ledger with `shards`) that instance `instance` holds."""
        if not 0 <= instance < len(self.urls):
            msg = f"no instance {instance} in a map of {len(self.urls)}"
            raise ValueError(msg)
        return list(range(instance, shards, len(self.urls)))

    def remote_shards(self, shards: int) -> list[int]:
        """The shards (of a ledger with `shards`) not on the home instance."""
        return [s for s in range(shards) if not self.on_home(s)]
