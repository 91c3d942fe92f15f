"""The gateway's native fast path for protobuf bodies (`quanhub.gateway.judging` joins its
answers with Python's).

`quanhub_gateway_native` (Rust, services/gateway/native) does for each event of a request
what the route otherwise does with upb messages: decode, check_publish, validate_event,
protect_in_place, EnvelopeWriter, the business key, its murmur2 and the canonical event id,
at a fraction of the cost. It answers only for events it is sure of. The rest, and every
event it would reject, are judged here in Python, which words each rejection; a body it
cannot decode exactly as upb would is left to Python whole.

It states no field of the contract. At start it is handed the schema of the messages it
decodes and encodes (`schema()`, from ingest.proto's descriptors), each field's rules
(`contract.native_table()`, from ingest.proto's options) and the tables and limits the
Python modules define, so a rule changed in ingest.proto is changed on both paths.

`tests/unit/gateway/test_fast_path.py` holds the two paths equal: every event the native
path accepts, Python accepts, with the same envelope bytes, key, partition and id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

import structlog
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from prometheus_client import Counter

from quanhub.common import contract
from quanhub.common.access.model import Principal
from quanhub.common.access.publishing import KIND_OF_ROLE, own_carrier
from quanhub.common.canonical import RECEIPT_MESSAGE_TYPES
from quanhub.common.carriers import CODES
from quanhub.common.formats import VALUES
from quanhub.common.ids import EVENT_NAMESPACE
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.timestamps import MAX_SECONDS, MIN_SECONDS
from quanhub.common.topics import EventKind
from quanhub.common.validation import EARLIEST_US, latest_us
from quanhub.gateway.parsing import BodyLimits
from quanhub.ingest.v1 import ingest_pb2

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
    """The native path, with the hub's tables and this gateway's secret and limits.

    A failure inside it (an exception, or a Rust panic) never fails a request: the body is
    left to Python, the failure counted and logged by its type only (a panic's message can
    quote the text it was reading).
    """

    def __init__(
        self,
        native: quanhub_gateway_native.FastPath,
        limits: BodyLimits,
        *,
        failures: Counter,
        panic: type[BaseException],
    ) -> None:
        self._native = native
        self._limits = limits
        self._failures = failures
        self._panic = panic

    @classmethod
    def load(cls, secret: bytes, limits: BodyLimits, failures: Counter) -> FastPath | None:
        """The fast path, or None (logged) when the native module is missing or cannot serve
        this contract (built from other sources: a field its cross-field rules read, or a
        format, kind or field type it does not know)."""
        try:
            import quanhub_gateway_native as native
        except ImportError:
            log.warning("native_fast_path_unavailable", hint="make install builds it (Rust)")
            return None
        try:
            fast = native.FastPath(**tables(limits), secret=secret, namespace=EVENT_NAMESPACE.bytes)
        except ValueError:
            log.error("native_fast_path_stale", hint="rebuild it from this commit")
            return None
        return cls(fast, limits, failures=failures, panic=native.PanicException)

    def tables(self) -> dict[str, object]:
        """The tables and limits the native path holds, as it was handed them (the tests
        compare them with `tables()`)."""
        return self._native.tables()

    def decode(self, body: bytes) -> quanhub_gateway_native.Decoded | None:
        """The request's events decoded, not judged (its len() is what the rate limit
        spends); None: the whole body is Python's (it decodes and judges it)."""
        try:
            return self._native.decode(body, self._limits.max_events, self._limits.max_event_bytes)
        except (Exception, self._panic) as exc:  # noqa: BLE001 - Python takes over
            self._failed("decode", exc)
            return None

    def judge(
        self,
        decoded: quanhub_gateway_native.Decoded,
        principal: Principal,
        received_at: datetime,
        trace_id: str,
        writer: EnvelopeWriter,
    ) -> list[Prepared] | None:
        """Per decoded event, in order, what the native path made of it; None (after a
        failure): Python judges the whole body."""
        kind = KIND_OF_ROLE.get(principal.role)
        try:
            return self._native.judge(
                decoded,
                partner=principal.partner_code,
                kind=None if kind is None else _KIND_NUMBER[kind],
                own_carrier=own_carrier(principal),
                customs_code=principal.customs_code,
                latest_us=latest_us(received_at),
                max_event_bytes=self._limits.max_event_bytes,
                head=writer.head,
                ingress=writer.ingress,
                trace_id=trace_id,
            )
        except (Exception, self._panic) as exc:  # noqa: BLE001 - Python takes over
            self._failed("judge", exc)
            return None

    def _failed(self, step: str, exc: BaseException) -> None:
        self._failures.inc()
        log.error("native_fast_path_failed", step=step, error=type(exc).__name__)


class Tables(TypedDict):
    """What the native path is built from, by the names FastPath takes them."""

    contract: dict[str, Any]
    schema: dict[str, Any]
    kinds: list[str]
    carriers: dict[str, str]
    values: dict[str, frozenset[str]]
    receipts: frozenset[str]
    max_string_chars: int
    earliest_us: int
    min_seconds: int
    max_seconds: int


def tables(limits: BodyLimits) -> Tables:
    """What the native path judges by, taken from the modules that define it: Rust restates
    none of it, so a rule changed in ingest.proto or here is changed there."""
    return {
        "contract": contract.native_table(),
        "schema": schema(),
        "kinds": [kind.value for kind in KINDS],
        "carriers": dict(CODES),
        "values": {form.value: values for form, values in VALUES.items()},
        "receipts": RECEIPT_MESSAGE_TYPES,
        "max_string_chars": limits.max_string_chars,
        "earliest_us": EARLIEST_US,
        "min_seconds": MIN_SECONDS,
        "max_seconds": MAX_SECONDS,
    }


#: What the native path calls each field type (anything else it refuses at start).
_TYPES = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_ENUM: "enum",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_MESSAGE: "message",
}


def schema(root: Descriptor = ingest_pb2.PublishRequest.DESCRIPTOR) -> dict[str, Any]:
    """The messages the native path decodes and encodes, from the descriptors: `root` and
    every message type within it, each field as (number, name, type, repeated, message
    type or "", oneof or "", presence), by message name."""
    messages = []
    for message in _types(root):
        fields = [
            (
                f.number,
                f.name,
                _TYPES.get(f.type, f"type {f.type}"),
                f.is_repeated,
                "" if f.message_type is None else f.message_type.name,
                "" if f.containing_oneof is None else f.containing_oneof.name,
                f.has_presence,
            )
            for f in sorted(message.fields, key=lambda f: f.number)
        ]
        messages.append((message.name, fields))
    names = [name for name, _ in messages]
    if len(set(names)) != len(names):  # the native path knows a type by its short name
        raise ValueError(f"two message types of one name among {names}")
    return {"root": root.name, "messages": messages}


def _types(root: Descriptor) -> Iterator[Descriptor]:
    seen: set[str] = set()
    pending = [root]
    while pending:
        message = pending.pop(0)
        if message.full_name not in seen:
            seen.add(message.full_name)
            yield message
            pending.extend(f.message_type for f in message.fields if f.message_type is not None)
