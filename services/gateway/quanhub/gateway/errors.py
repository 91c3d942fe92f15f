"""Gateway errors; routes turn them into problem bodies (statuses chosen in app.py only).

    GatewayError (QuanhubError)
    ├── UnsupportedMediaType   Content-Type or Content-Encoding the gateway does not read
    ├── PayloadTooLarge        body bytes or events per request over the limit
    ├── MalformedBody          not a PublishRequest: bad protobuf or JSON, bad UTF-8, too deep
    ├── BodyIncomplete         the client closed the connection (or the server did, at the
    │                          body deadline) before the body was complete
    ├── StringTooLong          a string beyond the hard per-string cap
    ├── InvalidHeader          a header with a value the gateway does not know
    ├── NotAllowedToPublish    the partner's role publishes nothing
    ├── BatchRejected          rollback mode (or nothing acceptable): nothing was produced
    └── RateLimited            the partner's event budget is spent for now (retriable)

DependencyUnavailable (Kafka or the registry unreachable or too slow) comes from common.
"""

from __future__ import annotations

from typing import Any

from quanhub.common.errors import QuanhubError


class GatewayError(QuanhubError):
    """Root of the gateway's own errors; `extra` adds fields to the problem body."""

    code = "gateway_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.extra = extra or {}
        self.headers = headers or {}


class UnsupportedMediaType(GatewayError):
    """The body is neither application/x-protobuf nor application/json."""

    code = "unsupported_media_type"


class PayloadTooLarge(GatewayError):
    """Too many bytes or too many events in one request."""

    code = "payload_too_large"


class MalformedBody(GatewayError):
    """The body does not decode to a PublishRequest."""

    code = "malformed_body"


class BodyIncomplete(GatewayError):
    """The body ended before its declared end: the connection was closed while reading it."""

    code = "body_incomplete"


class StringTooLong(GatewayError):
    """A string field exceeds the gateway's hard cap."""

    code = "string_too_long"


class InvalidHeader(GatewayError):
    """A request header carries a value the gateway does not understand."""

    code = "invalid_header"


class NotAllowedToPublish(GatewayError):
    """The partner's role does not publish events."""

    code = "role_cannot_publish"


class BatchRejected(GatewayError):
    """No event was produced: rollback mode saw a rejection, or every event was rejected."""

    code = "batch_rejected"


class RateLimited(GatewayError):
    """The partner sent more events than its rate allows; retry after the given delay."""

    code = "rate_limited"
    retriable = True
