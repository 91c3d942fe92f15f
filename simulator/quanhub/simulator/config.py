"""What to simulate: size, seed, period, the behaviour mix and the anomaly rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from quanhub.simulator.conditions import Incident, Load

#: Default first order instant: fixed, so a seed alone reproduces a run byte for byte.
DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)


def _share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        msg = f"{name} must be between 0 and 1, got {value}"
        raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class AnomalyRates:
    """Shares of extra or disturbed sends, relative to the valid events generated.

    duplicate: a valid event sent again, same event id, in a later batch.
    out_of_order: a valid event sent after later events of the same object.
    unknown_code: an extra, valid event whose code no vocabulary knows (mid-story).
    malformed: an extra event the hub must refuse (missing waybill, bad trade mode, ...).
    """

    duplicate: float = 0.02
    out_of_order: float = 0.03
    unknown_code: float = 0.005
    malformed: float = 0.002

    def __post_init__(self) -> None:
        for name in ("duplicate", "out_of_order", "unknown_code", "malformed"):
            _share(f"anomaly {name}", getattr(self, name))

    @classmethod
    def parse(cls, text: str) -> AnomalyRates:
        """From `duplicate=0.02,malformed=0.01` (names may be abbreviated to a prefix); "none"
        turns all off."""
        if text.strip().lower() in {"none", "off", "0"}:
            return cls(0.0, 0.0, 0.0, 0.0)
        names = ("duplicate", "out_of_order", "unknown_code", "malformed")
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, raw = part.partition("=")
            key = key.strip().replace("-", "_")
            matches = [n for n in names if n.startswith(key)] if key else []
            if len(matches) != 1 or not raw:
                msg = f"anomaly {part!r}: use name=rate with name among {', '.join(names)}"
                raise ValueError(msg)
            values[matches[0]] = float(raw)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Mix:
    """Behaviour shares, each the probability for one order, parcel or declaration."""

    cancel_before_payment: float = 0.03
    cancel_after_payment: float = 0.01
    #: Domestic parcels' delivery point: locker and station shares; door takes the rest.
    locker: float = 0.14
    station: float = 0.24
    signed_by_proxy: float = 0.06
    e_waybill: float = 0.985
    recyclable_bag: float = 0.72
    single_use_bag: float = 0.24
    attempt_failed: float = 0.04
    transit_exception: float = 0.03
    refused: float = 0.015
    return_after_delivery: float = 0.03
    #: Customs: shares of inventories, and of each path's sub-branches.
    trade_mode_1210: float = 0.5
    inventory_rejected: float = 0.05
    redeclare_after_rejection: float = 0.7
    inventory_error: float = 0.01
    manual_review: float = 0.08
    inspection: float = 0.05
    detained_after_inspection: float = 0.25
    returned_after_detention: float = 0.5
    document_rejected: float = 0.01
    #: Deliberate troubles, the stalled truth (timing.py has their durations): parcels lost
    #: in Jinan (no scan ever again), parcels stalled there for days before moving on,
    #: locker or station parcels (share of those) left uncollected beyond 48 h, and
    #: inventories stuck in the accepted (120) state for days.
    lost: float = 0.003
    stalled: float = 0.01
    uncollected: float = 0.03
    customs_stuck: float = 0.02

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            _share(name, getattr(self, name))
        if self.locker + self.station > 1 or self.recyclable_bag + self.single_use_bag > 1:
            msg = "delivery point and transit bag shares must each sum to at most 1"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """One simulation: `orders` order stories from `seed`, placed over `days` from `start`,
    and, with a warm-up, as many a day again over `warmup_days` before `start`."""

    orders: int
    seed: int = 1
    start: datetime = DEFAULT_START
    days: float = 7.0
    cross_border_share: float = 0.1
    anomalies: AnomalyRates = field(default_factory=AnomalyRates)
    mix: Mix = field(default_factory=Mix)
    #: Carrier partner codes that take part (None: all of the catalog).
    carriers: frozenset[str] | None = None
    #: Nothing after this instant is generated: stories still running are cut there.
    until: datetime | None = None
    #: An ordinary day's load or Double 11's (more orders, stretched durations).
    load: Load = field(default_factory=Load)
    #: Injected incidents: one carrier's scans in one district stop or slow for a while.
    incidents: tuple[Incident, ...] = ()
    #: Days of orders placed before `start` at the run's daily rate, every event sent: a
    #: city hub is never empty, and parcels take days to reach Jinan, so without them the
    #: flows ramp up over the run's first three days.
    warmup_days: float = 0.0

    @property
    def run_order_count(self) -> int:
        """Orders placed from `start`: `orders` times the load's volume."""
        return round(self.orders * self.load.volume)

    @property
    def warmup_order_count(self) -> int:
        """Orders placed in the warm-up, at the run's daily rate."""
        return round(self.run_order_count * self.warmup_days / self.days)

    @property
    def order_count(self) -> int:
        """How many orders are generated: the run's, then the warm-up's."""
        return self.run_order_count + self.warmup_order_count

    def placement(self, index: int) -> tuple[datetime, float]:
        """When order `index` may be placed (first instant, days): the run's orders keep
        their numbers and stories with or without a warm-up; the warm-up's come after."""
        if index < self.run_order_count:
            return self.start, self.days
        return self.start - timedelta(days=self.warmup_days), self.warmup_days

    def __post_init__(self) -> None:
        if self.orders < 0:
            msg = "orders must be zero or more"
            raise ValueError(msg)
        if self.start.tzinfo is None or (self.until is not None and self.until.tzinfo is None):
            msg = "start and until must be timezone-aware"
            raise ValueError(msg)
        if self.days <= 0:
            msg = "days must be positive"
            raise ValueError(msg)
        if self.warmup_days < 0:
            msg = "warmup_days must be zero or more"
            raise ValueError(msg)
        _share("cross_border_share", self.cross_border_share)
