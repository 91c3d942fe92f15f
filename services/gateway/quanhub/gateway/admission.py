"""Deciding, event by event, what a batch may publish: authorization, then validation.

Pure: no I/O. The route turns the outcome into Kafka records or a problem body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from quanhub.common.access import Principal
from quanhub.common.validation import validate_event
from quanhub.gateway.authz import check_publish
from quanhub.ingest.v1 import ingest_pb2


@dataclass(frozen=True, slots=True)
class Rejection:
    """One refused event, by its index in the request."""

    index: int
    event_id: str
    code: str
    message: str


@dataclass(slots=True)
class Admission:
    """The events a batch may publish (with their request indexes) and those it may not."""

    accepted: list[tuple[int, ingest_pb2.Event]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def admit(
    principal: Principal,
    events: list[ingest_pb2.Event],
    now: datetime,
    *,
    max_event_bytes: int | None,
    indexes: Sequence[int] | None = None,
    oversized: Mapping[int, int] | None = None,
) -> Admission:
    """Sort a batch into accepted and rejected events; messages never quote personal data.

    `max_event_bytes` None: the caller knows no event can be over the limit (a protobuf
    body no larger than it), and sizes are not computed. `indexes`: each event's index in
    the request, when `events` are only some of its events (by default, their positions).
    `oversized`: request index -> wire size of each event refused unread for its size (its
    place in `events` holds an empty event; `parsing.Counted.oversized`).
    """
    outcome = Admission()
    for position, event in enumerate(events):
        index = position if indexes is None else indexes[position]
        if oversized and (wire := oversized.get(index)) is not None:
            message = (
                f"the event is {wire} bytes; one event may have at most "
                f"{max_event_bytes}, and it was not read"
            )
            outcome.rejected.append(Rejection(index, "", "event_too_large", message))
            continue
        if max_event_bytes is not None and (size := event.ByteSize()) > max_event_bytes:
            message = f"the event is {size} bytes; one event may have at most {max_event_bytes}"
            outcome.rejected.append(Rejection(index, event.event_id, "event_too_large", message))
            continue
        refusal = check_publish(principal, event)
        if refusal is not None:
            outcome.rejected.append(Rejection(index, event.event_id, refusal.code, refusal.message))
            continue
        violations = validate_event(event, now)
        if violations:
            message = "; ".join(v.message for v in violations)
            outcome.rejected.append(Rejection(index, event.event_id, violations[0].code, message))
            continue
        outcome.accepted.append((index, event))
    return outcome
