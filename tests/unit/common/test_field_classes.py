"""Every string field of the ingest contract is classified once (quanhub.common.fields), and
no phone or ID number typed into a field that is not personal, an identifier or a closed
format reaches the raw-topic envelope in clear."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common import fields, pii
from quanhub.common.fields import FieldClass
from quanhub.ingest.v1 import ingest_pb2

SECRET = b"unit-test-secret"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _string_fields() -> set[tuple[str, str]]:
    return {(fields.message_of(f), f.name) for f in fields.string_fields()}


def test_every_string_field_of_an_event_is_classified_once() -> None:
    """Walks the descriptors, so a string field added to ingest.proto fails here until its
    `field_class` option is set (until then it is scrubbed as free text)."""
    declared = {
        (message, name)
        for message, names in fields.CLASSES.items()
        for name, kind in names.items()
        if kind is not FieldClass.NONE
    }
    assert _string_fields() - declared == set(), "unclassified string fields"
    assert declared - _string_fields() == set(), "classified fields ingest.proto has not"


def test_the_personal_fields_are_pii_s_party_fields() -> None:
    personal = {
        (message, name)
        for message, names in fields.CLASSES.items()
        for name, kind in names.items()
        if kind is FieldClass.PERSONAL
    }
    party_types = {"buyer": "Person", "payer": "Person", "consignee": "Consignee"}
    planned = {
        (party_types[party], f)
        for parties in pii._PARTY_PLAN.values()
        for party, plan in parties
        for f, *_ in plan
    }
    for body in ("order", "customs"):  # the party fields' message types, as the proto says
        descriptor = ingest_pb2.Event.DESCRIPTOR.fields_by_name[body].message_type
        assert descriptor is not None
        for party, name in party_types.items():
            party_type = descriptor.fields_by_name[party].message_type
            assert party_type is not None
            assert party_type.name == name
    assert personal == planned


def test_the_free_text_fields_are_every_field_of_that_class() -> None:
    expected = {
        (message, name)
        for message, names in fields.CLASSES.items()
        for name, kind in names.items()
        if kind is FieldClass.FREE_TEXT
    }
    handed = {(message, name) for message, names in fields.free_text().items() for name in names}
    assert handed == expected
    assert ("ParcelEvent", "vehicle_no") in handed
    assert ("GoodsLine", "origin_country") in handed


#: Numbers as people type them, with the digits that must not survive in clear.
_NUMBERS = [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("370102199001011234", "370102199001011234"),
    ("ID370102 19900101 123X", "37010219900101123"),
    ("\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "13812345678"),
    ("0531-88881234", "053188881234"),
]


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdecimal())


def _event(body: str) -> ingest_pb2.Event:
    event = ingest_pb2.Event(event_id="e-1", trace_id="")
    event.occurred_at.FromDatetime(NOW)
    message = getattr(event, body)
    message.SetInParent()
    if body != "parcel":
        message.lines.add(gnum=1)
        message.buyer.name = "张三"
        message.consignee.district_code = "370102"
    return event


def _free_text_paths() -> list[tuple[str, ...]]:
    """Every free-text field's path under each body (goods lines' under theirs)."""
    paths: list[tuple[str, ...]] = []
    for body in ("order", "parcel", "customs"):
        descriptor = ingest_pb2.Event.DESCRIPTOR.fields_by_name[body].message_type
        assert descriptor is not None
        for name in fields.free_text().get(descriptor.name, ()):
            paths.append((body, name))
        if "lines" in descriptor.fields_by_name:
            for name in fields.free_text()["GoodsLine"]:
                paths.append((body, "lines", name))
    return paths


def _set(event: ingest_pb2.Event, path: tuple[str, ...], value: str) -> None:
    message = getattr(event, path[0])
    if path[1] == "lines":
        message = message.lines[0]
    setattr(message, path[-1], value)


def _value(event: ingest_pb2.Event, path: tuple[str, ...]) -> str:
    message = getattr(event, path[0])
    if path[1] == "lines":
        message = message.lines[0]
    value: str = getattr(message, path[-1])
    return value


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(_free_text_paths()),
    number=st.sampled_from(_NUMBERS),
    before=st.sampled_from(["", "电话", "tel:", "联系 ", "A"]),
    after=st.sampled_from(["", "号", " 收", "X"]),
)
def test_no_free_text_field_carries_a_number_into_the_envelope(
    path: tuple[str, ...], number: tuple[str, str], before: str, after: str
) -> None:
    """Both ways a raw envelope is made (protect_event; protect_in_place + EnvelopeWriter,
    the gateway's route): the number is masked in every free-text field, short ones such as
    vehicle_no, unit, origin_country, statistics_flag and codes included."""
    spelled, clear = number
    event = _event(path[0])
    _set(event, path, f"{before}{spelled}{after}")
    envelope = pii.protect_event(event, "P", "platform", NOW, "t", "https", SECRET)
    assert clear not in _digits(_value(envelope.event, path))
    writer = pii.EnvelopeWriter("P", "platform", NOW, "https")
    tokens = pii.protect_in_place(event, SECRET)
    written = canonical_pb2.RawEnvelope.FromString(
        writer.envelope(event.SerializeToString(), "t", tokens)
    )
    assert clear not in _digits(_value(written.event, path))
    assert written == envelope


def test_identifiers_and_closed_formats_are_kept_as_sent() -> None:
    event = _event("customs")
    event.customs.cop_no = "C2026120400001234"
    event.customs.return_time = "20261204103015123"
    event.customs.lines[0].hs_code = "3304990099"
    kept = ingest_pb2.Event()
    kept.CopyFrom(event)
    pii.protect_in_place(event, SECRET)
    assert event.customs.cop_no == kept.customs.cop_no
    assert event.customs.return_time == kept.customs.return_time
    assert event.customs.lines[0].hs_code == kept.customs.lines[0].hs_code


def test_scrubbed_copies_only_when_it_masks() -> None:
    event = _event("parcel")
    event.parcel.vehicle_no = "鲁A12345"
    assert fields.scrubbed(event.parcel) is event.parcel
    event.parcel.vehicle_no = "司机13812345678"
    copy = fields.scrubbed(event.parcel)
    assert copy is not event.parcel
    assert copy.vehicle_no == "司机138****5678"
    assert event.parcel.vehicle_no == "司机13812345678"
