"""validate_event's one-pass check of the common case (`_clean`) never lets through what
the reporting walk would refuse: both give the same violations for any event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.common import validation
from quanhub.ingest.v1 import ingest_pb2

NOW = datetime(2026, 12, 5, 8, tzinfo=UTC)
_TEXTS = st.one_of(
    st.sampled_from([
        "", " ", "\t", "\x00", "x\x00", "SF", "shunfeng", "nosuch", "ceb621 ", " CEB622", "9610",
        "0110", "I", "i", "CNY", "cny", "370102", "37010", "199.00", "-1", "1.23456",
        "20261204103015123", "20261304103015123", "SF1234567890", " SF1234567890 ", "ab",
        "x" * 128, "x" * 129, "张" * 256, "张" * 257, "y" * 513, "z" * 1025, "12345678901",
    ]),
    st.text(max_size=12),
)  # fmt: skip


def _bases() -> list[ingest_pb2.Event]:
    order = ingest_pb2.Event(event_id="o-1")
    order.order.platform_code, order.order.order_no = "TMALL", "T1"
    order.order.code_system, order.order.code = "taobao", "WAIT_SELLER_SEND_GOODS"
    order.order.consignee.district_code = "370102"
    order.order.lines.add(gnum=1, unit_price="1.00", quantity=2)
    parcel = ingest_pb2.Event(event_id="p-1")
    parcel.parcel.carrier_code, parcel.parcel.waybill_no = "SF", "SF1234567890"
    parcel.parcel.code_system, parcel.parcel.code = "kuaidi100", "0"
    customs = ingest_pb2.Event(event_id="c-1")
    customs.customs.message_type, customs.customs.cop_no = "CEB622", "C1"
    customs.customs.return_status, customs.customs.return_time = "120", "20261204103015123"
    customs.customs.buyer.name = "张三"
    for event in (order, parcel, customs):
        event.occurred_at.FromDatetime(NOW)
    return [order, parcel, customs]


def _messages(event: ingest_pb2.Event) -> list[Message]:
    body = getattr(event, event.WhichOneof("body") or "parcel")
    found: list[Message] = [event, body]
    for field in body.DESCRIPTOR.fields:
        if field.message_type is not None and field.message_type.name != "Timestamp":
            value = getattr(body, field.name)
            found += list(value) if field.is_repeated else [value]
    return found


@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_the_common_case_check_agrees_with_the_reporting_walk(data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(_bases()))
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        target = data.draw(st.sampled_from(_messages(event)))
        fields = [f for f in target.DESCRIPTOR.fields if f.message_type is None]
        field = data.draw(st.sampled_from(fields))
        if field.is_repeated:
            continue
        if field.type == FieldDescriptor.TYPE_STRING:
            setattr(target, field.name, data.draw(_TEXTS))
        elif field.type == FieldDescriptor.TYPE_INT32:
            setattr(target, field.name, data.draw(st.sampled_from([0, 5, -1])))
    if data.draw(st.booleans()):
        event.ClearField("occurred_at")
    fast = validation.validate_event(event, NOW)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(validation, "_clean", lambda *_: False)
        walked = validation.validate_event(event, NOW)
    assert fast == walked
