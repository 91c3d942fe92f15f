"""The normalizer's Prometheus metrics, in a registry of its own (built in bootstrap)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

#: Longest code kept as a label; longer codes are cut so a bad partner cannot explode series.
MAX_CODE_LABEL = 32
#: Distinct (code_system, code) series at most; later new pairs are counted as "(other)".
MAX_UNMAPPED_SERIES = 500


class NormalizerMetrics:
    """Counters and histograms the loop updates; `registry` is served on /metrics."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._unmapped_seen: set[tuple[str, str]] = set()
        self.events = Counter(
            "quanhub_normalizer_events_total",
            "Input records by source kind and outcome (canonical, dead_letter).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.unmapped_codes = Counter(
            "quanhub_normalizer_unmapped_codes_total",
            "Events whose code was not in its vocabulary's table (status UNKNOWN).",
            ["code_system", "code"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "quanhub_normalizer_dead_letters_total",
            "Records sent to the dead-letter topic, by error code.",
            ["error_code"],
            registry=self.registry,
        )
        self.produce_retries = Counter(
            "quanhub_normalizer_produce_retries_total",
            "Produce attempts retried after a retriable Kafka error.",
            registry=self.registry,
        )
        self.producer_renewals = Counter(
            "quanhub_normalizer_producer_renewals_total",
            "Producers closed and replaced after the broker refused a batch or broke the "
            "producer's session (a new producer id restarts the partitions' sequences).",
            registry=self.registry,
        )
        self.commit_failures = Counter(
            "quanhub_normalizer_commit_failures_total",
            "Offset commits refused (a rebalance moved the partitions; records are redelivered).",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "quanhub_normalizer_batch_seconds",
            "Time from getmany() returning to offsets committed.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def unmapped(self, code_system: str, code: str) -> None:
        """Count one unknown code for its vocabulary (series capped, see MAX_UNMAPPED_SERIES)."""
        pair = (code_system[:MAX_CODE_LABEL], code[:MAX_CODE_LABEL])
        if pair not in self._unmapped_seen:
            if len(self._unmapped_seen) >= MAX_UNMAPPED_SERIES:
                pair = ("(other)", "(other)")
            else:
                self._unmapped_seen.add(pair)
        self.unmapped_codes.labels(*pair).inc()
