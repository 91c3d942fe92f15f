"""One consumed record to one output record: canonical event or dead letter (pure but for
the clock reading passed in)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from google.protobuf.message import Message

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal
from quanhub.common.canonical import event_business_key
from quanhub.common.consuming import Record
from quanhub.common.limits import MAX_RECORD_BYTES
from quanhub.common.topics import Topics
from quanhub.common.tracecontext import TRACEPARENT, child_traceparent, parse_traceparent
from quanhub.common.traceids import is_safe_trace_id, new_trace_id
from quanhub.normalizer.deadletter import (
    MAX_HEADER_TEXT,
    WITHHELD_TOO_LARGE,
    RecordSizes,
    dead_letter_headers,
    header,
    record_bytes,
)
from quanhub.normalizer.mapping import DeadLetter, Normalized, normalize
from quanhub.normalizer.mapping.text import as_code
from quanhub.normalizer.sources import Decoded, Sources

__all__ = ["MAX_OUTPUT_BYTES", "Output", "route"]

#: Kafka's timestamp type for "set by the broker when appended".
LOG_APPEND_TIME = 1
#: The largest record produced (key, value and headers). Kafka refuses records over its
#: 1 MiB limit, and a refusal that retrying cannot mend would stop the normalizer (nothing
#: may be dropped; a broker's refusal also breaks the idempotent producer's sequence), so a
#: larger canonical event is dead-lettered (event_too_large) and a larger dead letter is
#: written as a reference: its headers (bounded) but neither key nor value
#: (payload_withheld and key_withheld: too-large). Only a partner topic's record, up to the
#: broker's own limit, can get here: the gateway refuses events over 512 KiB.
MAX_OUTPUT_BYTES = MAX_RECORD_BYTES


class Output(NamedTuple):
    """A record to produce, and what it means for metrics and logs (a named tuple: built
    once per event, it costs a fifth of a frozen dataclass)."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    kind: str
    partner: str
    #: Where the input came from (for logs).
    source: tuple[str, int, int] = ("", -1, -1)
    #: Set for dead letters.
    error_code: str = ""
    error_message: str = ""
    #: (code_system, code) when the code was not in its table.
    unmapped: tuple[str, str] | None = None
    #: The key's murmur2 when known (never here: fill_batches computes it).
    key_hash: int | None = None


def _normalize(envelope: cpb.RawEnvelope) -> Normalized | DeadLetter:
    try:
        return normalize(envelope)
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the loop
        return DeadLetter("internal_error", f"normalizer failed: {type(exc).__name__}")


def route(
    record: Record,
    sources: Sources,
    topics: Topics,
    now: datetime,
    owners: Mapping[str, Principal | None] | None = None,
) -> Output:
    """The output for one consumed record; `owners` maps partner-topic codes to
    their registry principal (see Normalizer.process)."""
    log_append_time = record.timestamp if record.timestamp_type == LOG_APPEND_TIME else None
    owner_code = sources.partner_of(record.topic)
    incoming = _Incoming.of(record.headers, partner_topic=owner_code is not None)
    decoded = sources.decode(
        record.topic,
        record.value,
        log_append_time,
        header(record.headers, "partner")[:MAX_HEADER_TEXT],  # logged: bounded
        now=now,
        principal=(owners or {}).get(owner_code) if owner_code else None,
        header_trace_id=incoming.trace_id,
    )
    result = decoded.result
    kind: str
    if isinstance(result, cpb.RawEnvelope):
        kind = result.event.WhichOneof("body") or "none"
        outcome = _normalize(result)
    else:
        kind, outcome = "undecodable", result
    if isinstance(outcome, Normalized):
        event = outcome.event
        canonical = event.SerializeToString(deterministic=True)
        size = len(canonical) + len(outcome.key)
        if size > MAX_OUTPUT_BYTES:
            why = f"its canonical event is {size} bytes, over {MAX_OUTPUT_BYTES}"
            too_large = DeadLetter("event_too_large", why)
            return _dead_letter(record, decoded, kind, too_large, now, topics, incoming)
        return Output(
            topic=topics.canonical,
            key=outcome.key,
            value=canonical,
            headers=[
                ("event_id", event.event_id.encode()),
                ("kind", kind.encode()),
                incoming.traceparent(event.trace_id),
            ],
            kind=kind,
            partner=decoded.partner,
            source=(record.topic, record.partition, record.offset),
            unmapped=outcome.unmapped,
        )
    return _dead_letter(record, decoded, kind, outcome, now, topics, incoming)


