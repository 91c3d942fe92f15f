"""Unknown protobuf fields never travel: a partner-topic event is reduced to the fields the
hub knows before anything else, at every message path the descriptors have.

The paths and the unknown fields are generated from the descriptors (every nested message,
well-known types such as Timestamp, every repeated and map field), not listed by hand, so a
field added to the schema is covered without editing this test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping.normalize import decode_envelope
from quanhub.normalizer.routing import Output, route
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = Topics(KafkaSettings(topic_namespace="unit"))
SOURCES = Sources(TOPICS, b"s" * 32, partner_topics=True)

#: Clear personal data an attacker hides in unknown fields (never the base event's own).
CLEAR_ID, CLEAR_NAME, CLEAR_PHONE = "110101198001011234", "欧阳小明", "13987654321"
CLEAR = [CLEAR_ID.encode(), CLEAR_NAME.encode(), CLEAR_PHONE.encode()]
PAYLOAD = f"id={CLEAR_ID} name={CLEAR_NAME} tel={CLEAR_PHONE}".encode()

#: The owner of each event kind's partner topic.
OWNERS = {
    "order": Principal("TMALL", Role.PLATFORM, "Tmall"),
    "parcel": Principal("ZTO", Role.CARRIER, "ZTO Express"),
    "customs": Principal("AGENTJN", Role.CUSTOMS_AGENT, "Agent Jinan", customs_code="3701980001"),
}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _tag(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


def _delimited(number: int, payload: bytes) -> bytes:
    return _tag(number, 2) + _varint(len(payload)) + payload


def unknown_fields(descriptor: Descriptor) -> dict[str, bytes]:
    """Wire-format fields `descriptor` does not know, each carrying PAYLOAD: a new number
    (bytes, a nested message, a group), the largest legal number, and a known number with
    a wire type it does not have (the parser keeps those as unknown too)."""
    free = max((f.number for f in descriptor.fields), default=0) + 1
    found = {
        "new_number": _delimited(free, PAYLOAD),
        "nested_message": _delimited(free + 1, _delimited(1, PAYLOAD)),
        "group": _tag(free + 2, 3) + _delimited(1, PAYLOAD) + _tag(free + 2, 4),
        "largest_number": _delimited((1 << 29) - 1, PAYLOAD),
    }
    for field in descriptor.fields:
        if field.type not in {field.TYPE_STRING, field.TYPE_BYTES, field.TYPE_MESSAGE}:
            found["known_number_wrong_wire_type"] = _delimited(field.number, PAYLOAD)
            break
    return found


Path = tuple[FieldDescriptor, ...]


def message_paths(descriptor: Descriptor, prefix: Path = ()) -> Iterator[Path]:
    """Every message reachable from `descriptor` (itself first), as the fields leading to it;
    a map field's entry counts as a message of its own."""
    yield prefix
    for field in descriptor.fields:
        if field.message_type is not None and field not in prefix:
            yield from message_paths(field.message_type, (*prefix, field))


def _entry(field: FieldDescriptor) -> Descriptor | None:
    """The entry message of a map field, or None for any other field."""
    entry = field.message_type
    return entry if entry is not None and entry.GetOptions().map_entry else None


def _target(path: Path, root: Descriptor) -> Descriptor:
    """The message type at the end of `path`."""
    found = path[-1].message_type if path else root
    assert found is not None
    return found


def inject(message: Message, path: Path, unknown: bytes) -> None:
    """Put `unknown` inside the message at `path`, creating what is missing on the way
    (the first element of a repeated field; the entry "k" (or 1) of a map)."""
    fields = list(path)
    while fields:
        field = fields.pop(0)
        entry = _entry(field)
        if entry is not None:
            string_key = entry.fields_by_name["key"].type == FieldDescriptor.TYPE_STRING
            if not fields:  # the entry itself: written on the wire, key and all
                key = _delimited(1, b"k") if string_key else _tag(1, 0) + b"\x01"
                message.MergeFromString(_delimited(field.number, key + unknown))
                return
            fields.pop(0)  # the entry's value field: the map's item
            message = getattr(message, field.name)["k" if string_key else 1]
        elif field.is_repeated:
            items = getattr(message, field.name)
            message = items[0] if len(items) else items.add()
        else:
            message = getattr(message, field.name)
    message.MergeFromString(unknown)


