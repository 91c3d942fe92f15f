"""QUANHUB_NORMALIZER_*: the normalizer's settings, what a deployer sets apart from the knobs."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings


class NormalizerTuning(BaseSettings):
    """Performance knobs (QUANHUB_NORMALIZER_*): batching, polling, retries and caches. The
    defaults need no tuning; docs/operations.md#performance-knobs says what each trades."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_NORMALIZER_", extra="ignore")

    #: Records per getmany() at most: a batch must finish well inside the poll interval.
    batch_max_records: int = Field(default=2000, ge=1, le=10_000)
    #: How long one getmany() waits for records (ms).
    poll_timeout_ms: int = Field(default=200, ge=1, le=10_000)
    #: Kafka's max.poll.interval.ms: a member that does not poll this often is evicted.
    max_poll_interval_ms: int = Field(default=300_000, ge=10_000)
    #: How often new partner topics are discovered (metadata refresh, ms).
    metadata_max_age_ms: int = Field(default=30_000, ge=1_000)
    #: Backoff between retries of an unacknowledged produce (seconds), doubling up to max.
    retry_backoff_seconds: float = Field(default=0.2, gt=0)
    retry_backoff_max_seconds: float = Field(default=5.0, gt=0)
    #: How often readiness reads the output topics' max.message.bytes again (seconds): a
    #: topic lowered below the largest output makes the normalizer not ready.
    output_limits_recheck_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: How long a partner-topic owner looked up in the registry is trusted (seconds).
    registry_cache_seconds: float = Field(default=30.0, ge=0, le=600)


class NormalizerSettings(NormalizerTuning):
    """What a deployer sets for the normalizer: its ops port, which topics it reads, the
    shared Kafka, PostgreSQL and secret blocks (the knobs of NormalizerTuning keep their
    defaults)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8082, ge=1, le=65535)
    log_level: str = "INFO"
    log_json: bool = True
    #: Consumer group; by default `<topic namespace>-normalizer`, so hubs (or test runs)
    #: sharing one Kafka under different namespaces never rebalance each other.
    group_id: str = ""
    client_id: str = "quanhub-normalizer"
    #: Also read partners' own topics (`<ns>.raw.partner.<code>.v1`), found by pattern.
    partner_topics: bool = True
    #: Create the shared topics at start when missing (idempotent).
    ensure_topics: bool = True
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    #: The partner registry, for the owners of partners' own topics.
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    pii: PiiSettings = Field(default_factory=PiiSettings)

    @model_validator(mode="after")
    def _group_follows_namespace(self) -> NormalizerSettings:
        if not self.group_id:
            self.group_id = f"{self.kafka.topic_namespace}-normalizer"
        return self
