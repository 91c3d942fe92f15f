"""Cutting the send sequence into per-partner requests (one API key per request)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.model import Step


@dataclass(frozen=True, slots=True)
class Batch:
    """One request: a partner's PublishRequest, serialised, and how many events it holds."""

    partner: str
    body: bytes
    events: int
    #: Sequence number of the batch in the run (for logs and tests).
    number: int


def batches(sends: Iterable[tuple[Step, ipb.Event]], size: int) -> Iterator[Batch]:
    """Group sends by partner in send order; a partner's batch goes out when it is full,
    and what remains goes out at the end. Serialisation is deterministic."""
    if size < 1:
        msg = "batch size must be at least 1"
        raise ValueError(msg)
    pending: dict[str, ipb.PublishRequest] = {}
    number = 0
    for step, event in sends:
        request = pending.get(step.partner)
        if request is None:
            request = pending[step.partner] = ipb.PublishRequest()
        request.events.append(event)
        if len(request.events) >= size:
            yield Batch(step.partner, request.SerializeToString(deterministic=True), size, number)
            number += 1
            del pending[step.partner]
    for partner, request in pending.items():
        body = request.SerializeToString(deterministic=True)
        yield Batch(partner, body, len(request.events), number)
        number += 1
