"""Personal data put where no personal field is (any string field, the trace id, the code)
never leaves the normalizer in clear: not in a rejection message, a dead letter's headers,
a log line, a metric label, the canonical event's trace id or its raw code.

Every string field of every kind is generated from the descriptors, so a field added to the
schema is covered without editing this test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from test_unknown_fields import OWNERS, SOURCES, TOPICS, Record, base_event

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal
from quanhub.common.pii import protect_event
from quanhub.common.traceids import is_safe_trace_id
from quanhub.common.validation import validate_event
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.routing import Output, route
from quanhub.normalizer.service import Normalizer

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ID, PHONE, NAME = "370102199001011234", "13812345678", "欧阳小明"
CLEAR = [ID, PHONE, NAME, "138 1234 5678"]
#: Values a partner might put in any string field (each quotes personal data).
VALUES = [f"{ID}", f"{NAME} {PHONE}", f"x{ID}\x00", f"{PHONE}-" + "9" * 300, "138 1234 5678"]


def _strings(
    descriptor: Descriptor, prefix: tuple[FieldDescriptor, ...] = ()
) -> Iterator[tuple[FieldDescriptor, ...]]:
    """Every singular string field reachable from `descriptor`, as its field path."""
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated:
            yield (*prefix, field)
        elif field.message_type is not None and field not in prefix:
            yield from _strings(field.message_type, (*prefix, field))


def _paths(kind: str) -> list[tuple[FieldDescriptor, ...]]:
    others = {"order", "parcel", "customs"} - {kind}
    return [p for p in _strings(ipb.Event.DESCRIPTOR) if p[0].name not in others]


def _set(event: Message, path: tuple[FieldDescriptor, ...], value: str) -> None:
    target: Any = event
    for field in path[:-1]:
        target = getattr(target, field.name)
        if field.is_repeated:
            target = target[0] if len(target) else target.add()
    setattr(target, path[-1].name, value)


def _filled(kind: str, value: str) -> ipb.Event:
    """The kind's base event with every string field set to `value`."""
    event: ipb.Event = base_event(kind)
    for path in _paths(kind):
        _set(event, path, value)
    return event


def _texts(out: Output, logs: list[MutableMapping[str, Any]], metrics: NormalizerMetrics) -> str:
    """What an operator or a reader of the DLQ sees besides the (protected) value."""
    samples = [f"{s.labels}" for metric in metrics.registry.collect() for s in metric.samples]
    headers = [f"{k}={v.decode('utf-8', 'replace')}" for k, v in out.headers]
    parts = [out.error_message, *headers, json.dumps(logs, ensure_ascii=False), *samples]
    return "\n".join(parts)


def _account(out: Output) -> tuple[list[MutableMapping[str, Any]], NormalizerMetrics]:
    metrics = NormalizerMetrics()
    fake: Any = SimpleNamespace(_metrics=metrics)
    with structlog.testing.capture_logs() as logs:
        Normalizer._account(fake, [out])
    return logs, metrics


def _partner_record(kind: str, event: ipb.Event) -> Output:
    owner = OWNERS[kind]
    record = Record(event.SerializeToString(), TOPICS.partner(owner.partner_code))
    owners: dict[str, Principal | None] = {owner.partner_code: owner}
    return route(record, SOURCES, TOPICS, NOW, owners)


def _raw_record(kind: str, event: ipb.Event, trace: str = "") -> Output:
    owner = OWNERS[kind]
    envelope = protect_event(
        event, owner.partner_code, owner.role.value, NOW, trace, "gateway", b"s" * 32
    )
    record = Record(envelope.SerializeToString(), f"{TOPICS.ns}.raw.{kind}.v1")
    return route(record, SOURCES, TOPICS, NOW, {})


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("kind", ["order", "parcel", "customs"])
def test_no_rejection_message_quotes_a_value(kind: str, value: str) -> None:
    violations = validate_event(_filled(kind, value), NOW)
    assert violations, "the filled event is invalid"
    for violation in violations:
        for clear in CLEAR:
            assert clear not in violation.message, violation


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("kind", ["order", "parcel", "customs"])
@pytest.mark.parametrize("topic", ["partner", "raw"])
def test_dead_letters_logs_and_metrics_quote_no_value(kind: str, value: str, topic: str) -> None:
    event = _filled(kind, value)
    out = _partner_record(kind, event) if topic == "partner" else _raw_record(kind, event)
    assert out.topic == TOPICS.dlq
    logs, metrics = _account(out)
    seen = _texts(out, logs, metrics)
    for clear in CLEAR:
        assert clear not in seen


@pytest.mark.parametrize("trace", [ID, PHONE, NAME, f"t-{PHONE}", f"{ID}00000000000000"])
@pytest.mark.parametrize("kind", ["order", "parcel", "customs"])
def test_an_unsafe_trace_id_never_reaches_the_canonical_event(kind: str, trace: str) -> None:
    event = base_event(kind)
    event.trace_id = trace
    partner = _partner_record(kind, event)
    raw = _raw_record(kind, event, trace)  # as a gateway before the trace id rule wrote it
    for out in (partner, raw):
        assert out.topic == TOPICS.canonical
        canonical = cpb.CanonicalEvent.FromString(out.value)
        assert canonical.trace_id
        assert is_safe_trace_id(canonical.trace_id) or canonical.trace_id != trace
        assert trace.encode() not in out.value
    # Deterministic: a redelivery gets the same trace id.
    again = _raw_record(kind, event, trace)
    assert again.value == raw.value
    # A dead-lettered partner record keeps no trace of it either (its value is the
    # protected envelope).
    event.event_id = ""
    dead = _partner_record(kind, event)
    assert dead.topic == TOPICS.dlq
    assert trace.encode() not in dead.value


