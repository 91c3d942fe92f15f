"""QUANHUB_GATEWAY_*: the gateway's settings, what a deployer sets apart from the knobs."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common import limits
from quanhub.common.metrics_access import MetricsSettings
from quanhub.common.server import HttpServerSettings
from quanhub.common.settings import (
    DatabaseSettings,
    KafkaSettings,
    PiiSettings,
    Profile,
    ProfileSettings,
)


class GatewayTuning(BaseSettings):
    """Performance knobs and request limits (QUANHUB_GATEWAY_*): the defaults need no
    tuning. They bound what one request may hold and how fast a partner may send; each is
    documented in docs/operations.md#performance-knobs."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_GATEWAY_", extra="ignore")

    # What one request may hold (refusals name the limit: 413 or 422).
    #: Events in one POST /v1/events at most (batches are the fast path).
    max_events_per_request: int = Field(default=500, ge=1, le=10_000)
    #: Request body size at most, in bytes.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    #: One event's size at most, in protobuf bytes: a larger event is rejected on its own
    #: (`event_too_large`). At most `limits.MAX_EVENT_BYTES`: its canonical form, a little
    #: larger, must stay under the normalizer's `limits.MAX_RECORD_BYTES`.
    max_event_bytes: int = Field(default=512 * 1024, ge=1024, le=limits.MAX_EVENT_BYTES)
    #: Hard cap on any one string, in characters; field limits below it are validation.
    max_string_chars: int = Field(default=4096, ge=64)
    #: Deepest JSON nesting accepted (a real PublishRequest nests about 6 levels).
    max_json_depth: int = Field(default=16, ge=6, le=128)
    #: A JSON body's size at most, in bytes (protobuf bodies: max_body_bytes). JSON costs
    #: far more to read than protobuf, so it is bounded apart: 4 KiB per event of a full
    #: batch (an order with a few lines is under 1 KiB), which also carries one event of
    #: max_event_bytes (JSON spells a protobuf event in up to about twice its bytes).
    max_json_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    #: JSON values (objects, arrays, strings, numbers...) a body may hold per event it may
    #: carry: max_events_per_request x this bounds the work of building its events, whatever
    #: their shape (one event with a million `lines` is refused before it is built).
    max_json_values_per_event: int = Field(default=128, ge=32, le=10_000)

    # How fast a partner may send, and how long the gateway waits for Kafka and PostgreSQL.
    #: Events per second each partner may send (per gateway process), and the burst allowed.
    rate_limit_events_per_second: float = Field(default=5000.0, gt=0)
    rate_limit_burst: int = Field(default=20_000, ge=1)
    #: Seconds Kafka has to acknowledge a batch before the gateway answers 503.
    publish_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    #: Producer linger. 0 suits a gateway: a request's events are enqueued together anyway,
    #: and while one batch is in flight the next requests' events accumulate behind it.
    kafka_linger_ms: int = Field(default=0, ge=0, le=1000)
    #: Retry-After (seconds) sent with 503 answers.
    retry_after_seconds: int = Field(default=5, ge=1)
    #: How long a verified (or refused) API key is trusted without asking PostgreSQL.
    auth_cache_seconds: float = Field(default=15.0, ge=0, le=300)

    @model_validator(mode="after")
    def _burst_fits_a_full_batch(self) -> Self:
        if self.rate_limit_burst < self.max_events_per_request:
            msg = "QUANHUB_GATEWAY_RATE_LIMIT_BURST must be at least MAX_EVENTS_PER_REQUEST"
            raise ValueError(msg)
        return self


class GatewaySettings(GatewayTuning):
    """What a deployer sets for the gateway: where it listens, how many processes, the
    shared Kafka, PostgreSQL and secret blocks (the knobs of GatewayTuning keep their
    defaults)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    #: Gateway processes sharing the port (one Python process uses one core at most). With
    #: more than one, /metrics sums every worker; rate limits and key caches stay per worker.
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"
    log_json: bool = True
    #: Judge protobuf events with the native fast path (quanhub_gateway_native, Rust) when
    #: it is installed; false: Python judges every event (the same answers, slower).
    native: bool = True
    #: Apply pending database migrations at start (the registry tables).
    migrate_on_start: bool = True
    profile: Profile = Field(default_factory=lambda: ProfileSettings().profile)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    pii: PiiSettings = Field(default_factory=PiiSettings)
    #: QUANHUB_METRICS_TOKEN: /metrics for operators only outside the local profile.
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    #: QUANHUB_HTTP_*: header and body read deadlines, requests in flight at most.
    http: HttpServerSettings = Field(default_factory=HttpServerSettings)

    def server(self) -> HttpServerSettings:
        """The HTTP server's settings, its body limit raised to this gateway's own, so that
        the route answers (and charges) refusals with their precise reason."""
        most = max(self.http.max_body_bytes, self.max_body_bytes)
        return self.http.model_copy(update={"max_body_bytes": most})
