"""The EDD model: empirical delivery-time histograms per segment, with a fallback chain.

Pure. A segment is (carrier, origin district, destination district, delivery point, pickup
weekday, pickup hour band). A prediction conditions the segment's pickup -> delivered
histogram on the time already taken (D > elapsed) and reads quantiles of what is left:
the median is the most likely time, BAND's quantiles the earliest and latest. Parcels still
open at the training cut are censored observations (Kaplan-Meier), so a young ledger's
quantiles are not those of its fast parcels only. A level with fewer than `min_sample`
parcels still to come, or whose survival stops short of the latest quantile, gives way to
the next one in LEVELS' order; the most likely time blends in the finer levels' medians
by sample size. A level's quantile beyond the horizon its survival was observed to is read
from the coarser levels beyond that horizon (chained_quantile): on a young ledger a slow
lane has no median of its own yet, but it is certainly not its carrier's. Features not
known yet (the destination before the last mile, the delivery point before hand-over) are
summed over. Once a parcel is out for delivery, its window is read from the last mile's
own histograms (first out-for-delivery scan -> delivered, by carrier, destination and
point), conditioned on the time since that scan. docs/edd.md explains the whole model on
one page.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from quanhub.ledger.store.histogram import bucket_bounds, fine_bucket

#: The segment's features, in key order.
FEATURES: tuple[str, ...] = (
    "carrier",
    "origin",
    "destination",
    "point",
    "weekday",
    "hour_band",
)
#: The fallback chain: each level's name and the features it keeps. The origin outlives
#: the destination: the line haul from the origin is most of a parcel's time (docs/edd.md).
LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("segment", frozenset(FEATURES)),
    ("weekday", frozenset({"carrier", "origin", "destination", "point", "weekday"})),
    ("lane_point", frozenset({"carrier", "origin", "destination", "point"})),
    ("lane", frozenset({"carrier", "origin", "destination"})),
    ("origin", frozenset({"carrier", "origin"})),
    ("carrier", frozenset({"carrier"})),
)
#: The last mile's chain (first out-for-delivery scan -> delivered): the point (door,
#: locker or station and the consignee's collection) outlives the destination.
LAST_MILE_LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("last_mile", frozenset({"carrier", "destination", "point"})),
    ("last_mile", frozenset({"carrier", "point"})),
    ("last_mile", frozenset({"carrier"})),
)
#: The band's quantiles: earliest and latest; the band holds the share between them.
BAND: tuple[float, float] = (0.025, 0.975)
#: Parcels still to come (D > elapsed) a level needs before its figures are used.
MIN_SAMPLE = 30
#: The most likely time of the level used is blended with each finer level's median in
#: turn (coarsest first), weighted n : SHRINK by that level's sample n (a segment with 3
#: parcels left counts half), also a level whose survival is observed to its median only:
#: thin or young segments still say something. The band is the level's own: blending its
#: thin quantiles lost coverage (docs/edd.md).
SHRINK = 3.0
#: A carrier whose parcels were followed for less than this (seconds from pickup to the
#: training cut, delivered or not) and whose survival is not observed to the latest
#: quantile gets no estimate: on a ledger's first day the slow lanes have not even left
#: their origin, and a band extrapolated from a few hours is a guess.
MIN_HORIZON = 24 * 3600.0
# Nor does a carrier (and the per-carrier median baseline is not defined) while fewer
# than half its parcels are seen delivered: the median would be extrapolated from the
# early hazard, which on a ledger's first days put it at twice the real one or more
# (docs/edd.md). Once the carrier's median is seen, a parcel slower than most of its
# parcels still gets a window beyond what was seen (Histogram.quantile extends it).
_ALL = tuple(range(len(FEATURES)))

Value = str | int
#: A segment's feature values in FEATURES order; None where not known yet.
Known = tuple[Value | None, ...]


def censored_bucket(bucket: int) -> int:
    """The key under which a parcel still open at the training cut, `bucket` old then,
    is counted beside the delivered ones (a negative key: the levels sum it as any other)."""
    return -1 - bucket


@dataclass(frozen=True, slots=True)
class Histogram:
    """Delivered and still-open (censored) parcels by fine bucket (store.histogram), and
    the Kaplan-Meier survival read from them.

    Delivered-only counts are right-censored: a training window's recent pickups have only
    arrived if they were fast, so their quantiles run early. A censored parcel is at risk
    up to its age at the cut and then leaves the risk set without an event; one censored
    inside a bucket counts half in that bucket's risk set (the actuarial life table). With
    no censored parcel the survival is the empirical one and the quantiles are those of
    the delivered counts."""

    buckets: tuple[int, ...]
    #: Parcels (delivered or open) in each bucket and all before it.
    cumulative: tuple[int, ...]
    events: tuple[int, ...]
    #: Survival at each bucket's upper bound (share not yet delivered), and negated
    #: (ascending, for bisect).
    survival: tuple[float, ...]
    falling: tuple[float, ...]

    @classmethod
    def of(cls, counts: dict[int, int]) -> Histogram:
        events: dict[int, int] = {}
        censored: dict[int, int] = {}
        for key, n in counts.items():
            if n > 0:
                if key >= 0:
                    events[key] = events.get(key, 0) + n
                else:
                    censored[-1 - key] = censored.get(-1 - key, 0) + n
        buckets = tuple(sorted(events.keys() | censored.keys()))
        running, cumulative = 0, []
        for bucket in buckets:
            running += events.get(bucket, 0) + censored.get(bucket, 0)
            cumulative.append(running)
        at_risk, alive, survival = running, 1.0, []
        for bucket in buckets:
            died, left = events.get(bucket, 0), censored.get(bucket, 0)
            exposed = at_risk - left / 2
            if died:
                alive *= 1.0 - died / exposed
            survival.append(alive)
            at_risk -= died + left
        return cls(
            buckets,
            tuple(cumulative),
            tuple(events.get(b, 0) for b in buckets),
            tuple(survival),
            tuple(-s for s in survival),
        )

    @property
    def total(self) -> int:
        """Parcels, delivered or still open at the cut."""
        return self.cumulative[-1] if self.cumulative else 0

    @property
    def delivered(self) -> int:
        return sum(self.events)

    def _count(self, i: int) -> int:
        return self.cumulative[i] - (self.cumulative[i - 1] if i else 0)

    def below(self, seconds: float) -> float:
        """Parcels that took (or had been open) less than `seconds` (spread evenly inside
        a bucket): the total less this is the risk set at `seconds`."""
        bucket = fine_bucket(max(int(seconds), 0))
        i = bisect_left(self.buckets, bucket)
        count: float = self.cumulative[i - 1] if i else 0
        if i < len(self.buckets) and self.buckets[i] == bucket:
            lower, upper = bucket_bounds(bucket)
            if upper is not None:
                count += self._count(i) * (seconds - lower) / (upper - lower)
        return count

    def surviving(self, seconds: float) -> float:
        """Kaplan-Meier share not delivered within `seconds` (linear inside a bucket)."""
        bucket = fine_bucket(max(int(seconds), 0))
        i = bisect_left(self.buckets, bucket)
        before = self.survival[i - 1] if i else 1.0
        if i < len(self.buckets) and self.buckets[i] == bucket:
            lower, upper = bucket_bounds(bucket)
            if upper is None:
                return before
            return before + (self.survival[i] - before) * (seconds - lower) / (upper - lower)
        return before

    def reaches(self, fraction: float, after: float) -> bool:
        """Whether the observed survival gets to `fraction` of the parcels that took longer
        than `after` (censoring may end the risk set before)."""
        return (
            bool(self.survival)
            and self.survival[-1] <= (1.0 - fraction) * self.surviving(after) + 1e-12
        )

    def quantile(self, fraction: float, after: float) -> float:
        """Seconds by which `fraction` of the parcels that took longer than `after` were
        delivered. Beyond the observed horizon (censoring ended the risk set first) the
        survival is extended at the constant hazard it showed from `after` to the horizon."""
        start = self.surviving(after)
        target = (1.0 - fraction) * start
        i = bisect_left(self.falling, -target - 1e-12)
        if i >= len(self.buckets):
            return self._beyond(target, after)
        lower, upper = bucket_bounds(self.buckets[i])
        if upper is None:
            return max(float(lower), after)
        before = self.survival[i - 1] if i else 1.0
        drop = before - self.survival[i]
        inside = (before - target) / drop if drop > 0 else 1.0
        return max(lower + min(max(inside, 0.0), 1.0) * (upper - lower), after)

    @property
    def horizon(self) -> float:
        """Seconds up to which the survival is observed: the last bucket's upper bound."""
        lower, upper = bucket_bounds(self.buckets[-1])
        return float(lower if upper is None else upper)

    def beyond(self, fraction: float, after: float) -> float:
        """The share of the parcels that took longer than `after` still to be delivered
        after the horizon, to reach `fraction` of them: where a coarser level's conditional
        distribution beyond the horizon takes over (0 when the survival reaches it)."""
        start = self.surviving(after)
        left = self.survival[-1] / start if start > 0 and self.survival else 0.0
        return max(0.0, 1.0 - (1.0 - fraction) / left) if left > 1.0 - fraction else 0.0

    def _beyond(self, target: float, after: float) -> float:
        horizon, last = self.horizon, self.survival[-1]
        start = self.surviving(after)
        if horizon <= after or last <= 0 or last >= start:  # no delivery seen after `after`
            return max(horizon, after) + max(horizon - after, 3600.0)
        hazard = math.log(start / last) / (horizon - after)
        return horizon + math.log(last / target) / hazard


