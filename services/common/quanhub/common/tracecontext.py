"""W3C Trace Context (`traceparent`) as the hub reads it from partners and writes it on.

The hub takes part in a partner's trace: a request's `traceparent` names the trace, every
hop the hub makes (the HTTP answer, each Kafka record it produces, each webhook delivery)
carries `traceparent` with the same trace-id and a span id of the hub's own, as the
OpenTelemetry messaging conventions ask of producers. What it reads follows the W3C
Trace Context Level 1 rules (version `00`: 55 characters; a later version: at least those
fields, more only after a dash; never version `ff`; lowercase hex only; neither id all
zeros); a header that breaks them is ignored and the hub starts a trace of its own.

A valid trace-id is still partner text: it is kept only when `quanhub.common.traceids`
accepts it (no run of 7 decimal digits, where a phone or an ID number could hide),
otherwise replaced like any unsafe trace id. `tracestate` is never read nor passed on: its
vendor values are free text the hub cannot mask. The parent span id a partner sends is
used for nothing but validation (the hub's spans are its own).
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from quanhub.common.traceids import is_safe_trace_id

__all__ = [
    "TRACEPARENT",
    "PublishSpan",
    "TraceParent",
    "child_traceparent",
    "format_traceparent",
    "new_span_id",
    "parse_traceparent",
    "safe_trace_id_of",
    "w3c_trace_id",
]

#: The header's name, on HTTP and as a Kafka record header alike.
TRACEPARENT = "traceparent"
_SAMPLED = 0x01
_FIELDS = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
#: A traceparent's length in version 00; later versions may append "-..." after it.
_LENGTH = 55


class TraceParent(NamedTuple):
    """The fields of a valid `traceparent` the hub uses."""

    trace_id: str
    parent_id: str
    sampled: bool


def parse_traceparent(value: str | bytes | None) -> TraceParent | None:
    """The header's fields, or None when it is absent or breaks the W3C rules."""
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if len(value) < _LENGTH:
        return None
    match = _FIELDS.match(value)
    if match is None:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
        return None
    # Version 00 is exactly 55 characters; a later version may carry more after a dash.
    if len(value) > _LENGTH and (version == "00" or value[_LENGTH] != "-"):
        return None
    return TraceParent(trace_id, parent_id, bool(int(flags, 16) & _SAMPLED))


def safe_trace_id_of(value: str | bytes | None) -> str:
    """The trace-id of a valid `traceparent` when the hub may keep it, else ""."""
    parsed = parse_traceparent(value)
    if parsed is None or not is_safe_trace_id(parsed.trace_id):
        return ""
    return parsed.trace_id


def new_span_id() -> str:
    """A fresh span id: 16 random lowercase hex digits, not all zeros."""
    while True:
        span = os.urandom(8).hex()
        if span != _ZERO_SPAN:
            return span


def w3c_trace_id(trace_id: str) -> str:
    """A hub trace id (`quanhub.common.traceids`: a W3C trace-id or a UUID) as a W3C
    trace-id: a UUID's 32 hex digits without its dashes (the same 128 bits)."""
    return trace_id.replace("-", "")


def format_traceparent(trace_id: str, span_id: str, *, sampled: bool = True) -> str:
    """The `traceparent` (version 00) of the hub's span `span_id` in trace `trace_id`."""
    return f"00-{w3c_trace_id(trace_id)}-{span_id}-{'01' if sampled else '00'}"


def child_traceparent(trace_id: str, *, sampled: bool = True) -> str:
    """`traceparent` for a new hub span in `trace_id` (one Kafka record or delivery)."""
    return format_traceparent(trace_id, new_span_id(), sampled=sampled)


class PublishSpan:
    """One producer span of the hub (a batch published at once): the `traceparent` header
    value of each record it publishes, whatever the record's trace."""

    __slots__ = ("_suffix", "span_id")

    def __init__(self, span_id: str | None = None, *, sampled: bool = True) -> None:
        self.span_id = span_id or new_span_id()
        self._suffix = f"-{self.span_id}-{'01' if sampled else '00'}".encode()

    def header(self, trace_id: str | bytes) -> bytes:
        """The header for a record of trace `trace_id` (a hub trace id: W3C or UUID)."""
        raw = trace_id.encode() if isinstance(trace_id, str) else trace_id
        return b"00-" + raw.replace(b"-", b"") + self._suffix
