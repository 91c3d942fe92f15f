"""Event validation: what the gateway rejects and the normalizer dead-letters, by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
