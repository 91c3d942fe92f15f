"""Prometheus metrics of the ledger consumer, on a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Histogram buckets for the write and projection timings, in seconds.
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ConsumerMetrics:
    """What an operator watches: events in, events new to the ledger, rejects, write time,
    and the projector behind the writes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.records = Counter(
            "quanhub_ledger_records_total", "Canonical records read", registry=self.registry
        )
        self.appended = Counter(
            "quanhub_ledger_events_appended_total",
            "Events new to the ledger (duplicates excluded)",
            registry=self.registry,
        )
        self.rejected = Counter(
            "quanhub_ledger_records_rejected_total",
            "Records that were not usable canonical events",
            registry=self.registry,
        )
        self.write_failures = Counter(
            "quanhub_ledger_write_failures_total",
            "Batch writes that failed and were retried",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "quanhub_ledger_batch_seconds",
            "Time to write one batch to PostgreSQL",
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.lag = Gauge(
            "quanhub_ledger_lag_records",
            "Records on the canonical topic not yet read, by partition (as of the last poll)",
            ["partition"],
            registry=self.registry,
        )
        self.last_seq = Gauge(
            "quanhub_ledger_last_seq",
            "Highest ledger sequence number this consumer appended, by shard (shard k numbers "
            "from k * 2^40)",
            ["shard"],
            registry=self.registry,
        )
        self.visible_seq = Gauge(
            "quanhub_ledger_visible_seq",
            "Highest ledger sequence number projected (visible to readers), by shard",
            ["shard"],
            registry=self.registry,
        )
        self.projection_lag = Gauge(
            "quanhub_ledger_projection_lag_events",
            "Appended events not yet projected, after the projectors' last steps (all shards)",
            registry=self.registry,
        )
        self.shard_projection_lag = Gauge(
            "quanhub_ledger_shard_projection_lag_events",
            "Appended events not yet projected, after the shard's projector's last step",
            ["shard"],
            registry=self.registry,
        )
        #: Each shard's projection lag after its projector's last step (summed above).
        self.behind_by_shard: dict[int, int] = {}
        self.projected = Counter(
            "quanhub_ledger_events_projected_total",
            "Events this process's projector made visible",
            registry=self.registry,
        )
        self.projection_seconds = Histogram(
            "quanhub_ledger_projection_seconds",
            "Time of one projector step (projections, rollups, watermark)",
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.quarantined = Counter(
            "quanhub_ledger_events_quarantined_total",
            "Events no projector step could project, kept in the ledger but left out of "
            "projections and rollups (ledger_quarantine)",
            registry=self.registry,
        )
        self.projector_failures = Counter(
            "quanhub_ledger_projection_failures_total",
            "Projector steps that failed and were retried",
            registry=self.registry,
        )
        self.links_relayed = Counter(
            "quanhub_ledger_links_relayed_total",
            "Link facts this process produced to the links topic for another instance",
            registry=self.registry,
        )
        self.links_applied = Counter(
            "quanhub_ledger_links_applied_total",
            "Link facts from other instances this process merged into order_parcels",
            registry=self.registry,
        )
        self.link_failures = Counter(
            "quanhub_ledger_link_failures_total",
            "Link relay passes and link applies that failed and were retried",
            registry=self.registry,
        )

    def appended_to(self, shard: int, seq: int) -> None:
        """The shard's writer appended up to `seq` (its own numbering)."""
        self.last_seq.labels(str(shard)).set(seq)

    def projected_to(self, shard: int, seq: int, behind: int) -> None:
        """The shard's projector made up to `seq` visible, `behind` events still waiting;
        the lag of every shard is kept and summed, as each projector steps on its own."""
        self.visible_seq.labels(str(shard)).set(seq)
        self.shard_projection_lag.labels(str(shard)).set(behind)
        self.behind_by_shard[shard] = behind
        self.projection_lag.set(sum(self.behind_by_shard.values()))
