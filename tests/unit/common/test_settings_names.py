"""The environment variables every service reads keep their flat names: grouping settings
into what a deployer sets and performance knobs must not rename any (README, docs, deploy
and tests spell them out)."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings

from quanhub.common.metrics_access import MetricsSettings
from quanhub.common.server import HttpServerSettings
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings, ProfileSettings
from quanhub.gateway.settings import GatewaySettings
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.settings import LedgerApiSettings, LedgerConsumerSettings
from quanhub.ledger.watcher.settings import WatcherSettings
from quanhub.normalizer.settings import NormalizerSettings

CLASSES: list[type[BaseSettings]] = [
    ProfileSettings,
    KafkaSettings,
    DatabaseSettings,
    PiiSettings,
    HttpServerSettings,
    MetricsSettings,
    GatewaySettings,
    NormalizerSettings,
    LedgerConsumerSettings,
    LedgerApiSettings,
    DispatcherSettings,
    FeedSettings,
    WatcherSettings,
]

#: Every variable each class reads itself (its blocks read their own), as before grouping.
EXPECTED: dict[str, set[str]] = {
    "ProfileSettings": {
        "QUANHUB_PROFILE",
    },
    "KafkaSettings": {
        "QUANHUB_KAFKA_BOOTSTRAP",
        "QUANHUB_KAFKA_CANONICAL_PARTITIONS",
        "QUANHUB_KAFKA_DLQ_RETENTION_MS",
        "QUANHUB_KAFKA_PARTITIONS",
        "QUANHUB_KAFKA_PARTNER_TOPIC_RETENTION_MS",
        "QUANHUB_KAFKA_REPLICATION_FACTOR",
        "QUANHUB_KAFKA_REQUEST_TIMEOUT_MS",
        "QUANHUB_KAFKA_RETENTION_MS",
        "QUANHUB_KAFKA_TOPIC_NAMESPACE",
    },
    "DatabaseSettings": {
        "QUANHUB_DATABASE_POOL_MAX",
        "QUANHUB_DATABASE_POOL_MIN",
        "QUANHUB_DATABASE_URL",
    },
    "PiiSettings": {
        "QUANHUB_PII_PROFILE",
        "QUANHUB_PII_SECRET",
    },
    "HttpServerSettings": {
        "QUANHUB_HTTP_BODY_TIMEOUT_SECONDS",
        "QUANHUB_HTTP_BUSY_RETRY_AFTER_SECONDS",
        "QUANHUB_HTTP_HEADER_TIMEOUT_SECONDS",
        "QUANHUB_HTTP_KEEP_ALIVE_SECONDS",
        "QUANHUB_HTTP_MAX_BODY_BYTES",
        "QUANHUB_HTTP_MAX_HEADER_BYTES",
        "QUANHUB_HTTP_MAX_IN_FLIGHT",
    },
    "MetricsSettings": {
        "QUANHUB_METRICS_TOKEN",
    },
    "GatewaySettings": {
        "QUANHUB_GATEWAY_AUTH_CACHE_SECONDS",
        "QUANHUB_GATEWAY_HOST",
        "QUANHUB_GATEWAY_KAFKA_LINGER_MS",
        "QUANHUB_GATEWAY_LOG_JSON",
        "QUANHUB_GATEWAY_LOG_LEVEL",
        "QUANHUB_GATEWAY_MAX_BODY_BYTES",
        "QUANHUB_GATEWAY_MAX_EVENTS_PER_REQUEST",
        "QUANHUB_GATEWAY_MAX_EVENT_BYTES",
        "QUANHUB_GATEWAY_MAX_JSON_BODY_BYTES",
        "QUANHUB_GATEWAY_MAX_JSON_DEPTH",
        "QUANHUB_GATEWAY_MAX_JSON_VALUES_PER_EVENT",
        "QUANHUB_GATEWAY_MAX_STRING_CHARS",
        "QUANHUB_GATEWAY_MIGRATE_ON_START",
        "QUANHUB_GATEWAY_NATIVE",
        "QUANHUB_GATEWAY_PORT",
        "QUANHUB_GATEWAY_PROFILE",
        "QUANHUB_GATEWAY_PUBLISH_TIMEOUT_SECONDS",
        "QUANHUB_GATEWAY_RATE_LIMIT_BURST",
        "QUANHUB_GATEWAY_RATE_LIMIT_EVENTS_PER_SECOND",
        "QUANHUB_GATEWAY_RETRY_AFTER_SECONDS",
        "QUANHUB_GATEWAY_WORKERS",
    },
    "NormalizerSettings": {
        "QUANHUB_NORMALIZER_BATCH_MAX_RECORDS",
        "QUANHUB_NORMALIZER_CLIENT_ID",
        "QUANHUB_NORMALIZER_ENSURE_TOPICS",
        "QUANHUB_NORMALIZER_GROUP_ID",
        "QUANHUB_NORMALIZER_HOST",
        "QUANHUB_NORMALIZER_LOG_JSON",
        "QUANHUB_NORMALIZER_LOG_LEVEL",
        "QUANHUB_NORMALIZER_MAX_POLL_INTERVAL_MS",
        "QUANHUB_NORMALIZER_METADATA_MAX_AGE_MS",
        "QUANHUB_NORMALIZER_OUTPUT_LIMITS_RECHECK_SECONDS",
        "QUANHUB_NORMALIZER_PARTNER_TOPICS",
        "QUANHUB_NORMALIZER_POLL_TIMEOUT_MS",
        "QUANHUB_NORMALIZER_PORT",
        "QUANHUB_NORMALIZER_REGISTRY_CACHE_SECONDS",
        "QUANHUB_NORMALIZER_RETRY_BACKOFF_MAX_SECONDS",
        "QUANHUB_NORMALIZER_RETRY_BACKOFF_SECONDS",
    },
    "LedgerConsumerSettings": {
        "QUANHUB_LEDGER_CONSUMER_BATCH_LINGER_MS",
        "QUANHUB_LEDGER_CONSUMER_BATCH_MAX_RECORDS",
        "QUANHUB_LEDGER_CONSUMER_GROUP_ID",
        "QUANHUB_LEDGER_CONSUMER_HOST",
        "QUANHUB_LEDGER_CONSUMER_LINGER_FROM_RATE",
        "QUANHUB_LEDGER_CONSUMER_LOG_JSON",
        "QUANHUB_LEDGER_CONSUMER_LOG_LEVEL",
        "QUANHUB_LEDGER_CONSUMER_MIGRATE_ON_START",
        "QUANHUB_LEDGER_CONSUMER_POLL_TIMEOUT_MS",
        "QUANHUB_LEDGER_CONSUMER_PORT",
        "QUANHUB_LEDGER_CONSUMER_PROJECTOR_MAX_EVENTS",
        "QUANHUB_LEDGER_CONSUMER_PROJECTOR_POLL_SECONDS",
        "QUANHUB_LEDGER_CONSUMER_RETRY_INITIAL_SECONDS",
        "QUANHUB_LEDGER_CONSUMER_RETRY_MAX_SECONDS",
        "QUANHUB_LEDGER_CONSUMER_SHARDS",
    },
    "LedgerApiSettings": {
        "QUANHUB_LEDGER_API_AUTH_CACHE_SECONDS",
        "QUANHUB_LEDGER_API_HOST",
        "QUANHUB_LEDGER_API_LOG_JSON",
        "QUANHUB_LEDGER_API_LOG_LEVEL",
        "QUANHUB_LEDGER_API_MAX_PAGE_SIZE",
        "QUANHUB_LEDGER_API_MIGRATE_ON_START",
        "QUANHUB_LEDGER_API_PAGE_SIZE",
        "QUANHUB_LEDGER_API_PARTNER_BURST",
        "QUANHUB_LEDGER_API_PARTNER_CONCURRENCY",
        "QUANHUB_LEDGER_API_PARTNER_QUEUE",
        "QUANHUB_LEDGER_API_PARTNER_QUEUE_SECONDS",
        "QUANHUB_LEDGER_API_PARTNER_RATE",
        "QUANHUB_LEDGER_API_PORT",
        "QUANHUB_LEDGER_API_PROFILE",
    },
    "DispatcherSettings": {
        "QUANHUB_DISPATCHER_BATCH_SIZE",
        "QUANHUB_DISPATCHER_CONCURRENCY",
        "QUANHUB_DISPATCHER_HOST",
        "QUANHUB_DISPATCHER_KAFKA_ENABLED",
        "QUANHUB_DISPATCHER_LOG_LEVEL",
        "QUANHUB_DISPATCHER_MAX_IN_FLIGHT",
        "QUANHUB_DISPATCHER_PARTNER_CONCURRENCY",
        "QUANHUB_DISPATCHER_POLL_INTERVAL",
        "QUANHUB_DISPATCHER_PORT",
        "QUANHUB_DISPATCHER_PROFILE",
        "QUANHUB_DISPATCHER_REQUEST_TIMEOUT",
        "QUANHUB_DISPATCHER_RETRY_BASE_SECONDS",
        "QUANHUB_DISPATCHER_RETRY_CAP_SECONDS",
        "QUANHUB_DISPATCHER_RETRY_JITTER",
        "QUANHUB_DISPATCHER_RETRY_MAX_ATTEMPTS",
        "QUANHUB_DISPATCHER_SCAN_WINDOW",
        "QUANHUB_DISPATCHER_SLOT_SECONDS",
    },
    "FeedSettings": {
        "QUANHUB_FEEDS_HEARTBEAT_SECONDS",
        "QUANHUB_FEEDS_MAX_SUBSCRIPTIONS",
        "QUANHUB_FEEDS_POOL_MAX",
        "QUANHUB_FEEDS_PROFILE",
        "QUANHUB_FEEDS_SCAN_WINDOW",
        "QUANHUB_FEEDS_SSE_MAX_LIFETIME_SECONDS",
        "QUANHUB_FEEDS_SSE_PAGE_SIZE",
        "QUANHUB_FEEDS_SSE_QUERY_SLOTS",
        "QUANHUB_FEEDS_SSE_REAUTH_SECONDS",
        "QUANHUB_FEEDS_SSE_STREAMS_PER_PARTNER",
        "QUANHUB_FEEDS_SSE_STREAMS_TOTAL",
    },
    "WatcherSettings": {
        "QUANHUB_WATCHER_BATCH_SIZE",
        "QUANHUB_WATCHER_CATCH_UP_TIMEOUT",
        "QUANHUB_WATCHER_HOST",
        "QUANHUB_WATCHER_INTERVAL_SECONDS",
        "QUANHUB_WATCHER_LEDGER_GROUP_ID",
        "QUANHUB_WATCHER_LOG_LEVEL",
        "QUANHUB_WATCHER_MIGRATE_ON_START",
        "QUANHUB_WATCHER_MOVE_THRESHOLD_HOURS",
        "QUANHUB_WATCHER_PORT",
    },
}


def _variables(cls: type[BaseSettings]) -> set[str]:
    """The variables pydantic-settings reads for the class's own fields: prefix + name."""
    config = cls.model_config
    assert not config.get("env_nested_delimiter")
    prefix = config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in cls.model_fields.items():
        assert field.alias is None, name
        assert field.validation_alias is None, name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            continue  # a shared block: its own class, its own prefix
        names.add(f"{prefix}{name}".upper())
    return names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_each_class_reads_the_same_variables_as_before(cls: type[BaseSettings]) -> None:
    assert _variables(cls) == EXPECTED[cls.__name__]


@pytest.mark.parametrize(
    ("cls", "variable", "value", "field"),
    [
        (GatewaySettings, "QUANHUB_GATEWAY_MAX_BODY_BYTES", "2048", "max_body_bytes"),
        (GatewaySettings, "QUANHUB_GATEWAY_PORT", "9999", "port"),
        (NormalizerSettings, "QUANHUB_NORMALIZER_BATCH_MAX_RECORDS", "7", "batch_max_records"),
        (LedgerConsumerSettings, "QUANHUB_LEDGER_CONSUMER_BATCH_LINGER_MS", "9", "batch_linger_ms"),
        (LedgerApiSettings, "QUANHUB_LEDGER_API_PARTNER_RATE", "3.5", "partner_rate"),
        (DispatcherSettings, "QUANHUB_DISPATCHER_BATCH_SIZE", "11", "batch_size"),
    ],
)
def test_a_knob_moved_to_its_tuning_class_is_still_read_from_its_flat_variable(
    cls: type[BaseSettings],
    variable: str,
    value: str,
    field: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    assert str(getattr(cls(), field)) == value