def _person(name: str) -> ipb.Person:
    return ipb.Person(id_number="370102199001011234", name=name, telephone="13812345678")


def _consignee() -> ipb.Consignee:
    return ipb.Consignee(
        name="张三",
        telephone="13812345678",
        address="山东省济南市历下区泉城路1号",
        district_code="370102",
    )


def _line() -> ipb.GoodsLine:
    return ipb.GoodsLine(
        gnum=1,
        item_no="SKU1",
        item_name="奶粉",
        hs_code="0402290000",
        quantity=2,
        unit="罐",
        unit_price="100.00",
        total_price="200.00",
        origin_country="AUS",
    )


def base_event(kind: str) -> ipb.Event:
    """A valid event of `kind` with every message field present."""
    event = ipb.Event(event_id=f"{kind}-1", trace_id="t-1")
    event.occurred_at.FromDatetime(NOW)
    if kind == "order":
        event.order.CopyFrom(
            ipb.OrderEvent(
                platform_code="TMALL",
                order_no="T1",
                code_system="taobao",
                code="TRADE_FINISHED",
                buyer=_person("张三"),
                payer=_person("张三"),
                consignee=_consignee(),
                lines=[_line()],
                currency="CNY",
                goods_value="200.00",
            )
        )
    elif kind == "parcel":
        event.parcel.CopyFrom(
            ipb.ParcelEvent(
                carrier_code="ZTO", waybill_no="ZT1234567890", code_system="kuaidi100", code="0"
            )
        )
    else:
        event.customs.CopyFrom(
            ipb.CustomsEvent(
                message_type="CEB311",
                trade_mode="1210",
                ie_flag="I",
                order_no="T1",
                ebp_code="3701960001",
                ebc_code="3701960001",
                agent_code="3701980001",
                buyer=_person("张三"),
                payer=_person("张三"),
                consignee=_consignee(),
                lines=[_line()],
                currency="CNY",
                goods_value="200.00",
            )
        )
    return event


@dataclass
class Record:
    value: bytes | None
    topic: str
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = 0
    offset: int = 3
    timestamp: int = 0
    timestamp_type: int = 0


def _kind_paths(kind: str) -> list[Path]:
    """The message paths of an Event of `kind` (not into the other bodies of the oneof)."""
    others = {"order", "parcel", "customs"} - {kind}
    return [p for p in message_paths(ipb.Event.DESCRIPTOR) if not p or p[0].name not in others]


def _cases() -> Iterator[tuple[str, Path, str, bytes]]:
    for kind in ("order", "parcel", "customs"):
        for path in _kind_paths(kind):
            for name, unknown in unknown_fields(_target(path, ipb.Event.DESCRIPTOR)).items():
                yield kind, path, name, unknown


CASES = list(_cases())


def _id(case: tuple[str, Path, str, bytes]) -> str:
    kind, path, name, _ = case
    return f"{kind}:{'.'.join(f.name for f in path) or 'event'}:{name}"


#: How the event leaves: as a canonical event, or dead-lettered for each reason a partner
#: record can be (invalid, refused by the publishing rules, no enabled owner).
FATES = ("canonical", "invalid", "refused", "unknown_owner")


