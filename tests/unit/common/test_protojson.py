"""quanhub.common.protojson gives exactly what json_format.MessageToDict gives."""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from quanhub.bench.rows import ledger_rows
from quanhub.bench.workload import Workload
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.protojson import message_to_dict
from quanhub.ingest.v1 import ingest_pb2 as ipb


def _reference(message: Message) -> dict[str, object]:
    return MessageToDict(message, preserving_proto_field_name=True)


def test_every_simulated_canonical_event_converts_as_the_library_does() -> None:
    rows = ledger_rows(Workload(60, seed=5).pool)
    assert {r.kind for r in rows} == {"order", "parcel", "customs"}
    for row in rows:
        event = cpb.CanonicalEvent()
        event.ParseFromString(row.canonical)
        assert message_to_dict(event) == _reference(event)


def test_presence_enums_and_empty_messages() -> None:
    event = cpb.CanonicalEvent(event_id="e", unmapped_code=True)
    event.parcel.SetInParent()  # an empty oneof member is still shown, as {}
    assert (
        message_to_dict(event)
        == _reference(event)
        == {
            "event_id": "e",
            "unmapped_code": True,
            "parcel": {},
        }
    )
    event.parcel.e_waybill = False  # explicit presence: a set False is shown
    event.parcel.status = 99999  # type: ignore[assignment]
    # an enum number this build does not know stays a number
    assert message_to_dict(event) == _reference(event)


def test_a_message_with_fields_it_does_not_special_case_falls_back() -> None:
    envelope = cpb.RawEnvelope(partner_code="SF")
    envelope.pii_tokens["a"] = "b"  # a map field: the library's own conversion is used
    assert message_to_dict(envelope) == _reference(envelope)
    assert message_to_dict(ipb.Event()) == _reference(ipb.Event())


@given(
    seconds=st.integers(min_value=-62135596800, max_value=253402300799),
    nanos=st.integers(min_value=0, max_value=999_999_999),
    weight=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    text=st.text(max_size=20),
)
def test_arbitrary_values(seconds: int, nanos: int, weight: int, text: str) -> None:
    event = cpb.CanonicalEvent(
        raw_text=text, occurred_at=Timestamp(seconds=seconds, nanos=nanos), schema_version=7
    )
    event.parcel.weight_grams = weight
    event.parcel.location = text
    assert message_to_dict(event) == _reference(event)