def test_a_safe_trace_id_is_kept() -> None:
    event = base_event("parcel")
    event.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    out = _partner_record("parcel", event)
    assert cpb.CanonicalEvent.FromString(out.value).trace_id == event.trace_id


@pytest.mark.parametrize("code", [ID, PHONE, NAME, f"签收人{NAME}", "138 1234 5678", "a" * 40])
@pytest.mark.parametrize("system", ["kuaidi100", "unknown-system"])
def test_an_unknown_code_quoting_personal_data_is_withheld(code: str, system: str) -> None:
    event = base_event("parcel")
    event.parcel.code, event.parcel.code_system = code, system
    out = _partner_record("parcel", event)
    assert out.topic == TOPICS.canonical
    canonical = cpb.CanonicalEvent.FromString(out.value)
    assert canonical.unmapped_code
    assert code not in canonical.raw_code
    logs, metrics = _account(out)
    seen = _texts(out, logs, metrics)
    assert code not in seen
    for clear in CLEAR:
        assert clear not in canonical.raw_code


@pytest.mark.parametrize("code", ["GOT", "-301010", "UNKNOWN_CODE", "99"])
def test_an_unknown_code_that_reads_as_a_code_is_kept(code: str) -> None:
    event = base_event("parcel")
    event.parcel.code = code
    out = _partner_record("parcel", event)
    canonical = cpb.CanonicalEvent.FromString(out.value)
    assert (canonical.unmapped_code, canonical.raw_code) == (True, code)


@pytest.mark.parametrize("topic", ["partner", "raw"])
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("parcel", "carrier_code"), f"x{PHONE}"),
        (("parcel", "carrier_code"), NAME),
        (("parcel", "waybill_no"), f"SF {ID}"),
        (("parcel", "district_code"), PHONE),
        (("parcel", "description"), f"{NAME}{ID}" + "x" * 1024),
        (("trace_id",), f"{ID}" + "x" * 200),
    ],
)
def test_a_value_that_broke_a_rule_is_withheld_from_the_dead_letter(
    topic: str, path: tuple[str, ...], value: str
) -> None:
    event = base_event("parcel")
    target: Any = event
    for name in path[:-1]:
        target = getattr(target, name)
    setattr(target, path[-1], value)
    out = _partner_record("parcel", event) if topic == "partner" else _raw_record("parcel", event)
    # A partner topic's unsafe trace id is dropped before validation: the event is valid.
    assert out.topic == TOPICS.dlq or (topic, path) == ("partner", ("trace_id",))
    for clear in [*CLEAR, value]:
        assert clear.encode() not in out.value
        assert clear.encode() not in (out.key or b"")
    if out.topic == TOPICS.canonical:
        return
    envelope = cpb.RawEnvelope.FromString(out.value)
    assert envelope.event.parcel.waybill_no or path[-1] == "waybill_no"


def test_an_unknown_carrier_that_reads_as_a_code_is_kept_for_replay() -> None:
    """A raw-topic event the gateway accepted under newer carrier tables, say."""
    event = base_event("parcel")
    event.parcel.carrier_code = "newcarrier"
    out = _raw_record("parcel", event)
    assert out.error_code == "unknown_carrier"
    assert cpb.RawEnvelope.FromString(out.value).event.parcel.carrier_code == "newcarrier"


@pytest.mark.parametrize("system", ["zhangsan", f"x{PHONE}", NAME])
def test_an_unknown_code_system_names_no_metric_series(system: str) -> None:
    """Metric labels take closed vocabularies only: an unknown system is "(other)"."""
    event = base_event("parcel")
    event.parcel.code_system, event.parcel.code = system, "LEVITATING"
    out = _partner_record("parcel", event)
    assert out.unmapped == ("(other)", "(other)")
    _, metrics = _account(out)
    labels = [s.labels for m in metrics.registry.collect() for s in m.samples if s.labels]
    assert all(system not in str(label) for label in labels)
    assert all("LEVITATING" not in str(label) for label in labels)


#: Short texts that are no identifiers, by kind, as (path in the event, path in the body).
_SHORT_TEXTS: dict[str, list[tuple[str, ...]]] = {
    "order": [("lines", "unit"), ("lines", "origin_country")],
    "parcel": [("vehicle_no",)],
    "customs": [("lines", "unit"), ("lines", "origin_country"), ("statistics_flag",)],
}


@pytest.mark.parametrize("value", [ID, PHONE, "138 1234 5678", f"鲁A{PHONE}"])
@pytest.mark.parametrize("kind", ["order", "parcel", "customs"])
def test_short_texts_quoting_numbers_are_masked_in_the_canonical_event(
    kind: str, value: str
) -> None:
    event = base_event(kind)
    body = getattr(event, kind)
    for path in _SHORT_TEXTS[kind]:
        target: Any = body
        for name in path[:-1]:
            target = getattr(target, name)[0]
        setattr(target, path[-1], value)
    out = _partner_record(kind, event)
    assert out.topic == TOPICS.canonical
    canonical = cpb.CanonicalEvent.FromString(out.value)
    for clear in [*CLEAR, value]:
        assert clear.encode() not in out.value
    assert getattr(canonical, kind).ListFields()


def test_short_texts_as_meant_are_kept() -> None:
    event = base_event("parcel")
    event.parcel.vehicle_no = "鲁A12345"
    out = _partner_record("parcel", event)
    assert cpb.CanonicalEvent.FromString(out.value).parcel.vehicle_no == "鲁A12345"
