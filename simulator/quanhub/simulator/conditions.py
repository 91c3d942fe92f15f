"""The conditions a run happens under: its load (an ordinary day or Double 11) and the
incidents injected into one carrier's network in one district for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Load:
    """How busy the network is: `volume` multiplies the orders, `stretch` the network's
    segment durations (sorting, line haul, last mile; not the consignee's own delays)."""

    name: str = "normal"
    volume: float = 1.0
    stretch: float = 1.0

    def __post_init__(self) -> None:
        if self.volume <= 0 or self.stretch <= 0:
            msg = "load volume and stretch must be positive"
            raise ValueError(msg)

    @classmethod
    def parse(cls, text: str) -> Load:
        """A preset name (`normal`, `double11`) or `volume=1.8,stretch=1.5`."""
        name = text.strip().lower().replace("-", "").replace("_", "")
        if name in LOADS:
            return LOADS[name]
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, raw = part.partition("=")
            if key.strip() not in {"volume", "stretch"} or not raw:
                names = ", ".join(LOADS)
                msg = f"load {text!r}: use one of {names}, or volume=N,stretch=N"
                raise ValueError(msg)
            values[key.strip()] = float(raw)
        return cls("custom", **values)


#: Double 11: measured peak days carry about 1.5-1.9 times an average day's parcels, and
#: end-to-end times grow by roughly a third while sorting centres and line hauls are full.
DOUBLE11 = Load("double11", volume=1.7, stretch=1.35)
LOADS: dict[str, Load] = {"normal": Load(), "double11": DOUBLE11}


class IncidentMode(StrEnum):
    """What an incident does to the scans that fall in its window."""

    #: Nothing moves: every scan due in the window happens after its end, spread over
    #: the drain hours that follow.
    STOP = "stop"
    #: Everything moves `factor` times slower while the window lasts.
    SLOW = "slow"


#: Hours after a stop ends over which the held parcels' scans resume.
DRAIN_HOURS = 2.0


@dataclass(frozen=True, slots=True)
class Incident:
    """One carrier's network in one district stops or slows from `start` to `end`."""

    carrier: str
    district: str
    start: datetime
    end: datetime
    mode: IncidentMode = IncidentMode.STOP
    factor: float = 3.0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end <= self.start:
            msg = "an incident needs a timezone-aware start and an end after it"
            raise ValueError(msg)
        if self.factor < 1:
            msg = "an incident's slow-down factor must be at least 1"
            raise ValueError(msg)

    def covers(self, carrier: str, district: str, at: datetime) -> bool:
        """True when a scan of `carrier` in `district` due at `at` is affected."""
        return carrier == self.carrier and district == self.district and self.start <= at < self.end

    @classmethod
    def parse(cls, text: str) -> Incident:
        """From `carrier=YTO,district=370112,start=2026-11-11T08:00+08:00,hours=6` (optional
        `end=` instead of `hours=`, `mode=stop|slow`, `factor=3`)."""
        fields: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, raw = part.partition("=")
            fields[key.strip().lower()] = raw.strip()
        allowed = {"carrier", "district", "start", "hours", "end", "mode", "factor"}
        if unknown := sorted(set(fields) - allowed):
            msg = f"incident {text!r}: unknown field(s) {', '.join(unknown)}"
            raise ValueError(msg)
        if not {"carrier", "district", "start"} <= set(fields) or not (
            {"hours", "end"} & set(fields)
        ):
            msg = f"incident {text!r}: needs carrier=, district=, start= and hours= or end="
            raise ValueError(msg)
        start = datetime.fromisoformat(fields["start"])
        end = (
            datetime.fromisoformat(fields["end"])
            if "end" in fields
            else start + timedelta(hours=float(fields["hours"]))
        )
        return cls(
            carrier=fields["carrier"].upper(),
            district=fields["district"],
            start=start,
            end=end,
            mode=IncidentMode(fields.get("mode", "stop").lower()),
            factor=float(fields.get("factor", "3")),
        )
