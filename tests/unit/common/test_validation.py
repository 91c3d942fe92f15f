"""Event validation: what the gateway rejects and the normalizer dead-letters, by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.common import contract
from quanhub.common.validation import parse_return_time, validate_event
from quanhub.ingest.v1 import ingest_pb2 as ipb

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _event(**body: object) -> ipb.Event:
    event = ipb.Event(event_id="evt-1", **body)  # type: ignore[arg-type]
    event.occurred_at.FromDatetime(NOW - timedelta(minutes=5))
    return event


def _parcel(**fields: object) -> ipb.Event:
    values = {
        "carrier_code": "zhongtong",
        "waybill_no": "ZT7312345678",
        "code_system": "kuaidi100",
        "code": "0",
    } | fields
    return _event(parcel=ipb.ParcelEvent(**values))  # type: ignore[arg-type]


def _codes(event: ipb.Event) -> set[tuple[str, str]]:
    return {(v.code, v.field) for v in validate_event(event, NOW)}


def test_valid_events_have_no_violations() -> None:
    assert validate_event(_parcel(), NOW) == []
    order = _event(
        order=ipb.OrderEvent(
            platform_code="tmall",
            order_no="T1",
            code_system="taobao",
            code="WAIT_BUYER_PAY",
            trade_mode="9610",
            ie_flag="I",
            goods_value="199.00",
            currency="CNY",
        )
    )
    assert validate_event(order, NOW) == []
    receipt = _event(
        customs=ipb.CustomsEvent(
            message_type="CEB622", cop_no="C1", return_status="800", return_time="20261128193000123"
        )
    )
    assert validate_event(receipt, NOW) == []


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_parcel(waybill_no=""), ("missing_field", "parcel.waybill_no")),
        (_parcel(waybill_no="12 34"), ("invalid_format", "parcel.waybill_no")),
        (_parcel(waybill_no="123"), ("invalid_format", "parcel.waybill_no")),
        (_parcel(carrier_code="nobody"), ("unknown_carrier", "parcel.carrier_code")),
        (_parcel(code=""), ("missing_field", "parcel.code")),
        (_parcel(district_code="3701"), ("invalid_format", "parcel.district_code")),
        (_parcel(description="x" * 2000), ("too_long", "parcel.description")),
        (_event(), ("missing_field", "body")),
        (
            _event(
                order=ipb.OrderEvent(
                    platform_code="p",
                    order_no="o",
                    code_system="taobao",
                    code="X",
                    trade_mode="96100",
                )
            ),
            ("invalid_format", "order.trade_mode"),
        ),
        (
            _event(
                order=ipb.OrderEvent(
                    platform_code="p", order_no="o", code_system="taobao", code="X", ie_flag="X"
                )
            ),
            ("invalid_format", "order.ie_flag"),
        ),
        (
            _event(
                order=ipb.OrderEvent(
                    platform_code="p",
                    order_no="o",
                    code_system="taobao",
                    code="X",
                    actual_paid="1,99",
                )
            ),
            ("invalid_format", "order.actual_paid"),
        ),
        (
            _event(customs=ipb.CustomsEvent(message_type="CEB622", cop_no="C1", return_status="1")),
            ("missing_field", "customs.return_time"),
        ),
        (
            _event(
                customs=ipb.CustomsEvent(
                    message_type="CEB622",
                    cop_no="C1",
                    return_status="1",
                    return_time="2026112819300012",
                )
            ),
            ("invalid_format", "customs.return_time"),
        ),
        (
            _event(customs=ipb.CustomsEvent(message_type="CEB621")),
            ("missing_field", "customs.cop_no"),
        ),
        (
            _event(customs=ipb.CustomsEvent(message_type="XYZ", cop_no="c")),
            ("invalid_format", "customs.message_type"),
        ),
    ],
)
def test_each_rule_reports_its_code_and_field(event: ipb.Event, expected: tuple[str, str]) -> None:
    assert expected in _codes(event)


def test_time_rules() -> None:
    future = _parcel()
    future.occurred_at.FromDatetime(NOW + timedelta(days=2))
    assert ("future_time", "occurred_at") in _codes(future)
    slightly_ahead = _parcel()
    slightly_ahead.occurred_at.FromDatetime(NOW + timedelta(hours=3))
    assert validate_event(slightly_ahead, NOW) == []
    missing = _parcel()
    missing.ClearField("occurred_at")
    assert ("missing_field", "occurred_at") in _codes(missing)
    no_id = _parcel()
    no_id.event_id = ""
    assert ("missing_field", "event_id") in _codes(no_id)


def test_messages_name_the_field() -> None:
    (violation,) = validate_event(_parcel(waybill_no=""), NOW)
    assert "parcel.waybill_no" in violation.message


def test_return_time_is_china_standard_time() -> None:
    assert parse_return_time("20261128193000123") == datetime(
        2026, 11, 28, 11, 30, 0, 123000, tzinfo=UTC
    )
    assert parse_return_time("20261332193000123") is None
    assert parse_return_time("2026") is None
    assert parse_return_time("20240229235959999") == datetime(
        2024, 2, 29, 15, 59, 59, 999000, tzinfo=UTC
    )
    for invalid in (
        "20230229000000000",  # no leap day that year
        "20261128240000000",  # hour 24
        "20261128236000000",  # minute 60
        "20261128235960000",  # second 60
        "00000101000000000",  # year 0
        "\u0662\u0660\u0662\u0666\u0661\u0661\u0662\u0668\u0661\u0669\u0663\u0660\u0660\u0660\u0661\u0662\u0663",
    ):
        assert parse_return_time(invalid) is None, invalid


def test_nested_strings_are_checked_with_their_full_path() -> None:
    order = ipb.OrderEvent(platform_code="p", order_no="o", code_system="taobao", code="X")
    order.lines.add(item_name="ok")
    order.lines.add(item_name="y" * 513, unit="\x00")
    order.buyer.name = "张\x00三"
    order.consignee.address = "a" * 512  # at its limit: fine
    violations = validate_event(_event(order=order), NOW)
    assert [(v.code, v.field) for v in violations] == [
        ("invalid_format", "order.buyer.name"),
        ("too_long", "order.lines[1].item_name"),
        ("invalid_format", "order.lines[1].unit"),
    ]
    assert [v.message for v in violations] == [
        "order.buyer.name contains the NUL character U+0000",
        "order.lines[1].item_name is longer than 512 characters",
        "order.lines[1].unit contains the NUL character U+0000",
    ]


def test_both_string_violations_of_one_field_in_field_order() -> None:
    event = _parcel(location="\x00" + "z" * 300)
    event.trace_id = "t" * 129
    found = [(v.code, v.field) for v in validate_event(event, NOW)]
    assert found == [
        ("too_long", "trace_id"),
        ("too_long", "parcel.location"),
        ("invalid_format", "parcel.location"),
    ]


def test_time_limits_are_exact_to_the_microsecond() -> None:
    def at(seconds: int, nanos: int) -> set[tuple[str, str]]:
        event = _parcel()
        event.occurred_at.seconds, event.occurred_at.nanos = seconds, nanos
        return _codes(event)

    limit = int((NOW + timedelta(days=1)).timestamp())
    assert at(limit, 999) == set()  # nanos below a microsecond are truncated, as ToDatetime does
    assert at(limit, 1000) == {("future_time", "occurred_at")}
    assert at(946684800, 0) == set()  # 2000-01-01T00:00:00Z
    assert at(946684799, 999_999_999) == {("invalid_format", "occurred_at")}
    assert at(limit, -1) == {("invalid_format", "occurred_at")}
    other_zone = NOW.astimezone(timezone(timedelta(hours=8)))
    event = _parcel()
    event.occurred_at.seconds = limit
    assert validate_event(event, other_zone) == []


def test_money_and_district_rules_in_lines_and_consignee() -> None:
    customs = ipb.CustomsEvent(message_type="CEB621", cop_no="C1", currency="cny")
    customs.lines.add(quantity=-1, unit_price="1.5", total_price="x")
    customs.consignee.district_code = "37010"
    assert [(v.code, v.field) for v in validate_event(_event(customs=customs), NOW)] == [
        # In field-number order: consignee 17, currency 19, lines 24 (quantity 5, total 8).
        ("invalid_format", "customs.consignee.district_code"),
        ("invalid_format", "customs.currency"),
        ("invalid_format", "customs.lines[0].quantity"),
        ("invalid_format", "customs.lines[0].total_price"),
    ]


def _reference_string_violations(message: Message, prefix: str = "") -> list[tuple[str, str]]:
    """too_long and NUL violations by a plain ListFields walk, in field-number order."""
    found: list[tuple[str, str]] = []
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if isinstance(value, str):
            if len(value) > contract.rule(message.DESCRIPTOR.name, field.name).max_length:
                found.append(("too_long", path))
            if "\x00" in value:
                found.append(("invalid_format", path))
        elif isinstance(value, Message):
            found += _reference_string_violations(value, f"{path}.")
        elif field.message_type is not None:
            for i, item in enumerate(value):
                found += _reference_string_violations(item, f"{path}[{i}].")
    return found


_TEXT = st.one_of(
    st.text(alphabet="a张\x00", max_size=3),
    st.integers(min_value=120, max_value=1030).map(lambda n: "x" * n),
    st.text(alphabet="b\x00", min_size=125, max_size=135),
)


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "trace_id",
                    "order.description",
                    "order.buyer.name",
                    "order.consignee.address",
                    "order.lines.item_name",
                    "order.lines.unit",
                    "order.payer.telephone",
                ]
            ),
            _TEXT,
        ),
        max_size=6,
    )
)
def test_string_limits_are_found_as_a_field_by_field_walk_finds_them(
    placed: list[tuple[str, str]],
) -> None:
    order = ipb.OrderEvent(platform_code="p", order_no="o", code_system="taobao", code="X")
    event = _event(order=order)
    for path, value in placed:
        *parents, name = path.split(".")
        target: Message = event
        for parent in parents:
            target = getattr(target, parent)
            if parent == "lines":
                target = target[0] if len(target) else target.add()
        setattr(target, name, value)
    found = [
        (v.code, v.field)
        for v in validate_event(event, NOW)
        if "longer than" in v.message or "NUL character" in v.message
    ]
    assert found == _reference_string_violations(event)


@pytest.mark.parametrize("value", ["00010101000000000", "00010101075959999"])
def test_a_return_time_before_the_first_utc_instant_is_invalid_not_an_error(value: str) -> None:
    # In China Standard Time, 0001-01-01 before 08:00 is a UTC instant datetime cannot hold.
    assert parse_return_time(value) is None
    event = _event(
        customs=ipb.CustomsEvent(
            message_type="CEB622", cop_no="C1", return_status="2", return_time=value
        )
    )
    assert ("invalid_format", "customs.return_time") in _codes(event)
    assert parse_return_time("00010101080000000") == datetime(1, 1, 1, tzinfo=UTC)


_RECEIPT = {"return_status": "120", "return_time": "20261128193000123"}


@pytest.mark.parametrize(
    "customs",
    [
        # The spec keys these receipts by the payment transaction and by the waybill: they
        # carry neither copNo nor orderNo (../shared/reference/customs.md, "Linking keys").
        ipb.CustomsEvent(
            message_type="CEB412", pay_code="312226T001", pay_transaction_id="PT1", **_RECEIPT
        ),
        ipb.CustomsEvent(
            message_type="CEB512", logistics_code="SF", logistics_no="SF1000001", **_RECEIPT
        ),
        ipb.CustomsEvent(message_type="CEB511", logistics_code="SF", logistics_no="SF1000001"),
        ipb.CustomsEvent(message_type="CEB411", pay_transaction_id="PT1", order_no="O1"),
    ],
    ids=["CEB412", "CEB512", "CEB511", "CEB411"],
)
def test_payment_and_waybill_messages_may_be_named_by_their_spec_key(
    customs: ipb.CustomsEvent,
) -> None:
    assert validate_event(_event(customs=customs), NOW) == []


@pytest.mark.parametrize(
    "customs",
    [
        ipb.CustomsEvent(message_type="CEB412", **_RECEIPT),
        # Another document's spec key names nothing: a CEB622 is keyed by copNo or orderNo.
        ipb.CustomsEvent(message_type="CEB622", pay_transaction_id="PT1", **_RECEIPT),
        ipb.CustomsEvent(message_type="CEB312", logistics_no="SF1000001", **_RECEIPT),
        ipb.CustomsEvent(message_type="CEB512", logistics_no="  ", **_RECEIPT),
    ],
    ids=["no-key", "CEB622-pay", "CEB312-waybill", "blank"],
)
def test_a_message_naming_no_document_is_refused(customs: ipb.CustomsEvent) -> None:
    assert ("missing_field", "customs.cop_no") in _codes(_event(customs=customs))