class _Incoming(NamedTuple):
    """The trace context a consumed record brings: a safe trace-id from its `traceparent`
    (a partner record's `trace_id` header after it) and the sampling decision."""

    trace_id: str
    sampled: bool

    @classmethod
    def of(cls, headers: Sequence[tuple[str, bytes]] | None, *, partner_topic: bool) -> _Incoming:
        parsed = parse_traceparent(header(headers, TRACEPARENT))
        trace_id = parsed.trace_id if parsed and is_safe_trace_id(parsed.trace_id) else ""
        if not trace_id and partner_topic:
            trace_id = header(headers, "trace_id")
        return cls(trace_id, parsed.sampled if parsed else True)

    def traceparent(self, trace_id: str) -> tuple[str, bytes]:
        """The output record's header: trace `trace_id`, a new span of the normalizer's."""
        return TRACEPARENT, child_traceparent(trace_id, sampled=self.sampled).encode()

    def dead_letter_trace(self, decoded: Decoded) -> str:
        """A dead letter's trace: its envelope's when safe, else the record's, else new."""
        result = decoded.result
        if isinstance(result, cpb.RawEnvelope):
            for given in (result.trace_id, result.event.trace_id):
                if given and is_safe_trace_id(given):
                    return given
        return self.trace_id if is_safe_trace_id(self.trace_id) else new_trace_id()


_STEP = re.compile(r"([a-z_]+)(?:\[([0-9]+)\])?")


def _field(message: Message, path: str) -> tuple[Message, str] | None:
    """The message holding the string field at `path` ("order.lines[2].item_name") and its
    name, or None when the path names no set string field."""
    *parents, name = path.split(".")
    for step in parents:
        match = _STEP.fullmatch(step)
        field = message.DESCRIPTOR.fields_by_name.get(match[1]) if match else None
        if match is None or field is None or field.message_type is None:
            return None
        inner = getattr(message, field.name)
        if field.is_repeated:
            index = int(match[2] or -1)
            if not 0 <= index < len(inner):
                return None
            inner = inner[index]
        message = inner
    field = message.DESCRIPTOR.fields_by_name.get(name)
    if field is None or field.type != field.TYPE_STRING or field.is_repeated:
        return None
    return message, name


def _withheld(value: bytes, fields: tuple[str, ...]) -> cpb.RawEnvelope:
    """The envelope with each string field at `fields` (the ones that broke a rule) kept
    only as a code (`as_code`): the hub could not read that partner text, so it may be
    anything, a phone or an ID number put where a carrier code belongs included."""
    envelope = cpb.RawEnvelope.FromString(value)
    for path in fields:
        found = _field(envelope.event, path)
        if found is not None:
            message, name = found
            setattr(message, name, as_code(getattr(message, name)))
    return envelope


def _dead_letter(  # noqa: PLR0917 - the pieces route() already holds
    record: Record,
    decoded: Decoded,
    kind: str,
    outcome: DeadLetter,
    now: datetime,
    topics: Topics,
    incoming: _Incoming,
) -> Output:
    if decoded.dead_letter_value is None:
        value, key, original = record.value or b"", record.key, record.headers
        if isinstance(decoded.result, cpb.RawEnvelope):  # as decoded: known fields only
            value = decoded.result.SerializeToString()
    else:  # a partner record: its protected form only (see sources)
        value, key, original = decoded.dead_letter_value, decoded.dead_letter_key, None
    if outcome.fields and value:  # fields are named of envelopes only
        envelope = _withheld(value, outcome.fields)
        value = envelope.SerializeToString()
        if decoded.dead_letter_value is not None:  # a partner record: its key is the event's
            key = event_business_key(envelope.event, decoded.partner)
    headers_with = functools.partial(
        dead_letter_headers,
        error_code=outcome.code,
        error_message=outcome.message,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        first_seen=now,
        partner=decoded.partner,
        original=original,
        sizes=RecordSizes.of(record.key, record.value, record.headers),
        replay_topic=decoded.replay_topic,
        not_replayable=decoded.not_replayable,
    )
    traced = incoming.traceparent(incoming.dead_letter_trace(decoded))
    headers = [*headers_with(payload_withheld=decoded.payload_withheld), traced]
    if record_bytes(key, value, headers) > MAX_OUTPUT_BYTES:
        # A reference: where the source record is, why, and its sizes (the source keeps it).
        key, value = None, b""
        withheld = WITHHELD_TOO_LARGE
        headers = [*headers_with(payload_withheld=withheld, key_withheld=withheld), traced]
    return Output(
        topic=topics.dlq,
        key=key,
        value=value,
        headers=headers,
        kind=kind,
        partner=decoded.partner,
        source=(record.topic, record.partition, record.offset),
        error_code=outcome.code,
        error_message=outcome.message,
    )