@dataclass(frozen=True, slots=True)
class Estimate:
    """A prediction in seconds from pickup, and where it came from."""

    most_likely: float
    earliest: float
    latest: float
    #: The fallback level used and the features it kept (known ones only).
    level: str
    features: tuple[str, ...]
    #: Parcels of that level still to come at `elapsed` (the conditional sample).
    sample: int
    #: The level's histogram and the coarser ones its tail is read from
    #: (chained_quantile; the evaluation reads its other quantiles).
    chain: tuple[Histogram, ...] = field(compare=False, repr=False)
    #: Seconds the chain is conditioned on: since pickup, or for the last mile since the
    #: first out-for-delivery scan, which came `offset` seconds after pickup.
    elapsed: float = 0.0
    offset: float = 0.0

    def quantile(self, fraction: float) -> float:
        """Seconds from pickup by which `fraction` of such parcels were delivered."""
        return self.offset + chained_quantile(self.chain, fraction, self.elapsed)


@dataclass(slots=True)
class EddModel:
    """Histograms of one training window, summed to any set of features on first use."""

    #: Delivery days [first_day, end_day) the model was trained on.
    first_day: date
    end_day: date
    min_sample: int = MIN_SAMPLE
    band: tuple[float, float] = BAND
    shrink: float = SHRINK
    #: The fallback chain (LEVELS; LAST_MILE_LEVELS for the last mile's model).
    levels: tuple[tuple[str, frozenset[str]], ...] = LEVELS
    #: Counts by bucket of each key, by the features kept (indices into FEATURES): the
    #: full segments as added, coarser levels summed from the finest one already summed.
    _counts: dict[tuple[int, ...], dict[tuple[Value, ...], dict[int, int]]] = field(
        default_factory=lambda: {_ALL: {}}
    )
    _histograms: dict[tuple[tuple[int, ...], tuple[Value, ...]], Histogram | None] = field(
        default_factory=dict
    )
    _chains: dict[tuple[bool, ...], tuple[tuple[str, tuple[int, ...]], ...]] = field(
        default_factory=dict
    )
    #: First out-for-delivery scan -> delivered, as segments (carrier, "", destination,
    #: point, 0, 0) read through LAST_MILE_LEVELS. None when no such parcel was added.
    _last_mile: EddModel | None = None

    def add(self, key: tuple[Value, ...], bucket: int, parcels: int) -> None:
        """Count `parcels` of the full segment `key` (FEATURES order) in `bucket`; before
        any level is read."""
        counts = self._counts[_ALL].setdefault(key, {})
        counts[bucket] = counts.get(bucket, 0) + parcels

    def add_last_mile(self, key: tuple[str, str, str], bucket: int, parcels: int) -> None:
        """Count `parcels` of (carrier, destination, point) whose time from their first
        out-for-delivery scan to delivery fell in `bucket` (censored_bucket for those out
        for delivery and still open at the cut)."""
        if self._last_mile is None:
            self._last_mile = EddModel(
                first_day=self.first_day,
                end_day=self.end_day,
                min_sample=self.min_sample,
                band=self.band,
                shrink=self.shrink,
                levels=LAST_MILE_LEVELS,
            )
        carrier, destination, point = key
        self._last_mile.add((carrier, "", destination, point, 0, 0), bucket, parcels)

    def use_level(
        self, kept: tuple[int, ...], counts: dict[tuple[Value, ...], dict[int, int]]
    ) -> None:
        """Take one level's counts as given (keys of the features `kept`, in FEATURES
        order), e.g. sums a caller keeps over a sliding window of days; read, not copied,
        so they must not change while this model answers. Before any level is read."""
        self._counts[kept] = counts

    @property
    def parcels(self) -> int:
        """Delivered parcels learnt from."""
        return sum(n for c in self._counts[_ALL].values() for b, n in c.items() if b >= 0)

    @property
    def open_parcels(self) -> int:
        """Parcels still open at the cut (censored)."""
        return sum(n for c in self._counts[_ALL].values() for b, n in c.items() if b < 0)

    def carrier_median(self, carrier_id: str, elapsed: float = 0.0) -> float | None:
        """The baseline: the carrier's median time (of those longer than `elapsed`); None
        while fewer than half its parcels are seen delivered (see MIN_HORIZON)."""
        histogram = self._histogram((0,), (carrier_id,))
        if histogram is None or histogram.total - histogram.below(elapsed) <= 0:
            return None
        if not histogram.reaches(0.5, 0.0):
            return None
        return histogram.quantile(0.5, elapsed)

    def _level(self, kept: tuple[int, ...]) -> dict[tuple[Value, ...], dict[int, int]]:
        """Counts by key of the level keeping `kept`, summed from the smallest finer level
        already summed."""
        level = self._counts.get(kept)
        if level is None:
            source = min(
                (k for k in self._counts if set(kept) <= set(k)),
                key=lambda k: len(self._counts[k]),
            )
            positions = [source.index(i) for i in kept]
            level = {}
            for key, counts in self._counts[source].items():
                into = level.setdefault(tuple(key[i] for i in positions), {})
                for bucket, n in counts.items():
                    into[bucket] = into.get(bucket, 0) + n
            self._counts[kept] = level
        return level

    def _histogram(self, kept: tuple[int, ...], key: tuple[Value, ...]) -> Histogram | None:
        memo = (kept, key)
        if memo not in self._histograms:
            counts = self._level(kept).get(key)
            self._histograms[memo] = None if counts is None else Histogram.of(counts)
        return self._histograms[memo]

    def warm(self) -> None:
        """Sum every level of every pattern of unknown destination and point, finest first,
        so that no request pays for it."""
        chains = [
            self._chain(("", "", destination, point, 0, 0))
            for destination in (None, "")
            for point in (None, "")
        ]
        for kept in sorted({k for chain in chains for _, k in chain}, key=len, reverse=True):
            self._level(kept)
        if self._last_mile is not None:
            for point in (None, ""):
                for _, kept in self._last_mile._chain(("", None, "", point, None, None)):
                    self._last_mile._level(kept)

    def _chain(self, known: Known) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """The levels in fallback order, each set of known features once, named by the
        coarsest level that keeps exactly those (at pickup, `lane` sums over the unknown
        destination and point: it is the `origin` level)."""
        mask = tuple(v is not None for v in known)
        chain = self._chains.get(mask)
        if chain is None:
            names: dict[tuple[int, ...], str] = {}
            for name, features in self.levels:
                kept = tuple(i for i, f in enumerate(FEATURES) if f in features and mask[i])
                names[kept] = name  # the first occurrence's place; the last one's name
            chain = tuple((name, kept) for kept, name in names.items())
            self._chains[mask] = chain
        return chain

    def predict(
        self, known: Known, elapsed: float, *, out_for_delivery: float | None = None
    ) -> Estimate | None:
        """The estimate for a parcel with these features `elapsed` seconds after pickup;
        None when no level holds a parcel that took longer, or when its carrier has been
        followed for too short a time (MIN_HORIZON). A parcel first out for delivery
        `out_for_delivery` seconds after pickup is read from the last mile (conditioned on
        the time since), unless the last mile knows nothing of its carrier."""
        if out_for_delivery is not None and self._last_mile is not None:
            carrier, _, destination, point, _, _ = known
            since = max(elapsed - out_for_delivery, 0.0)
            last = self._last_mile.predict((carrier, None, destination, point, None, None), since)
            if last is not None:
                return Estimate(
                    most_likely=out_for_delivery + last.most_likely,
                    earliest=out_for_delivery + last.earliest,
                    latest=out_for_delivery + last.latest,
                    level=last.level,
                    features=last.features,
                    sample=last.sample,
                    chain=last.chain,
                    elapsed=since,
                    offset=out_for_delivery,
                )
        return self._predict(known, elapsed)

    def _predict(self, known: Known, elapsed: float) -> Estimate | None:
        # The levels with a parcel left, finest first.
        found: list[tuple[str, tuple[int, ...], Histogram, int]] = []
        for name, kept in self._chain(known):
            key = tuple(v for i in kept if (v := known[i]) is not None)
            histogram = self._histogram(kept, key)
            if histogram is None:
                continue
            sample = round(histogram.total - histogram.below(elapsed))
            if sample > 0:
                found.append((name, kept, histogram, sample))
        if not found:
            return None
        coarsest = found[-1][2]
        if coarsest.horizon < MIN_HORIZON and not coarsest.reaches(self.band[1], elapsed):
            return None
        if not coarsest.reaches(0.5, 0.0):
            return None
        last = len(found) - 1
        used = next(
            (
                i
                for i, (_, _, histogram, sample) in enumerate(found)
                if sample >= self.min_sample and histogram.reaches(self.band[1], elapsed)
            ),
            last,
        )
        name, kept, _, sample = found[used]
        histograms = [f[2] for f in found]
        low, high = self.band
        earliest = chained_quantile(histograms[used:], low, elapsed)
        latest = chained_quantile(histograms[used:], high, elapsed)
        most_likely = chained_quantile(histograms[used:], 0.5, elapsed)
        if self.shrink > 0:
            for i in reversed(range(used)):  # the finer levels, coarsest first
                median = chained_quantile(histograms[i:], 0.5, elapsed)
                n = found[i][3]
                most_likely = (n * median + self.shrink * most_likely) / (n + self.shrink)
        most_likely = min(max(most_likely, earliest), latest)
        return Estimate(
            most_likely=most_likely,
            earliest=earliest,
            latest=latest,
            level=name,
            features=tuple(FEATURES[i] for i in kept),
            sample=sample,
            chain=tuple(histograms[used:]),
            elapsed=elapsed,
        )


def chained_quantile(chain: Sequence[Histogram], fraction: float, after: float) -> float:
    """Seconds by which `fraction` of the parcels of chain[0] that took longer than `after`
    were delivered. Where censoring ended its survival first (on a young ledger the slow
    lanes' medians lie beyond the days seen), the parcels still left at its horizon are
    taken to go on as those of the next histogram (a coarser level) that took longer than
    that horizon; the last one extends its own survival (Histogram.quantile)."""
    first = chain[0]
    rest = first.beyond(fraction, after)
    if rest <= 0.0 or len(chain) == 1:
        return first.quantile(fraction, after)
    return chained_quantile(chain[1:], rest, max(first.horizon, after))
