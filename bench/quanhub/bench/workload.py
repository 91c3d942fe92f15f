"""Realistic traffic from the simulator, replicated cheaply into as many fresh events as a
stage needs, and the same events in the forms later stages take (envelopes, ledger rows)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access.demo import DEMO_PARTNERS
from quanhub.common.access.model import Role
from quanhub.common.pii import protect_event
from quanhub.common.settings import LOCAL_PII_SECRET
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate

#: The demo partners' carriers: the simulator only sends as partners that have keys.
DEMO_CARRIERS = frozenset(p.code for p in DEMO_PARTNERS if p.role is Role.CARRIER)
_ROLES = {p.code: p.role.value for p in DEMO_PARTNERS}


@dataclass(frozen=True, slots=True)
class Send:
    """One event as its partner sends it."""

    partner: str
    event: ipb.Event


@dataclass(frozen=True, slots=True)
class Body:
    """One POST /v1/events request body of one partner."""

    partner: str
    body: bytes
    events: int


class Workload:
    """A pool of simulated sends; `round(n)` is the pool again as new events and objects.

    Round n suffixes every event id and business number with `-R<n>-<tag>`, so each round
    is new to the ledger (new ids, new parcels, orders and declarations) while keeping the
    simulator's mix of kinds, partners, codes, sizes and personal data.
    """

    def __init__(self, orders: int, seed: int = 8) -> None:
        config = SimulationConfig(orders=orders, seed=seed, carriers=DEMO_CARRIERS)
        simulation = generate(config)
        self.pool: list[Send] = [
            Send(step.partner, event)
            for step, event in simulation.valid_distinct()
            if step.partner in _ROLES
        ]

    def round(self, n: int, tag: str) -> Iterator[Send]:
        """The pool as fresh events: ids and business numbers suffixed for round n."""
        suffix = f"-R{n}-{tag}"
        for send in self.pool:
            event = ipb.Event()
            event.CopyFrom(send.event)
            _suffix(event, suffix)
            yield Send(send.partner, event)

    def sends(self, count: int, tag: str) -> list[Send]:
        """`count` fresh sends (as many rounds as it takes)."""
        out: list[Send] = []
        n = 0
        while len(out) < count:
            for send in self.round(n, tag):
                out.append(send)
                if len(out) == count:
                    break
            n += 1
        return out

    def median_envelope_bytes(self) -> int:
        """Median size of what the gateway produces to Kafka (the tokenised RawEnvelope)."""
        sizes = [len(envelope(s).SerializeToString()) for s in self.pool[:5000]]
        return int(statistics.median(sizes))


def _suffix(event: ipb.Event, suffix: str) -> None:
    event.event_id += suffix
    body = event.WhichOneof("body")
    if body == "parcel":
        event.parcel.waybill_no += suffix
        if event.parcel.order_no:
            event.parcel.order_no += suffix
    elif body == "order":
        event.order.order_no += suffix
        if event.order.waybill_no:
            event.order.waybill_no += suffix
    elif body == "customs":
        c = event.customs
        for name in ("cop_no", "order_no", "logistics_no", "invt_no"):
            if getattr(c, name, ""):
                setattr(c, name, getattr(c, name) + suffix)


def bodies(sends: list[Send], size: int) -> list[Body]:
    """Requests of `size` events, one partner per request, in send order per partner."""
    pending: dict[str, ipb.PublishRequest] = {}
    out: list[Body] = []
    for send in sends:
        request = pending.setdefault(send.partner, ipb.PublishRequest())
        request.events.append(send.event)
        if len(request.events) >= size:
            out.append(Body(send.partner, request.SerializeToString(), size))
            del pending[send.partner]
    out.extend(
        Body(partner, r.SerializeToString(), len(r.events)) for partner, r in pending.items()
    )
    return out


def envelope(send: Send, received_at: datetime | None = None) -> cpb.RawEnvelope:
    """What the gateway would produce for this send (personal data tokenised)."""
    at = received_at or datetime.now(UTC)
    return protect_event(
        send.event, send.partner, _ROLES[send.partner], at, "bench", "gateway", LOCAL_PII_SECRET
    )
