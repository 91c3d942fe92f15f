"""Request and response bodies of the subscriptions API (they become the OpenAPI partners read)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, model_validator

from quanhub.ledger.feeds.kafka_feed import is_kafka
from quanhub.ledger.feeds.model import Delivery, Subscription
from quanhub.ledger.feeds.signing import DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS

Kind = Literal["order", "parcel", "customs", "insight"]
#: Ledger sequences are PostgreSQL bigints; a larger number could never name one.
MAX_SEQ = 2**63 - 1
#: Every kind a feed carries; `insight` (hub-authored, docs/feeds.md "Insight events") is
#: delivered only to those who ask for it.
ALL_KINDS: tuple[Kind, ...] = ("order", "parcel", "customs", "insight")
#: What a subscription receives when it names no kinds: the objects' status changes.
DEFAULT_KINDS: tuple[Kind, ...] = ("order", "parcel", "customs")


def parse_seq(text: str) -> int | None:
    """The ledger sequence `text` writes in ASCII digits, or None. (`str.isdigit` alone
    admits `²` and other digits int() refuses, and int() refuses over 4,300 digits.)"""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_SEQ)):
        return None
    value = int(text)
    return value if value <= MAX_SEQ else None


class SubscriptionCreate(BaseModel):
    """A new subscription: a webhook URL, or the partner's Kafka feed topic."""

    model_config = ConfigDict(extra="forbid")

    transport: Literal["webhook", "kafka"] = Field(
        default="webhook",
        description="webhook: signed POSTs to `url`; kafka: records on the partner's own "
        "feed topic `<namespace>.feed.<code>.v1` (no url).",
    )
    url: AnyUrl | None = Field(
        default=None, description="Where deliveries are POSTed (http or https; webhook only)."
    )
    kinds: list[Kind] = Field(
        default_factory=lambda: list(DEFAULT_KINDS),
        min_length=1,
        description="Which kinds of event to receive (default order, parcel, customs; "
        "`insight`: the hub's predicted deliveries and alerts, docs/feeds.md).",
    )
    description: str = Field(default="", max_length=500, pattern=r"^[^\x00]*$")
    after_seq: int | None = Field(
        default=None,
        ge=0,
        le=MAX_SEQ,
        description="Start after this ledger sequence (default: only events from now on).",
    )
    signature: Literal["quanhub", "standard-webhooks"] = Field(
        default="quanhub",
        description="How webhook deliveries are signed: quanhub (`Quanhub-Signature`) or "
        "standard-webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, "
        "https://www.standardwebhooks.com; the secret is `whsec_` + standard base64).",
    )
    format: Literal["quanhub", "cloudevents"] = Field(
        default="quanhub",
        description="How events are enveloped: quanhub (webhooks: `{delivery_id, "
        "subscription_id, events}`; kafka: the event document) or cloudevents (webhooks: a "
        "CloudEvents 1.0 structured-mode batch, `application/cloudevents-batch+json`; kafka: "
        "binary mode, `ce_` headers and the event document as the value).",
    )

    @model_validator(mode="after")
    def _url_for_webhooks_only(self) -> SubscriptionCreate:
        if (self.transport == "webhook") != (self.url is not None):
            msg = "a webhook subscription needs a url; a kafka subscription takes none"
            raise ValueError(msg)
        if self.transport == "kafka" and self.signature != "quanhub":
            msg = "signature applies to webhook subscriptions only (kafka records are unsigned)"
            raise ValueError(msg)
        return self


