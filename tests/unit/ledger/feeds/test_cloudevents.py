"""CloudEvents batches of feed events, parsed with the PyPI cloudevents SDK."""

from __future__ import annotations

from pathlib import Path

import orjson
import yaml
from cloudevents.v1.http import from_http
from cloudevents.v1.kafka import KafkaMessage, from_binary

from quanhub.ledger.feeds.kafka_feed import cloudevent_headers, event_key
from quanhub.ledger.feeds.model import (
    CLOUDEVENTS_SOURCE,
    FEED_EVENT_TYPES,
    FeedEvent,
    batch_events,
    cloudevent_attributes,
    cloudevent_type,
    cloudevents_batch,
)
from quanhub.ledger.feeds.schemas import ALL_KINDS


def _event(seq: int, kind: str) -> FeedEvent:
    data = {
        "seq": seq,
        "event_id": f"ev-{seq}",
        "kind": kind,
        "status": "DELIVERED",
        "occurred_at": "2026-11-28T09:12:00+00:00",
        "source_partner": "SF",
        "event": {"waybill_no": "SF1"},
    }
    return FeedEvent(seq=seq, event_id=f"ev-{seq}", kind=kind, data=data)


def test_types_are_named_and_versioned_per_kind() -> None:
    assert cloudevent_type("parcel") == "dev.quanhub.parcel.status_changed.v1"
    assert cloudevent_type("customs") == "dev.quanhub.customs.status_changed.v1"


def test_an_insight_is_typed_by_what_the_hub_concluded() -> None:
    assert cloudevent_type("insight", "parcel.stalled") == "dev.quanhub.parcel.stalled.v1"
    doc = {**_event(1, "insight").data, "status": "parcel.delivery_predicted"}
    assert cloudevent_attributes(doc)["type"] == "dev.quanhub.parcel.delivery_predicted.v1"


def test_a_batch_is_an_array_of_events_the_sdk_parses() -> None:
    feed = [_event(2, "order"), _event(1, "parcel")]
    batch = orjson.loads(cloudevents_batch(batch_events(feed)))
    assert isinstance(batch, list)
    parsed = [
        from_http({"content-type": "application/cloudevents+json"}, orjson.dumps(element))
        for element in batch
    ]
    assert [e["id"] for e in parsed] == ["ev-1", "ev-2"]  # in sequence order
    assert [e["type"] for e in parsed] == [
        "dev.quanhub.parcel.status_changed.v1",
        "dev.quanhub.order.status_changed.v1",
    ]
    for event, original in zip(parsed, sorted(feed, key=lambda e: e.seq), strict=True):
        assert event["specversion"] == "1.0"
        assert event["source"] == CLOUDEVENTS_SOURCE
        assert event["time"] == "2026-11-28T09:12:00+00:00"
        assert event["datacontenttype"] == "application/json"
        assert event.data == original.data


def test_asyncapi_lists_the_type_of_every_kind() -> None:
    doc = yaml.safe_load(
        (Path(__file__).resolve().parents[4] / "docs" / "asyncapi.yaml").read_text()
    )
    listed = doc["components"]["schemas"]["feedEventType"]["enum"]
    assert sorted(listed) == sorted(FEED_EVENT_TYPES)
    assert {cloudevent_type(kind) for kind in ALL_KINDS if kind != "insight"} <= set(listed)
    assert all(t.startswith("dev.quanhub.") and t.endswith(".v1") for t in listed)
    # The webhook envelope and the Kafka ce_type header both name that list.
    messages = doc["components"]["messages"]
    ref = {"$ref": "#/components/schemas/feedEventType"}
    assert messages["feedCloudEvent"]["payload"]["properties"]["type"] == ref
    assert messages["feedEvent"]["headers"]["properties"]["ce_type"] == ref
    assert set(messages["feedEvent"]["headers"]["properties"]) >= {
        name for name, _ in cloudevent_headers({**_event(1, "order").data}, b"O|T|1")
    }
    # The feed channel says how a partner gets read access.
    assert "grants" in doc["channels"]["partnerFeed"]["description"]


def test_kafka_binary_mode_headers_parse_with_the_sdk_kafka_binding() -> None:
    feed = _event(7, "parcel")
    document = {**feed.data, "carrier_id": "SF", "waybill_no": "SF1"}
    key = event_key(document)
    headers = dict(cloudevent_headers(document, key))
    assert set(headers) == {
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_time",
        "ce_subject",
        "content-type",
    }
    event = from_binary(KafkaMessage(headers, key, orjson.dumps(document)))
    assert event["id"] == "ev-7"
    assert event["type"] == "dev.quanhub.parcel.status_changed.v1"
    assert event["source"] == CLOUDEVENTS_SOURCE
    assert event["subject"] == "P|SF|SF1"
    assert event["datacontenttype"] == "application/json"
    assert event.data == document
    # A webhook batch names the same event with the same attributes.
    batch = orjson.loads(
        cloudevents_batch(batch_events([FeedEvent(7, "ev-7", "parcel", document)]))
    )
    assert {k: batch[0][k] for k in ("id", "source", "type", "time")} == {
        k: event[k] for k in ("id", "source", "type", "time")
    }


def test_an_insight_on_a_feed_topic_is_keyed_like_its_objects_events() -> None:
    """So a partner's feed topic keeps a parcel's insights in order with its scans."""
    parcel = {"kind": "insight", "source_partner": "quanhub", "carrier_id": "SF"}
    parcel |= {"waybill_no": "SF1", "event": {"insight": {"carrier_id": "SF"}}}
    assert event_key(parcel) == b"P|SF|SF1"
    declaration = {"kind": "insight", "source_partner": "quanhub", "cop_no": "COP1"}
    declaration["event"] = {"insight": {"declarant": "AGENT", "cop_no": "COP1"}}
    assert event_key(declaration) == b"C|AGENT|COP1"
    incident = {"kind": "insight", "source_partner": "quanhub", "carrier_id": "YTO"}
    incident["event"] = {"insight": {"carrier_id": "YTO", "district_code": "370112"}}
    assert event_key(incident) == b"I|YTO|370112"
