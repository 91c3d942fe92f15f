"""normalize(envelope): the whole pure mapping, deterministic and total (it never raises).

The same envelope always gives the same canonical event: the canonical id comes from
(partner, source event id), and "now" for validation is the envelope's receive time, not
the wall clock, so a redelivery or a replay is judged exactly as the first delivery was.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC as _UTC
from datetime import datetime
from typing import NamedTuple

from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import canonical_business_key
from quanhub.common.ids import canonical_event_id_text
from quanhub.common.timestamps import from_seconds_nanos, in_range
from quanhub.common.traceids import is_safe_trace_id
from quanhub.common.validation import validate_event
from quanhub.normalizer.mapping.bodies import Mapped, customs_update, order_update, parcel_update
from quanhub.normalizer.mapping.parties import UntokenisedField
from quanhub.normalizer.mapping.text import WITHHELD, as_code, mask_names_in_text
from quanhub.normalizer.vocab import customs
from quanhub.normalizer.vocab.registry import ORDER_VOCABULARIES, PARCEL_VOCABULARIES

__all__ = [
    "SCHEMA_VERSION",
    "WITHHELD",
    "DeadLetter",
    "Normalized",
    "decode_envelope",
    "normalize",
]

#: Version of the canonical event layout this normalizer writes.
SCHEMA_VERSION = 1


#: The code systems the hub has tables for.
_SYSTEMS = frozenset({*PARCEL_VOCABULARIES, *ORDER_VOCABULARIES, customs.CODE_SYSTEM})
#: The metric labels of an unknown code under a code system the hub does not know.
OTHER = "(other)"


class Normalized(NamedTuple):
    """A canonical event, its Kafka key, and the code system/code when the code was unknown."""

    event: cpb.CanonicalEvent
    key: bytes
    unmapped: tuple[str, str] | None


class DeadLetter(NamedTuple):
    """Why an input cannot become a canonical event: a machine code and a readable message."""

    code: str
    message: str
    #: The event's field paths that broke a rule ("order.carrier_code"): partner text the
    #: hub could not read, withheld from the dead letter's value (see routing).
    fields: tuple[str, ...] = ()


def decode_envelope(data: bytes | None) -> cpb.RawEnvelope | DeadLetter:
    """Parse raw-topic bytes, unknown fields dropped; a parse failure is the dead letter
    `undecodable`."""
    if not data:
        return DeadLetter("undecodable", "empty message value")
    envelope = cpb.RawEnvelope()
    try:
        envelope.ParseFromString(data)
    except DecodeError as exc:
        return DeadLetter("undecodable", f"not a quanhub.canonical.v1.RawEnvelope: {exc}")
    # The gateway wrote only known fields; whoever wrote this record, nothing the schema
    # does not name (and so nothing masks) reaches the canonical event. Recursive, cheap.
    envelope.DiscardUnknownFields()
    return envelope


def _series(code_system: str, raw_code: str) -> tuple[str, str]:
    """An unknown code's metric labels: its code system when the hub has tables for it
    (a closed vocabulary) and the code as kept; OTHER for both under any other system,
    whose names and codes are partner text without bound."""
    return (code_system, raw_code) if code_system in _SYSTEMS else (OTHER, OTHER)


def _trace_id(given: str, event_id: str) -> str:
    """The envelope's trace id when it cannot carry text (quanhub.common.traceids), else
    one derived from the canonical event id: deterministic, so a redelivery or a replay
    gets the same (a raw record written before the gateway's rule may hold any text)."""
    return given if is_safe_trace_id(given) else uuid.UUID(event_id).hex


@functools.lru_cache(maxsize=64)
def _instant(seconds: int, nanos: int) -> datetime:
    """Timestamp.ToDatetime(tzinfo=UTC) of (seconds, nanos); cached, as the events of one
    gateway request share their receive time. Out of range raises as ToDatetime does."""
    if in_range(seconds, nanos):
        return from_seconds_nanos(seconds, nanos)
    return Timestamp(seconds=seconds, nanos=nanos).ToDatetime(tzinfo=_UTC)


def normalize(envelope: cpb.RawEnvelope) -> Normalized | DeadLetter:
    """The canonical event of one raw envelope, or the reason it must be dead-lettered."""
    if not envelope.partner_code.strip():
        return DeadLetter("missing_field", "envelope partner_code is required")
    if not envelope.HasField("received_at"):
        return DeadLetter("missing_field", "envelope received_at is required")
    event = envelope.event
    received_at = envelope.received_at
    violations = validate_event(event, _instant(received_at.seconds, received_at.nanos))
    if violations:
        message = "; ".join(str(v) for v in violations)
        return DeadLetter(violations[0].code, message, tuple(v.field for v in violations))
    event_id = canonical_event_id_text(envelope.partner_code, event.event_id)
    out = cpb.CanonicalEvent(
        event_id=event_id,
        source_partner=envelope.partner_code,
        source_event_id=event.event_id,
        schema_version=SCHEMA_VERSION,
        trace_id=_trace_id(envelope.trace_id or event.trace_id, event_id),
        partner_role=envelope.partner_role,
        ingress=envelope.ingress,
    )
    out.occurred_at.CopyFrom(event.occurred_at)
    out.received_at.CopyFrom(received_at)
    tokens = envelope.pii_tokens
    try:
        kind = event.WhichOneof("body")
        mapped: Mapped
        if kind == "order":
            body_order, mapped = order_update(event.order, tokens)
            out.order.CopyFrom(body_order)
        elif kind == "parcel":
            body_parcel, mapped = parcel_update(event.parcel)
            out.parcel.CopyFrom(body_parcel)
        else:
            body_customs, mapped = customs_update(event.customs, tokens)
            out.customs.CopyFrom(body_customs)
    except UntokenisedField as exc:
        return DeadLetter("pii_not_tokenised", str(exc))
    code_system, raw_code = mapped.code_system, mapped.raw_code
    if not mapped.mapped:  # codes of the tables are known; an unknown one is partner text
        code_system, raw_code = as_code(code_system), as_code(raw_code)
    out.code_system = code_system
    out.raw_code = raw_code
    out.raw_text = mask_names_in_text(mapped.raw_text)
    out.unmapped_code = not mapped.mapped
    unmapped = None if mapped.mapped else _series(code_system, raw_code)
    return Normalized(out, canonical_business_key(out), unmapped)