class SubscriptionOut(BaseModel):
    """A subscription and how far its deliveries have got."""

    id: UUID
    transport: str = Field(description="webhook or kafka")
    url: str
    kinds: list[str]
    description: str
    status: str = Field(description="active, or paused after persistent failure")
    signature: str = Field(description="quanhub or standard-webhooks")
    format: str = Field(description="quanhub or cloudevents")
    cursor_seq: int = Field(description="Every event up to this sequence has been batched.")
    failures: int = Field(description="Consecutive failed attempts of the oldest pending batch.")
    next_attempt_at: datetime
    paused_reason: str | None
    topic: str | None = Field(
        default=None,
        description="kafka: the partner's feed topic to consume (consumer group ids must "
        "start with its name); null for a webhook.",
    )
    previous_secret_expires_at: datetime | None = Field(
        description="After a secret rotation: until when the replaced secret also signs "
        "deliveries (a second signature, after the new secret's); null if never rotated."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, sub: Subscription, topic: str | None = None) -> SubscriptionOut:
        """The public view of a stored subscription; `topic` is a kafka one's feed topic."""
        return cls(
            id=sub.id,
            transport="kafka" if is_kafka(sub.url) else "webhook",
            url=sub.url,
            kinds=list(sub.kinds),
            description=sub.description,
            status=sub.status.value,
            signature=sub.signature,
            format=sub.format,
            cursor_seq=sub.cursor_seq,
            failures=sub.failures,
            next_attempt_at=sub.next_attempt_at,
            paused_reason=sub.paused_reason,
            topic=topic,
            previous_secret_expires_at=sub.previous_secret_expires_at,
            created_at=sub.created_at,
            updated_at=sub.updated_at,
        )


class SubscriptionCreated(SubscriptionOut):
    """A new subscription with, for a webhook, its signing secret: shown this once, never
    again. A kafka subscription's answer has no `secret`: its records are not signed (the
    broker's SASL identity and ACLs authenticate them)."""

    secret: str | None = Field(
        default=None,
        description="The webhook signing secret (`whsec_…`), shown this once. Absent for "
        "transport kafka.",
    )


class SecretRotation(BaseModel):
    """How long the secret being replaced keeps signing deliveries beside the new one."""

    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=DEFAULT_OVERLAP_SECONDS,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="Seconds during which deliveries carry the old secret's signature too "
        "(after the new one's), so receivers can switch keys; 0 retires it at once.",
    )


class SecretRotated(SubscriptionOut):
    """The subscription with its new signing secret, shown this once."""

    secret: str = Field(description="The new signing secret (`whsec_…`), shown this once.")


class SubscriptionPage(BaseModel):
    """One page of subscriptions, newest first."""

    items: list[SubscriptionOut]
    next_cursor: str | None


class Replay(BaseModel):
    """Deliver again from a sequence number or from an instant (exactly one of them)."""

    model_config = ConfigDict(extra="forbid")

    from_seq: int | None = Field(
        default=None, ge=1, le=MAX_SEQ, description="First sequence to deliver."
    )
    since: datetime | None = Field(
        default=None, description="Deliver events the ledger recorded at or after this instant."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Replay:
        if (self.from_seq is None) == (self.since is None):
            msg = "give exactly one of from_seq and since"
            raise ValueError(msg)
        if self.since is not None and self.since.tzinfo is None:
            msg = "since must carry a timezone"
            raise ValueError(msg)
        if self.since is not None:
            try:
                self.since.astimezone(UTC)
            except OverflowError:  # e.g. 0001-01-01T00:00+01:00 has no UTC instant
                msg = "since must lie between the years 1 and 9999 in UTC"
                raise ValueError(msg) from None
        return self


class DeliveryOut(BaseModel):
    """One delivery (a signed batch) and how its attempts went."""

    id: UUID
    first_seq: int
    last_seq: int
    event_count: int
    status: str = Field(description="pending, succeeded or cancelled (by replay or delete)")
    attempts: int
    redelivery_of: UUID | None
    created_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        """The public view of a stored delivery."""
        return cls(
            id=d.id,
            first_seq=d.first_seq,
            last_seq=d.last_seq,
            event_count=d.event_count,
            status=d.status.value,
            attempts=d.attempts,
            redelivery_of=d.redelivery_of,
            created_at=d.created_at,
            last_attempt_at=d.last_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            last_duration_ms=d.last_duration_ms,
            delivered_at=d.delivered_at,
        )


class DeliveryPage(BaseModel):
    """One page of the delivery log, newest first."""

    items: list[DeliveryOut]
    next_cursor: str | None
