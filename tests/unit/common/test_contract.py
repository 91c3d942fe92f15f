"""The contract's options read from ingest.proto (quanhub.common.contract)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quanhub.common import contract, pii, validation
from quanhub.common.contract import FieldClass, Format, PersonalKind
from quanhub.ingest.v1 import ingest_pb2
from quanhub.options.v1 import options_pb2


def _all_rules() -> list[contract.Rule]:
    return [rule for fields in contract.rules().values() for rule in fields]


def test_every_message_type_of_an_event_has_its_rules() -> None:
    assert set(contract.rules()) == {
        "Event",
        "Person",
        "Consignee",
        "GoodsLine",
        "OrderEvent",
        "ParcelEvent",
        "CustomsEvent",
    }
    parcel = ingest_pb2.ParcelEvent.DESCRIPTOR
    assert [r.number for r in contract.rules()["ParcelEvent"]] == sorted(
        f.number for f in parcel.fields
    )


def test_every_proto_enum_value_has_a_member() -> None:
    """A value added to options.proto without a Python member fails at import; this names
    the pairing so a removed member fails here too."""
    for enum, ours in (
        (options_pb2.Format.DESCRIPTOR, Format),
        (options_pb2.FieldClass.DESCRIPTOR, FieldClass),
        (options_pb2.PersonalKind.DESCRIPTOR, PersonalKind),
        (options_pb2.Normalize.DESCRIPTOR, contract.Normalize),
    ):
        assert len(enum.values) == len(ours)


def test_personal_kind_and_class_agree() -> None:
    for rule in _all_rules():
        personal = rule.personal is not PersonalKind.NONE
        assert personal == (rule.field_class is FieldClass.PERSONAL), rule
        assert rule.personal.value in {k.value for k in pii.PiiKind} | {""}


def test_only_strings_have_string_rules() -> None:
    for rule in _all_rules():
        if not rule.is_string:
            assert rule.field_class is FieldClass.NONE, rule
            assert rule.format is Format.NONE, rule
            assert rule.max_length == 0, rule


def test_limits_read_from_the_options() -> None:
    assert contract.DEFAULT_MAX_LENGTH == 128
    assert contract.rule("Consignee", "address").max_length == 512
    assert contract.rule("OrderEvent", "waybill_no").max_length == 128
    assert validation.MAX_LINES == contract.rule("CustomsEvent", "lines").max_items == 1000
    assert contract.required_oneofs() == {"Event": ("body",)}


def test_a_changed_option_changes_what_the_validator_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validator interprets the rules: a limit changed in the table is the one applied."""
    event = ingest_pb2.Event(event_id="e-1")
    event.occurred_at.FromDatetime(datetime(2026, 12, 4, tzinfo=UTC))
    event.parcel.carrier_code, event.parcel.waybill_no = "SF", "SF1234567890"
    event.parcel.code_system, event.parcel.code = "kuaidi100", "0"
    event.parcel.location = "x" * 200
    now = datetime(2026, 12, 4, 1, tzinfo=UTC)
    assert validation.validate_event(event, now) == []
    limits = dict(validation._LIMITS)
    limits["ParcelEvent", "location"] = 100
    monkeypatch.setattr(validation, "_LIMITS", limits)
    monkeypatch.setattr(validation, "_MIN_MAX_LEN", 100)
    validation.forget_plans()
    try:
        (violation,) = validation.validate_event(event, now)
    finally:
        monkeypatch.undo()
        validation.forget_plans()
    assert (violation.code, violation.field) == ("too_long", "parcel.location")


def test_the_native_table_is_plain_data() -> None:
    table = contract.native_table()
    waybill = table["messages"]["ParcelEvent"][2]
    assert waybill == {
        "name": "waybill_no",
        "required": True,
        "normalize": "strip",
        "format": "waybill",
        "max_length": 128,
        "class": "identifier",
        "personal": "",
        "non_negative": False,
        "max_items": 0,
    }
    assert table["required_oneofs"] == {"Event": ["body"]}
