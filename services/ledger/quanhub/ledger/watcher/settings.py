"""QUANHUB_WATCHER_*: the watcher's settings."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.settings import ShardMapSettings, ShardRouteSettings


class WatcherSettings(BaseSettings):
    """What a deployer sets for the watcher: its ops port, how often it looks, which
    ledger consumer group it waits for at start, the shared Kafka and PostgreSQL blocks."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_WATCHER_", extra="ignore")

    host: str = "127.0.0.1"
    #: Ops-only HTTP server (/healthz, /readyz, /metrics).
    port: int = Field(default=8085, ge=1, le=65535)
    log_level: str = "INFO"
    #: Wall-clock seconds between passes.
    interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: Hours a predicted delivery's most likely time must move by to be announced again.
    move_threshold_hours: float = Field(default=2.0, gt=0)
    #: Parcels whose projection changed read per query.
    batch_size: int = Field(default=5000, ge=1, le=100_000)
    #: Seconds to wait at start for the ledger to take in the canonical topic, so what
    #: an earlier run published is read back before deciding again.
    catch_up_timeout: float = Field(default=120.0, gt=0)
    #: The ledger consumer's group (its offsets in consumer_offsets); by default
    #: `<topic namespace>-ledger`, as the consumer's.
    ledger_group_id: str = ""
    #: Apply pending database migrations at start.
    migrate_on_start: bool = True
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    #: Which PostgreSQL instance holds each shard (store/shard_map.py): the watcher reads
    #: every instance when several hold shards; the same variables as the consumer's.
    shard_map: ShardMapSettings = Field(default_factory=ShardMapSettings)
    shard_route: ShardRouteSettings = Field(default_factory=ShardRouteSettings)

    @model_validator(mode="after")
    def _group_follows_namespace(self) -> WatcherSettings:
        if not self.ledger_group_id:
            self.ledger_group_id = f"{self.kafka.topic_namespace}-ledger"
        return self
