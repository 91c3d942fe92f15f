"""The gateway's native fast path for protobuf bodies, and how its answers join Python's.

`quanhub_gateway_native` (Rust, services/gateway/native) does for each event of a request
what the route otherwise does with upb messages: decode, check_publish, validate_event,
protect_in_place, EnvelopeWriter, the business key, its murmur2 and the canonical event id,
at a fraction of the cost. It answers only for events it is sure of. The rest, and every
event it would reject, are judged here in Python, which words each rejection; a body it
cannot decode exactly as upb would is left to Python whole. The tables and limits it
judges by are handed to it from the Python modules at start, so there is one copy of each.

`tests/unit/gateway/test_fast_path.py` holds the two paths equal: every event the native
path accepts, Python accepts, with the same envelope bytes, key, partition and id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

from quanhub.common.access.model import Principal
from quanhub.common.access.publishing import KIND_OF_ROLE, carrier_of
from quanhub.common.canonical import RECEIPT_MESSAGE_TYPES
from quanhub.common.carriers import CODES
from quanhub.common.ids import EVENT_NAMESPACE
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.timestamps import MAX_SECONDS, MIN_SECONDS
from quanhub.common.topics import EventKind, Topics
from quanhub.common.validation import (
    DEFAULT_MAX_LEN,
    EARLIEST_US,
    KNOWN_TRADE_MODES,
    MAX_LEN,
    latest_us,
)
from quanhub.gateway.admission import Admission
from quanhub.gateway.parsing import BodyLimits
from quanhub.gateway.publisher import Record

if TYPE_CHECKING:
    import quanhub_gateway_native

log = structlog.get_logger(__name__)

#: The native path's kinds, by the number it gives them.
KINDS = (EventKind.ORDER, EventKind.PARCEL, EventKind.CUSTOMS)
_KIND_NUMBER = {kind.value: number for number, kind in enumerate(KINDS)}

#: One event the native path prepared: (kind number, key, key's murmur2, envelope,
#: event id, trace id), or None for an event Python must judge.
Prepared = tuple[int, bytes, int, bytes, bytes, bytes] | None


class FastPath:
    """The native path, with the hub's tables and this gateway's secret and limits."""

    def __init__(self, native: quanhub_gateway_native.FastPath, limits: BodyLimits) -> None:
        self._native = native
        self._limits = limits

    @classmethod
    def load(cls, secret: bytes, limits: BodyLimits) -> FastPath | None:
        """The fast path, or None (logged) when the native module is not installed."""
        try:
            import quanhub_gateway_native as native
        except ImportError:
            log.warning("native_fast_path_unavailable", hint="make install builds it (Rust)")
            return None
        fast = native.FastPath(
            carriers=dict(CODES),
            trade_modes=KNOWN_TRADE_MODES,
            receipts=RECEIPT_MESSAGE_TYPES,
            max_len=dict(MAX_LEN),
            default_max_len=DEFAULT_MAX_LEN,
            max_string_chars=limits.max_string_chars,
            earliest_us=EARLIEST_US,
            min_seconds=MIN_SECONDS,
            max_seconds=MAX_SECONDS,
            secret=secret,
            namespace=EVENT_NAMESPACE.bytes,
        )
        return cls(fast, limits)

    def prepare(
        self,
        body: bytes,
        principal: Principal,
        received_at: datetime,
        trace_id: str,
        writer: EnvelopeWriter,
    ) -> list[Prepared] | None:
        """Per event of the request, what the native path made of it; None when the whole
        body is Python's (it decodes and judges it as without a fast path)."""
        kind = KIND_OF_ROLE.get(principal.role)
        return self._native.prepare(
            body,
            partner=principal.partner_code,
            kind=None if kind is None else _KIND_NUMBER[kind],
            own_carrier=carrier_of(principal.partner_code),
            customs_code=principal.customs_code,
            latest_us=latest_us(received_at),
            max_events=self._limits.max_events,
            max_event_bytes=self._limits.max_event_bytes,
            head=writer.head,
            ingress=writer.ingress,
            trace_id=trace_id,
        )


def merge(
    prepared: Sequence[Prepared],
    judged: Admission,
    judged_records: Sequence[Record],
    topics: Topics,
    partner: str,
) -> list[Record]:
    """Every accepted event's record in request order (one key's events keep theirs): the
    native path's, and those of the events Python judged and accepted."""
    python = {
        index: record for (index, _), record in zip(judged.accepted, judged_records, strict=True)
    }
    topic_of = [topics.raw(kind) for kind in KINDS]
    partner_header = ("partner", partner.encode())
    records: list[Record] = []
    for index, item in enumerate(prepared):
        if item is None:
            record = python.get(index)
            if record is not None:
                records.append(record)
            continue
        kind, key, key_hash, value, event_id, trace = item
        headers = [partner_header, ("event_id", event_id), ("trace_id", trace)]
        records.append(Record(topic_of[kind], key, value, headers, key_hash))
    return records
