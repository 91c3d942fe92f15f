"""Money and numeric codes are ASCII: other scripts' digits are refused, on every path.

Python's `\\d`, int() and Decimal() read any Unicode decimal digit (fullwidth 30000.00 is 30000),
while PostgreSQL's numeric and the ledger's SQL read only ASCII digits. An amount written in
other digits would pass the gateway and count as nothing in the buyer's yearly import total.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from gateway_fakes import FakePublisher
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st

from quanhub.common.validation import parse_return_time, validate_event
from quanhub.ingest.v1 import ingest_pb2 as ipb

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
#: Every decimal digit (Unicode category Nd) that is not ASCII: fullwidth, Arabic-Indic,
#: Devanagari, mathematical bold, ...
OTHER_DIGITS = [c for c in map(chr, range(0x80, 0x20000)) if unicodedata.category(c) == "Nd"]


def _swap(value: str, digit: str, position: int | None) -> str:
    """`value` with its `position`-th ASCII digit (None: every one) in `digit`'s script."""
    zero = ord(digit) - unicodedata.digit(digit)
    places = [i for i, c in enumerate(value) if "0" <= c <= "9"]
    chosen = places if position is None else [places[position % len(places)]]
    chars = list(value)
    for i in chosen:
        chars[i] = chr(zero + int(value[i]))
    return "".join(chars)


def _order() -> ipb.Event:
    event = ipb.Event(event_id="evt-1")
    event.occurred_at.FromDatetime(NOW - timedelta(minutes=5))
    order = event.order
    order.platform_code, order.order_no = "TMALL", "T1"
    order.code_system, order.code = "taobao", "WAIT_BUYER_PAY"
    order.goods_value = order.freight = order.discount = "1.00"
    order.tax_total = order.actual_paid = "30000.00"
    order.consignee.district_code = "370102"
    order.lines.add(unit_price="15000.00", total_price="30000.00", quantity=2)
    return event


def _customs() -> ipb.Event:
    event = ipb.Event(event_id="evt-2")
    event.occurred_at.FromDatetime(NOW - timedelta(minutes=5))
    customs = event.customs
    customs.message_type, customs.cop_no = "CEB622", "C1"
    customs.return_status, customs.return_time = "800", "20261128193000123"
    customs.goods_value = customs.freight = customs.tax_total = "1.00"
    customs.actual_paid = "30000.00"
    customs.consignee.district_code = "370102"
    customs.lines.add(unit_price="15000.00", total_price="30000.00", quantity=2)
    return event


def _parcel() -> ipb.Event:
    event = ipb.Event(event_id="evt-3")
    event.occurred_at.FromDatetime(NOW - timedelta(minutes=5))
    parcel = event.parcel
    parcel.carrier_code, parcel.waybill_no = "zhongtong", "ZT7312345678"
    parcel.code_system, parcel.code, parcel.district_code = "kuaidi100", "0", "370102"
    return event


#: (event maker, path of a numeric field in it, the field path a violation names)
NUMERIC_FIELDS = [
    *(
        (_order, ("order", n), f"order.{n}")
        for n in ("goods_value", "freight", "discount", "tax_total", "actual_paid")
    ),
    *(
        (_customs, ("customs", n), f"customs.{n}")
        for n in ("goods_value", "freight", "tax_total", "actual_paid")
    ),
    *(
        (make, (body, "lines", "unit_price"), f"{body}.lines[0].unit_price")
        for make, body in ((_order, "order"), (_customs, "customs"))
    ),
    *(
        (make, (body, "lines", "total_price"), f"{body}.lines[0].total_price")
        for make, body in ((_order, "order"), (_customs, "customs"))
    ),
    *(
        (make, (body, "consignee", "district_code"), f"{body}.consignee.district_code")
        for make, body in ((_order, "order"), (_customs, "customs"))
    ),
    (_parcel, ("parcel", "district_code"), "parcel.district_code"),
    (_customs, ("customs", "message_type"), "customs.message_type"),
    (_customs, ("customs", "return_time"), "customs.return_time"),
]


def _target(event: ipb.Event, path: tuple[str, ...]) -> tuple[object, str]:
    target: object = event
    for name in path[:-1]:
        target = getattr(target, name)
        if name == "lines":
            target = target[0]  # type: ignore[index]
    return target, path[-1]


def test_the_examples_are_valid_in_ascii() -> None:
    for make in (_order, _customs, _parcel):
        assert validate_event(make(), NOW) == []


@pytest.mark.parametrize("case", NUMERIC_FIELDS, ids=[f for *_, f in NUMERIC_FIELDS])
@given(digit=st.sampled_from(OTHER_DIGITS), position=st.integers(0, 20), every=st.booleans())
def test_other_scripts_digits_are_invalid_in_every_numeric_field(
    case: tuple[Any, tuple[str, ...], str], digit: str, position: int, every: bool
) -> None:
    make, path, field = case
    event = make()
    target, name = _target(event, path)
    value = getattr(target, name)
    # The whole number in that script, or one digit of it among ASCII ones.
    value = _swap(value, digit, None if every else position)
    setattr(target, name, value)
    codes = {(v.code, v.field) for v in validate_event(event, NOW)}
    assert ("invalid_format", field) in codes, value


async def test_a_fullwidth_amount_is_refused_at_the_gateway(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    """The attack of issue 16 (defect 9): a 30,000 CNY order paid in fullwidth digits, as
    protobuf and as JSON."""
    event = _order()
    event.order.actual_paid = "\uff13\uff10\uff10\uff10\uff10.\uff10\uff10"
    tmall = {"Authorization": "Bearer key-tmall"}
    protobuf = ipb.PublishRequest(events=[event]).SerializeToString()
    as_json = json_format.MessageToJson(ipb.PublishRequest(events=[event]))
    for body, media in ((protobuf, "application/x-protobuf"), (as_json, "application/json")):
        answer = await client.post(
            "/v1/events", content=body, headers={**tmall, "Content-Type": media}
        )
        assert answer.status_code == 422, answer.text
        (rejected,) = answer.json()["rejected"]
        assert rejected["code"] == "invalid_format"
        assert "order.actual_paid" in rejected["message"]
    assert publisher.records == []


def test_return_time_reads_ascii_digits_only() -> None:
    assert parse_return_time("2026112819300012\uff13") is None
