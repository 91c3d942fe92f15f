"""Shared settings blocks (Kafka, PostgreSQL, personal-data secret) and the profile rule.

Each service composes these blocks into its own pydantic-settings class with its own env
prefix; the blocks keep their own prefixes so `QUANHUB_KAFKA_BOOTSTRAP` and
`QUANHUB_DATABASE_URL` configure every service at once.

Every service's settings are two classes: `<Service>Tuning`, its performance knobs (the
defaults need no tuning), and `<Service>Settings(<Service>Tuning)`, what a deployer sets:
addresses, profile, secrets, these blocks. Both read the same flat variables
(`QUANHUB_GATEWAY_MAX_BODY_BYTES`, not a nested name); docs/operations.md#configuration
lists the first kind, #performance-knobs the second.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Placeholder secrets that only the local profile may run with.
LOCAL_PII_SECRET = "local-development-pii-secret-not-for-production"  # noqa: S105


class Profile(StrEnum):
    """Where the process runs: `local` allows the development defaults, nothing else does."""

    LOCAL = "local"
    PRODUCTION = "production"


class ProfileSettings(BaseSettings):
    """QUANHUB_PROFILE: the deployment profile."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_", extra="ignore")
    profile: Profile = Profile.LOCAL


#: The canonical topic's partitions by default (docs/ledger.md "Shards").
CANONICAL_PARTITIONS = 48


class KafkaSettings(BaseSettings):
    """QUANHUB_KAFKA_*: how to reach Kafka and how our topics are named and sized."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_KAFKA_", extra="ignore")

    # What a deployer sets: where Kafka is, how our topics are named and replicated.
    bootstrap: str = "127.0.0.1:9092"
    #: First segment of every topic name; tests use a unique one per run.
    topic_namespace: str = "quanhub"
    replication_factor: int = Field(default=1, ge=1)

    # Topic sizing and retention, read when topics are created; and one performance knob.
    #: Partitions of the raw, partner and feed topics.
    partitions: int = Field(default=6, ge=1)
    #: Partitions of the canonical topic: ledger shards are groups of them (partition p
    #: belongs to shard p mod S), so it has room for growth. 48 divides evenly into 1, 2,
    #: 3, 4, 6, 8, 12, 16, 24 and 48 shards. Read only when the topic is created: adding
    #: partitions to an existing topic moves keys to other partitions (an object's events
    #: would no longer be in one partition), so a topic with fewer is left as it is.
    canonical_partitions: int = Field(default=CANONICAL_PARTITIONS, ge=1)
    #: Retention of raw and canonical topics (ms); the ledger is the system of record.
    retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)
    #: Retention of partners' own topics, which hold clear personal data: keep it short.
    partner_topic_retention_ms: int = Field(default=6 * 3600 * 1000, ge=60_000)
    dlq_retention_ms: int = Field(default=30 * 24 * 3600 * 1000, ge=60_000)
    #: How long a Kafka request (metadata, produce, admin) may take (ms).
    request_timeout_ms: int = Field(default=10_000, ge=1000)


class DatabaseSettings(BaseSettings):
    """QUANHUB_DATABASE_*: the PostgreSQL that holds the partner registry and the ledger."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_DATABASE_", extra="ignore")

    url: str = "postgresql://quanhub@127.0.0.1:5432/quanhub"
    #: Performance knobs: connections each pool of a process keeps open, and at most.
    pool_min: int = Field(default=1, ge=0)
    pool_max: int = Field(default=10, ge=1)


class PiiSettings(BaseSettings):
    """QUANHUB_PII_*: the HMAC key that turns personal data into tokens.

    Outside the local profile the key is required and may not be the placeholder.
    """

    model_config = SettingsConfigDict(env_prefix="QUANHUB_PII_", extra="ignore")

    secret: SecretStr = SecretStr(LOCAL_PII_SECRET)
    profile: Profile = Field(default_factory=lambda: ProfileSettings().profile)

    @model_validator(mode="after")
    def _no_placeholder_outside_local(self) -> PiiSettings:
        secret = self.secret.get_secret_value()
        if self.profile is not Profile.LOCAL and (secret == LOCAL_PII_SECRET or len(secret) < 32):
            msg = (
                "QUANHUB_PII_SECRET must be a random value of 32+ characters "
                "outside the local profile"
            )
            raise ValueError(msg)
        return self
