"""The `traceparent` of what the dispatcher sends: a webhook delivery, a feed record.

A delivery continues its events' trace when they share one (a delivery of one event always
does); a batch spanning several traces starts a trace of its own, whose id is the delivery
id's 128 bits, so every attempt of one delivery carries the same trace-id (each event's own
stays in the body, as `event.trace_id`). Each attempt and each feed record is a new span.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import orjson

from quanhub.common.tracecontext import child_traceparent
from quanhub.common.traceids import is_safe_trace_id

__all__ = ["delivery_traceparent", "event_traceparent"]


def _trace_id(document: Mapping[str, Any]) -> str:
    """A feed event document's trace id (its canonical event's), when the hub may keep it."""
    event = document.get("event")
    trace = event.get("trace_id", "") if isinstance(event, Mapping) else ""
    return trace if isinstance(trace, str) and is_safe_trace_id(trace) else ""


def event_traceparent(document: Mapping[str, Any]) -> str | None:
    """`traceparent` of one feed event's record: its trace, a new span; None without one."""
    trace = _trace_id(document)
    return child_traceparent(trace) if trace else None


def delivery_traceparent(delivery_id: UUID, events: bytes | Sequence[Mapping[str, Any]]) -> str:
    """`traceparent` of one attempt of a delivery of `events` (the frozen JSON array)."""
    documents = orjson.loads(events) if isinstance(events, bytes) else events
    traces = {_trace_id(d) for d in documents}
    shared = traces.pop() if len(traces) == 1 else ""
    return child_traceparent(shared or delivery_id.hex)
