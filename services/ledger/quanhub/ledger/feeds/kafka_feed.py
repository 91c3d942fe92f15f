"""Per-partner filtered Kafka topics: the Kafka-native way to receive a partner's feed.

A subscription with the `kafka` transport is delivered by the dispatcher like a webhook
(same cursor, same visibility, same ordered batches and retries), but each batch is
produced to the partner's own topic `<namespace>.feed.<code>.v1`, one record per event:
key = the business key (so one object's events stay in one partition, in order), value =
the same JSON document as SSE and webhooks, headers `event_id`, `kind`, `seq`,
`delivery_id`. A subscription with `"format": "cloudevents"` gets the same records in
CloudEvents' Kafka binary mode besides: `ce_specversion`, `ce_id`, `ce_source`, `ce_type`,
`ce_time`, `ce_subject` (the record key as text) and `content-type` headers, the value
being the event's data. The partner reads it with its SASL/SCRAM user, which holds READ on that
topic and on consumer groups named after it (granted with the subscription, kafka_acl.py;
see docs/feeds.md).
"""

from __future__ import annotations

from typing import Any

from quanhub.common.canonical import customs_key, order_key, parcel_key
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.feeds.model import cloudevent_attributes

#: The stored URL of a Kafka-transport subscription (the topic follows from the partner).
KAFKA_URL = "kafka:"


def is_kafka(url: str) -> bool:
    """Whether a subscription is delivered to Kafka rather than over HTTP."""
    return url == KAFKA_URL


def feed_topic(settings: KafkaSettings, partner_code: str) -> str:
    """The partner's filtered feed topic."""
    return Topics(settings).feed(partner_code)


def feed_group_prefix(settings: KafkaSettings, partner_code: str) -> str:
    """Consumer group ids the partner may use start with this (its feed topic's name)."""
    return feed_topic(settings, partner_code)


def kafka_username(partner_code: str) -> str:
    """The SCRAM user name of a partner (one user per partner, for its feed and its topic)."""
    return f"partner-{partner_code.lower()}"


def kafka_principal(partner_code: str) -> str:
    """The principal Kafka's authorizer sees for the partner's SCRAM user."""
    return f"User:{kafka_username(partner_code)}"


def feed_topic_spec(settings: KafkaSettings, partner_code: str) -> TopicSpec:
    """Partitions and retention of a feed topic (as the canonical topic's)."""
    return Topics(settings).feed_spec(partner_code)


def event_key(event: dict[str, Any]) -> bytes:
    """The business key of a feed event, as on the canonical topic."""
    kind = event["kind"]
    if kind == "parcel":
        return parcel_key(event.get("carrier_id", ""), event.get("waybill_no", ""))
    if kind == "order":
        return order_key(event.get("platform_code", ""), event.get("order_no", ""))
    if kind == "insight":  # keyed by its object, as the watcher published it
        insight = event.get("event", {}).get("insight", {})
        if event.get("waybill_no"):
            return parcel_key(event.get("carrier_id", ""), event["waybill_no"])
        if insight.get("cop_no"):
            return customs_key(insight.get("declarant", ""), insight["cop_no"])
        return f"I|{insight.get('carrier_id', '')}|{insight.get('district_code', '')}".encode()
    return customs_key(
        event.get("source_partner", ""), event.get("cop_no", ""), event.get("order_no", "")
    )


def cloudevent_headers(event: dict[str, Any], key: bytes) -> list[tuple[str, bytes]]:
    """The CloudEvents Kafka binary-mode headers of a feed record: `ce_` + each context
    attribute, `ce_subject` the business key the record is keyed by, and `content-type`
    naming the value's media type (the binding's `datacontenttype`)."""
    attributes = {**cloudevent_attributes(event), "subject": key.decode()}
    headers = [(f"ce_{name}", value.encode()) for name, value in attributes.items()]
    headers.append(("content-type", b"application/json"))
    return headers
