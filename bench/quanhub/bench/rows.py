"""Simulated sends turned into exactly what the ledger writes: the gateway's envelope, the
normalizer's canonical event, the ledger's decoded row (all through their pure functions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from quanhub.bench.workload import Send, envelope
from quanhub.ledger.decode import decode
from quanhub.ledger.store.rows import LedgerRow
from quanhub.normalizer.mapping import Normalized, normalize

CANONICAL_TOPIC = "bench.canonical.v1"


def canonical_records(sends: Iterable[Send]) -> list[tuple[bytes, bytes]]:
    """(key, CanonicalEvent bytes) of each send the normalizer accepts."""
    now = datetime.now(UTC)
    out: list[tuple[bytes, bytes]] = []
    for send in sends:
        result = normalize(envelope(send, now))
        if isinstance(result, Normalized):
            out.append((result.key, result.event.SerializeToString()))
    return out


def ledger_rows(sends: Iterable[Send], partitions: int = 6) -> list[LedgerRow]:
    """The rows the ledger consumer would decode from these sends' canonical records."""
    now = datetime.now(UTC)
    return [
        decode(value, topic=CANONICAL_TOPIC, partition=i % partitions, offset=i, recorded_at=now)
        for i, (_, value) in enumerate(canonical_records(sends))
    ]
