"""Errors of the feeds area (SSE, subscriptions, deliveries).

FeedError (QuanhubError)
├── InvalidSubscriberUrl    a webhook URL the hub refuses to call (scheme, host, range)
├── KafkaFeedUnavailable    Kafka did not create the feed topic or grant/revoke its ACLs
├── SubscriptionNotFound    no such subscription for this partner (also: someone else's)
├── DeliveryNotFound        no such delivery in this subscription
├── TooManyStreams          the partner holds the most open SSE streams allowed
└── StreamsFull             the process holds the most open SSE streams allowed (all partners)

Request-shape problems (a bad cursor, an analyst asking for a feed) are answered at the
API edge directly.
"""

from __future__ import annotations

from quanhub.common.errors import QuanhubError


class FeedError(QuanhubError):
    """Root of feed and subscription errors."""

    code = "feed_error"


class InvalidSubscriberUrl(FeedError):
    """The subscriber URL is not one the hub will call."""

    code = "invalid_subscriber_url"


class KafkaFeedUnavailable(FeedError):
    """Kafka could not be reached, or refused, to set up or tear down a partner's feed access."""

    code = "kafka_feed_unavailable"
    retriable = True


class SubscriptionNotFound(FeedError):
    """No subscription with that id belongs to the caller."""

    code = "subscription_not_found"


class DeliveryNotFound(FeedError):
    """No delivery with that id belongs to the subscription."""

    code = "delivery_not_found"


class TooManyStreams(FeedError):
    """The partner already holds the most open SSE streams allowed."""

    code = "too_many_streams"


class StreamsFull(FeedError):
    """The API process already holds the most open SSE streams allowed, over all partners."""

    code = "streams_full"
    retriable = True
