"""Topic names and their specs, in one place so no service spells a topic twice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from quanhub.common.settings import KafkaSettings


class EventKind(StrEnum):
    """The three kinds of business event, each with its own raw topic."""

    ORDER = "order"
    PARCEL = "parcel"
    CUSTOMS = "customs"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic the hub creates explicitly (never by broker auto-create)."""

    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str = "delete"
    #: "LogAppendTime" where the broker's clock, not the producer's, must stamp records.
    timestamp_type: str = "CreateTime"


class Topics:
    """Topic names under one namespace (`quanhub` in production, unique per test run)."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self.ns = settings.topic_namespace

    def raw(self, kind: EventKind) -> str:
        return f"{self.ns}.raw.{kind.value}.v1"

    def partner(self, partner_code: str) -> str:
        """A large partner's own topic, written with SASL credentials, read by the normalizer."""
        return f"{self.ns}.raw.partner.{partner_code.lower()}.v1"

    def feed(self, partner_code: str) -> str:
        """A partner's filtered feed topic, filled by the dispatcher, read under ACLs."""
        return f"{self.ns}.feed.{partner_code.lower()}.v1"

    @property
    def canonical(self) -> str:
        return f"{self.ns}.canonical.v1"

    @property
    def ledger_links(self) -> str:
        """Order <-> parcel link facts between the ledger's PostgreSQL instances, keyed and
        partitioned as the canonical topic (docs/ledger.md "Links across instances")."""
        return f"{self.ns}.ledger.links.v1"

    def ledger_links_spec(self, canonical_partitions: int) -> TopicSpec:
        """The links topic, with as many partitions as the canonical topic has (not its
        setting: the existing topic's count), created by the ledger consumer when its
        shards span several PostgreSQL instances."""
        return TopicSpec(self.ledger_links, canonical_partitions, self._settings.retention_ms)

    @property
    def dlq(self) -> str:
        return f"{self.ns}.dlq.v1"

    @property
    def raw_topics(self) -> list[str]:
        return [self.raw(kind) for kind in EventKind]

    def specs(self) -> list[TopicSpec]:
        """Every shared topic with its partitions and retention from settings (the
        canonical topic's partitions are its own setting: ledger shards divide them)."""
        s = self._settings
        specs = [TopicSpec(name, s.partitions, s.retention_ms) for name in self.raw_topics]
        specs.append(TopicSpec(self.canonical, s.canonical_partitions, s.retention_ms))
        specs.append(TopicSpec(self.dlq, 1, s.dlq_retention_ms))
        return specs

    def partner_spec(self, partner_code: str) -> TopicSpec:
        s = self._settings
        # The broker stamps records on partners' own topics: the normalizer takes that as
        # the receive time, which a partner's producer clock must not decide.
        return TopicSpec(
            self.partner(partner_code),
            s.partitions,
            s.partner_topic_retention_ms,
            timestamp_type="LogAppendTime",
        )

    def feed_spec(self, partner_code: str) -> TopicSpec:
        """Partitions (the raw topics') and retention (the canonical topic's) of a feed topic."""
        s = self._settings
        return TopicSpec(self.feed(partner_code), s.partitions, s.retention_ms)
