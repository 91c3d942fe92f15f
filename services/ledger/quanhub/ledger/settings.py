"""Settings of the two ledger processes: the consumer (QUANHUB_LEDGER_CONSUMER_*) and the
query API (QUANHUB_LEDGER_API_*), each what a deployer sets apart from its knobs."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common.metrics_access import MetricsSettings
from quanhub.common.settings import (
    CANONICAL_PARTITIONS,
    DatabaseSettings,
    KafkaSettings,
    Profile,
    ProfileSettings,
)
from quanhub.ledger.store.projector import MAX_STEP_EVENTS
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import MAX_SHARDS


class ShardMapSettings(BaseSettings):
    """QUANHUB_LEDGER_SHARD_INSTANCES: the PostgreSQL URLs of the instances beside the home
    one (QUANHUB_DATABASE_URL), a JSON list; shard k lives on instance k mod (1 + its
    length). Every ledger process (consumer, query API, dispatcher) reads the same list."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_LEDGER_", extra="ignore")

    shard_instances: list[str] = Field(default_factory=list)

    def of(self, database: DatabaseSettings) -> ShardMap:
        """The shard map whose home instance is `database`."""
        return ShardMap.of(database.url, self.shard_instances)


class ShardRouteSettings(BaseSettings):
    """How the query API finds an object's shard, read from the variables the producers
    and the consumer read: the canonical topic's partitions
    (QUANHUB_KAFKA_CANONICAL_PARTITIONS) and the consumer's shards
    (QUANHUB_LEDGER_CONSUMER_SHARDS). Used only when the shard map has several instances
    (read/route.py); they must be the topic's and the consumer's, or reads look for
    objects on the wrong instance."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    shards: int = Field(
        default=1, ge=1, le=MAX_SHARDS, validation_alias="QUANHUB_LEDGER_CONSUMER_SHARDS"
    )
    canonical_partitions: int = Field(
        default=CANONICAL_PARTITIONS, ge=1, validation_alias="QUANHUB_KAFKA_CANONICAL_PARTITIONS"
    )


class LedgerConsumerTuning(BaseSettings):
    """Performance knobs of the consumer (QUANHUB_LEDGER_CONSUMER_*): batching, linger, the
    projector's pace, write retries. The defaults need no tuning; docs/operations.md
    #performance-knobs says what each trades."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_LEDGER_CONSUMER_", extra="ignore")

    #: Records per PostgreSQL transaction at most.
    batch_max_records: int = Field(default=5000, ge=1, le=100_000)
    #: How long one poll waits for records before an empty round (ms).
    poll_timeout_ms: int = Field(default=200, ge=1, le=10_000)
    #: While events arrive at least this fast (per second, smoothed over about a second),
    #: a batch waits up to `batch_linger_ms` to fill: each PostgreSQL transaction has a fixed
    #: cost, which bigger batches share. Slower traffic is written as soon as it is polled,
    #: so its latency is unchanged.
    linger_from_rate: float = Field(default=7000.0, ge=0)
    #: How long a batch may wait to fill under that load (ms); 0 never waits.
    batch_linger_ms: int = Field(default=200, ge=0, le=5_000)
    #: The projector (beside the writer, same process) makes appended events visible: it is
    #: woken after every batch, and looks anyway this often (seconds) for what another
    #: consumer process appended or a crash left behind.
    projector_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    #: Events one projector transaction covers at most (a backlog is caught up in steps).
    projector_max_events: int = Field(default=MAX_STEP_EVENTS, ge=1, le=1_000_000)
    #: Backoff between retries of a failed write (seconds, doubling up to the max).
    retry_initial_seconds: float = Field(default=0.2, gt=0)
    retry_max_seconds: float = Field(default=10.0, gt=0)


class LedgerConsumerSettings(LedgerConsumerTuning):
    """What a deployer sets for the consumer (canonical topic -> PostgreSQL): its group and
    ops port, the shared Kafka and PostgreSQL blocks."""

    host: str = "127.0.0.1"
    #: Ops-only HTTP server (/healthz, /readyz, /metrics).
    port: int = Field(default=8083, ge=1, le=65535)
    log_level: str = "INFO"
    log_json: bool = True
    #: Kafka consumer group; offsets live in PostgreSQL (consumer_offsets) under this name.
    #: By default `<topic namespace>-ledger`, so namespaces sharing a Kafka stay apart.
    group_id: str = ""
    #: Apply pending database migrations at start.
    migrate_on_start: bool = True
    #: Ledger shards (docs/ledger.md "Shards"): canonical partition p belongs to shard
    #: p mod shards, and each shard has its own writer and projector lanes. Every consumer
    #: process of the group must use the same value; changing it needs the consumers
    #: stopped (each shard's appended events projected) first.
    shards: int = Field(default=1, ge=1, le=MAX_SHARDS)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    #: Which PostgreSQL instance holds each shard (store/shard_map.py).
    shard_map: ShardMapSettings = Field(default_factory=ShardMapSettings)

    @model_validator(mode="after")
    def _group_follows_namespace(self) -> LedgerConsumerSettings:
        if not self.group_id:
            self.group_id = f"{self.kafka.topic_namespace}-ledger"
        return self


class LedgerApiTuning(BaseSettings):
    """Performance knobs of the query API (QUANHUB_LEDGER_API_*): page sizes, the key
    cache, each partner's share of a process. The defaults need no tuning;
    docs/operations.md#performance-knobs says what each trades."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_LEDGER_API_", extra="ignore")

    #: How long a verified (or refused) API key is trusted without asking PostgreSQL.
    auth_cache_seconds: float = Field(default=15.0, ge=0, le=300)
    #: Page size of list endpoints when the caller gives none, and the most it may ask.
    page_size: int = Field(default=50, ge=1, le=1000)
    max_page_size: int = Field(default=500, ge=1, le=5000)
    #: Requests of one partner in progress at once in this process (SSE streams have their
    #: own caps): a small share of the two pools (QUANHUB_DATABASE_POOL_MAX each), so one
    #: partner's many or slow reads never hold every connection others' reads wait for.
    partner_concurrency: int = Field(default=4, ge=1, le=1000)
    #: Requests of one partner that may wait for one of its slots, each up to
    #: `partner_queue_seconds`; beyond either, 429 with Retry-After. Waiting is per partner:
    #: others' requests never queue behind them.
    partner_queue: int = Field(default=16, ge=0, le=10_000)
    partner_queue_seconds: float = Field(default=1.0, ge=0, le=60)
    #: Each partner's request rate in this process (a token bucket: `partner_rate` requests
    #: a second, bursts of `partner_burst`); beyond, 429 with Retry-After and X-RateLimit-*.
    partner_rate: float = Field(default=50.0, gt=0, le=100_000)
    partner_burst: int = Field(default=100, ge=1, le=1_000_000)


class LedgerApiSettings(LedgerApiTuning):
    """What a deployer sets for the query API: where it listens, the profile, the shared
    PostgreSQL block and the operators' metrics token."""

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    log_level: str = "INFO"
    log_json: bool = True
    migrate_on_start: bool = True
    #: QUANHUB_PROFILE: demo partners' keys are accepted in the local profile only.
    profile: Profile = Field(default_factory=lambda: ProfileSettings().profile)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    #: QUANHUB_METRICS_TOKEN: /metrics for operators only outside the local profile.
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    #: Which PostgreSQL instance holds each shard (store/shard_map.py), and how an
    #: object's key names its shard: point reads go to the object's instance.
    shard_map: ShardMapSettings = Field(default_factory=ShardMapSettings)
    shard_route: ShardRouteSettings = Field(default_factory=ShardRouteSettings)