def _route(kind: str, event: ipb.Event, fate: str) -> Output:
    owner = OWNERS[kind]
    owners: dict[str, Principal | None] = {owner.partner_code: owner}
    if fate == "invalid":
        event.event_id = ""
    elif fate == "refused":
        refused = OWNERS["order" if kind != "order" else "parcel"]
        owners = {owner.partner_code: refused}
    elif fate == "unknown_owner":
        owners = {owner.partner_code: None}
    # The record's key and headers are the partner's too: clear data there must not travel.
    record = Record(
        event.SerializeToString(),
        TOPICS.partner(owner.partner_code),
        key=PAYLOAD,
        headers=(("first_seen", PAYLOAD), ("partner", PAYLOAD)),
    )
    return route(record, SOURCES, TOPICS, NOW, owners)


def _assert_clean(out: Output) -> None:
    produced = b"".join([out.key or b"", out.value, *(k.encode() + v for k, v in out.headers)])
    for clear in CLEAR:
        assert clear not in produced


def test_the_generator_reaches_every_kind_and_nesting_level() -> None:
    names = {_id(c).rsplit(":", 1)[0] for c in CASES}
    assert {"order:event", "order:occurred_at", "order:order.buyer", "order:order.lines"} <= names
    assert {"customs:customs.payer", "customs:customs.consignee", "parcel:parcel"} <= names
    for kind in OWNERS:  # the bases are valid, so the canonical path is really taken
        assert _route(kind, base_event(kind), "canonical").topic == TOPICS.canonical


@pytest.mark.parametrize("fate", FATES)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_an_unknown_field_never_leaves_the_normalizer(
    case: tuple[str, Path, str, bytes], fate: str
) -> None:
    kind, path, _, unknown = case
    event = base_event(kind)
    inject(event, path, unknown)
    assert PAYLOAD in event.SerializeToString()  # the attack is really in the input
    out = _route(kind, event, fate)
    assert out.topic == (TOPICS.canonical if fate == "canonical" else TOPICS.dlq)
    _assert_clean(out)


@pytest.mark.parametrize(
    "path",
    list(message_paths(cpb.RawEnvelope.DESCRIPTOR)),
    ids=lambda p: ".".join(f.name for f in p),
)
def test_a_raw_envelope_is_reduced_to_known_fields_too(path: Path) -> None:
    # Raw topics are the gateway's (it drops unknown fields), but the canonical form is
    # built from known fields only whoever wrote the record.
    envelope = cpb.RawEnvelope(partner_code="ZTO", partner_role="carrier", ingress="gateway")
    envelope.received_at.FromDatetime(NOW)
    envelope.event.CopyFrom(base_event("parcel"))
    envelope.pii_tokens["order.buyer.name"] = "t1:x"
    for unknown in unknown_fields(_target(path, cpb.RawEnvelope.DESCRIPTOR)).values():
        inject(envelope, path, unknown)
    assert PAYLOAD in envelope.SerializeToString()
    decoded = decode_envelope(envelope.SerializeToString())
    assert isinstance(decoded, cpb.RawEnvelope)
    assert PAYLOAD not in decoded.SerializeToString()
    out = route(Record(envelope.SerializeToString(), TOPICS.raw_topics[1]), SOURCES, TOPICS, NOW)
    _assert_clean(out)


def test_a_json_event_on_a_partner_topic_is_refused_whole() -> None:
    # Partner topics carry binary protobuf only: a JSON body (unknown keys and all) is
    # undecodable and its bytes are withheld, never parsed leniently.
    body = json.dumps(
        {
            "eventId": "j-1",
            "order": {"platformCode": "TMALL", "orderNo": "T1", "buyer": {"x": PAYLOAD.decode()}},
            "unknownKey": PAYLOAD.decode(),
        },
        ensure_ascii=False,
    ).encode()
    record = Record(body, TOPICS.partner("TMALL"), key=PAYLOAD)
    out = route(record, SOURCES, TOPICS, NOW, {"TMALL": OWNERS["order"]})
    assert (out.topic, out.error_code, out.value) == (TOPICS.dlq, "undecodable", b"")
    _assert_clean(out)
