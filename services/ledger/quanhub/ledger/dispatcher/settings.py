"""QUANHUB_DISPATCHER_*: the dispatcher worker's settings, what a deployer sets apart from
the knobs."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common.settings import DatabaseSettings, KafkaSettings, Profile, ProfileSettings
from quanhub.ledger.feeds.backoff import RetryPolicy
from quanhub.ledger.settings import ShardMapSettings


class DispatcherTuning(BaseSettings):
    """Performance knobs (QUANHUB_DISPATCHER_*): how many deliveries run at once, how big a
    batch is, how retries back off. The defaults need no tuning; docs/operations.md
    #performance-knobs says what each trades."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_DISPATCHER_", extra="ignore")

    #: Deliveries in flight at once in this process (one per subscription at a time).
    concurrency: int = Field(default=8, ge=1, le=256)
    #: Deliveries of one partner's subscriptions in flight at once, over all dispatchers
    #: (so one partner's slow receivers leave the other slots to everyone else).
    partner_concurrency: int = Field(default=2, ge=1, le=256)
    #: Seconds one of the `concurrency` slots waits for its attempt; a slower attempt goes
    #: on in the background (within `request_timeout`) and the slot claims the next due
    #: subscription, so slow receivers, even of many partners together, hold no slot long.
    slot_seconds: float = Field(default=2.0, gt=0, le=60)
    #: Attempts in flight at once in this process, slow ones in the background included
    #: (at least `concurrency`); beyond it a slot waits for its own attempt to end.
    max_in_flight: int = Field(default=64, ge=1, le=4096)
    #: Events per delivery at most.
    batch_size: int = Field(default=100, ge=1, le=1000)
    #: Ledger rows one batch-building query may scan (bounds work for sparse subscriptions).
    scan_window: int = Field(default=20_000, ge=100)
    #: Wall-clock seconds one attempt may take in all (resolve, connect, send, status and
    #: headers) before it counts as failed; a receiver trickling bytes does not extend it.
    request_timeout: float = Field(default=10.0, gt=0, le=60)
    #: Longest sleep between looks at the database when no notification arrives.
    poll_interval: float = Field(default=2.0, gt=0, le=60)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=3 * 3600.0, gt=0)
    retry_jitter: float = Field(default=0.1, ge=0, lt=1)
    retry_max_attempts: int = Field(default=21, ge=1)

    @model_validator(mode="after")
    def _in_flight_covers_slots(self) -> Self:
        if self.max_in_flight < self.concurrency:
            msg = "max_in_flight must be at least concurrency"
            raise ValueError(msg)
        return self

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff these settings describe."""
        return RetryPolicy(
            base_seconds=self.retry_base_seconds,
            cap_seconds=self.retry_cap_seconds,
            jitter=self.retry_jitter,
            max_attempts=self.retry_max_attempts,
        )


class DispatcherSettings(DispatcherTuning):
    """What a deployer sets for the dispatcher: its ops port, the profile (which subscriber
    addresses it may call), the shared PostgreSQL and Kafka blocks."""

    host: str = "127.0.0.1"
    port: int = Field(default=8084, ge=1, le=65535)
    log_level: str = "INFO"
    profile: Profile = Field(default_factory=lambda: ProfileSettings().profile)
    #: Deliver `kafka` transport subscriptions to per-partner feed topics.
    kafka_enabled: bool = True
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    #: QUANHUB_LEDGER_SHARD_INSTANCES: the instances whose shards' events it delivers.
    shard_map: ShardMapSettings = Field(default_factory=ShardMapSettings)

    @property
    def private_urls_allowed(self) -> bool:
        """Loopback and private subscriber addresses are callable in the local profile only."""
        return self.profile is Profile.LOCAL
