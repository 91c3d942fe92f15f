"""What feeds carry and remember: a feed event, a subscription, a delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import orjson

from quanhub.ledger.watcher.types import InsightType


class SubscriptionStatus(StrEnum):
    """An active subscription is delivered to; a paused one waits for `resume`."""

    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


class DeliveryStatus(StrEnum):
    """A delivery is pending until the subscriber acknowledges it with a 2xx."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One ledger event as partners receive it: the ledger sequence, the kind, JSON data
    that holds only tokens and masked forms of personal data."""

    seq: int
    event_id: str
    kind: str
    data: dict[str, Any]

    def to_json(self) -> bytes:
        """The event's JSON document (the SSE `data:` line, one element of a batch)."""
        return orjson.dumps(self.data)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A webhook subscription as stored (the secret is never part of this object)."""

    id: UUID
    partner_code: str
    url: str
    kinds: tuple[str, ...]
    description: str
    status: SubscriptionStatus
    cursor_seq: int
    next_attempt_at: datetime
    failures: int
    paused_reason: str | None
    created_at: datetime
    updated_at: datetime
    #: How deliveries are signed: "quanhub" (Quanhub-Signature) or "standard-webhooks".
    signature: str = "quanhub"
    #: How a batch is enveloped: "quanhub" (delivery_body) or "cloudevents" (cloudevents_batch).
    format: str = "quanhub"
    #: Until when the secret a rotation replaced also signs deliveries (None: never rotated
    #: with an overlap).
    previous_secret_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One signed batch for one subscription and how its attempts went."""

    id: UUID
    position: int
    subscription_id: UUID
    first_seq: int
    last_seq: int
    event_count: int
    redelivery_of: UUID | None
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    delivered_at: datetime | None


def batch_events(events: list[FeedEvent]) -> bytes:
    """The JSON array of a batch, in sequence order (frozen in the delivery row)."""
    ordered = sorted(events, key=lambda e: e.seq)
    return b"[" + b",".join(e.to_json() for e in ordered) + b"]"


def delivery_body(delivery_id: UUID, subscription_id: UUID, events: bytes) -> bytes:
    """The POSTed body: `{"delivery_id", "subscription_id", "events": [...]}`.

    The ids are inside the signed body too, so a receiver can trust them.
    """
    head = orjson.dumps({"delivery_id": str(delivery_id), "subscription_id": str(subscription_id)})
    return head[:-1] + b',"events":' + events + b"}"


CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents-batch+json"
CLOUDEVENTS_SOURCE = "/quanhub/ledger"


STATUS_KINDS = ("order", "parcel", "customs")


def cloudevent_type(kind: str, status: str = "") -> str:
    """The CloudEvents `type` of a feed event of this kind: a status change of an order, a
    parcel or a customs declaration, or a hub-authored insight named by its type (the
    row's `status`, e.g. `dev.quanhub.parcel.stalled.v1`); the suffix versions the `data`
    document, so a change to it comes as a new type beside the old."""
    if kind == "insight":
        return f"dev.quanhub.{status}.v1"
    return f"dev.quanhub.{kind}.status_changed.v1"


#: Every `type` a feed event may have (docs/asyncapi.yaml's feedEventType lists them).
FEED_EVENT_TYPES: tuple[str, ...] = (
    *(cloudevent_type(kind) for kind in STATUS_KINDS),
    *(cloudevent_type("insight", t.value) for t in InsightType),
)


def cloudevents_batch(events: bytes) -> bytes:
    """A frozen batch (the JSON array batch_events made) as a CloudEvents 1.0
    structured-mode batch: one event per feed event, its `data` the feed event document
    unchanged, its `id` the canonical event id (the same on a redelivery or replay, so
    receivers deduplicate on source + id as CloudEvents intends)."""
    documents: list[dict[str, Any]] = orjson.loads(events)
    return orjson.dumps(
        [
            {**cloudevent_attributes(doc), "datacontenttype": "application/json", "data": doc}
            for doc in documents
        ]
    )


def cloudevent_attributes(doc: dict[str, Any]) -> dict[str, str]:
    """The context attributes every envelope of a feed event shares (HTTP batches and
    Kafka binary mode): one place, so a webhook and a feed record of the same event name
    it alike."""
    return {
        "specversion": "1.0",
        "id": doc["event_id"],
        "source": CLOUDEVENTS_SOURCE,
        "type": cloudevent_type(doc["kind"], doc.get("status", "")),
        "time": doc["occurred_at"],
    }
