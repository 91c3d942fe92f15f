"""Batch building: events in sequence order inside a body that carries the delivery ids."""

from __future__ import annotations

import uuid

import orjson

from quanhub.ledger.feeds.model import FeedEvent, batch_events, delivery_body


def _event(seq: int) -> FeedEvent:
    return FeedEvent(
        seq=seq, event_id=f"e{seq}", kind="parcel", data={"seq": seq, "event_id": f"e{seq}"}
    )


def test_batch_is_a_json_array_in_sequence_order() -> None:
    events = batch_events([_event(5), _event(2), _event(9)])
    assert [e["seq"] for e in orjson.loads(events)] == [2, 5, 9]


def test_body_holds_the_delivery_and_subscription_ids_and_the_events_verbatim() -> None:
    delivery, subscription = uuid.uuid4(), uuid.uuid4()
    events = batch_events([_event(1), _event(2)])
    body = delivery_body(delivery, subscription, events)
    parsed = orjson.loads(body)
    assert parsed["delivery_id"] == str(delivery)
    assert parsed["subscription_id"] == str(subscription)
    assert parsed["events"] == orjson.loads(events)
    assert body.endswith(events + b"}")


def test_empty_batch_is_an_empty_array() -> None:
    assert orjson.loads(batch_events([])) == []
