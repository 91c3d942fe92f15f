"""GET /v1/edd/accuracy: how good the predicted delivery was, over parcels delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from quanhub.common.access import Role
from quanhub.common.clock import Clock
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.alerts.spread import clock_everywhere
from quanhub.ledger.alerts.store import ledger_clock
from quanhub.ledger.api.deps import ClockDep, DatabaseDep, InstancesDep, PrincipalDep
from quanhub.ledger.api.instants import aware_instant, bounded_day, bounded_instant, first_day
from quanhub.ledger.api.query import CarrierId, DestinationPrefix, FirstDay, LastDay, LedgerAsOf
from quanhub.ledger.api.routes.kpis import DEFAULT_DAYS, KPI_ROLES
from quanhub.ledger.edd.accuracy import LATEST_TARGET, MAE_RATIO_TARGET, Tally
from quanhub.ledger.edd.accuracy_book import AccuracyBook
from quanhub.ledger.edd.model import BAND
from quanhub.ledger.edd.store import WINDOW_DAYS, window_end
from quanhub.ledger.errors import Forbidden, InvalidQuery
from quanhub.ledger.kpis.percentiles import MIN_SAMPLE
from quanhub.ledger.read.params import Reader

router = APIRouter(prefix="/v1", tags=["indicators"])

MAX_DAYS = 366


class AccuracyFigures(BaseModel):
    """Predictions at pickup of parcels delivered in the period, against what happened."""

    delivered: int = Field(description="Parcels first delivered in the period, with a pickup")
    predicted: int = Field(description="Of those, parcels the model gave a window at pickup")
    unpredicted: int = Field(description="No model knew the carrier at pickup")
    by_latest: int = Field(description="Predicted parcels delivered by the predicted latest")
    delivered_by_latest: float | None = Field(description="by_latest / predicted")
    mae_hours: float | None = Field(description="Mean absolute error of the most likely time")
    baseline_mae_hours: float | None = Field(
        description="Mean absolute error of the carrier's median time (the same model's)"
    )
    mae_ratio: float | None = Field(description="mae_hours / baseline_mae_hours")
    sample: int = Field(description="The figures' sample: `predicted`")
    sufficient: bool | None = Field(
        description="sample >= minimum_sample; null without a sample. Below it the shares "
        "and errors are too little data and no target verdict is given"
    )
    meets_latest_target: bool | None
    meets_mae_target: bool | None


class CarrierAccuracy(AccuracyFigures):
    """One carrier's figures."""

    carrier_id: str


class AccuracyPeriod(BaseModel):
    """The delivery days counted: finished CST days only (before as_of's day)."""

    from_date: date
    to_date: date
    through_date: date | None = Field(description="The last finished day counted")
    district: str | None
    carrier: str | None
    timezone: str = "Asia/Shanghai"


class AccuracyReport(BaseModel):
    """EDD accuracy as predicted at pickup (docs/edd.md)."""

    period: AccuracyPeriod
    as_of: datetime
    confidence: float = Field(description="The band's nominal share (earliest to latest)")
    window_days: int = Field(description="Delivery days each pickup day's model learned from")
    latest_target: float = LATEST_TARGET
    mae_ratio_target: float = MAE_RATIO_TARGET
    minimum_sample: int = MIN_SAMPLE
    overall: AccuracyFigures
    carriers: list[CarrierAccuracy]


def _moment(clock: Clock, ledger_now: datetime | None, as_of: datetime | None = None) -> datetime:
    """The instant a question is asked as of: `as_of`, else the ledger's clock (its latest
    parcel status time, `ledger_now`), never after now."""
    return (as_of or min(ledger_now or clock.now(), clock.now())).astimezone(UTC)


async def _ledger_now(db: Reader, others: Sequence[Reader]) -> datetime | None:
    """The ledger's clock (alerts.store.ledger_clock) over every instance: the latest of
    theirs (each holds its own shards' parcels)."""
    if not others:
        return await ledger_clock(db)
    return await clock_everywhere((db, *others))


async def warm_book(
    book: AccuracyBook, db: Reader, clock: Clock, others: Sequence[Reader] = ()
) -> None:
    """Compute the days of the default question (no `from`, `to` or `as_of`: the
    DEFAULT_DAYS up to the ledger's clock) now, at the API's start, rather than on the
    first question: seconds at 10M events, which the dashboard's first reader would wait.
    An empty ledger has nothing to compute (and days computed empty would be kept so).
    `others`: the other instances of the shard map, whose parcels move the clock too."""
    ledger_now = await _ledger_now(db, others)
    if ledger_now is None:
        return
    today = window_end(_moment(clock, ledger_now))
    await book.figures(first_day(today, DEFAULT_DAYS), today, today)


def _book(request: Request) -> AccuracyBook:
    """The process's daily figures (a cache), made by the lifespan (api/warmup.py)."""
    book: AccuracyBook = request.app.state.edd_accuracy
    return book


@router.get(
    "/edd/accuracy",
    responses=problems(
        {
            **AUTH_PROBLEMS,
            400: "A period or instant that cannot be used",
            403: "For the city's roles and carriers (their own)",
            422: INVALID_REQUEST,
        }
    ),
)
async def edd_accuracy(
    *,
    request: Request,
    principal: PrincipalDep,
    db: DatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    start: FirstDay = None,
    end: LastDay = None,
    carrier: CarrierId = None,
    district: DestinationPrefix = None,
    as_of: LedgerAsOf = None,
) -> AccuracyReport:
    """For parcels first delivered on the period's days, how good their predicted delivery
    was at pickup: the share delivered by the predicted latest time (target 90 %) and the
    mean absolute error of the most likely time against the carrier's median (target: at
    most 0.7 of it). Each parcel is predicted by the model the API served on its pickup
    day (trained on the delivery days before it), knowing the carrier, the origin and the
    pickup's weekday and hour (docs/edd.md).

    Only finished days (CST) count: days before `as_of`'s day (`period.through_date`).
    `as_of` defaults to the ledger's clock, its latest parcel status time. Below
    `minimum_sample` predictions a figure is too little data (`sufficient: false`). The
    city's roles see every carrier; a carrier sees its own figures (another carrier's are
    an empty answer, the same whether it has parcels or not).
    """
    foreign = False
    if principal.role is Role.CARRIER:
        foreign = carrier is not None and carrier.upper() != principal.partner_code
        carrier = principal.partner_code
    elif principal.role not in KPI_ROLES:
        raise Forbidden(f"the {principal.role.value} role may not read EDD accuracy")
    as_of = bounded_instant("as_of", aware_instant("as_of", as_of))
    start = bounded_day("from", start)
    end = bounded_day("to", end)
    others = instances.readers[1:] if instances is not None else ()
    moment = _moment(clock, None if as_of else await _ledger_now(db, others), as_of)
    today = window_end(moment)
    end = end or today
    start = start or first_day(end, DEFAULT_DAYS)
    if start > end:
        raise InvalidQuery("`from` is after `to`")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidQuery(f"a period may span at most {MAX_DAYS} days")
    carrier = carrier.upper() if carrier else None
    days = {} if foreign else await _book(request).figures(start, end, today)
    overall, by_carrier = Tally(), dict[str, Tally]()
    for figures in days.values():
        for (carrier_id, district_code), tally in figures.items():
            if carrier is not None and carrier_id != carrier:
                continue
            if district is not None and not district_code.startswith(district):
                continue
            overall.add(tally)
            by_carrier.setdefault(carrier_id, Tally()).add(tally)
    through = min(end, today - timedelta(days=1))
    low, high = BAND
    return AccuracyReport(
        period=AccuracyPeriod(
            from_date=start,
            to_date=end,
            through_date=through if through >= start else None,
            district=district,
            carrier=carrier,
        ),
        as_of=moment,
        confidence=round(high - low, 4),
        window_days=WINDOW_DAYS,
        overall=AccuracyFigures(**overall.figures()),
        carriers=[
            CarrierAccuracy(carrier_id=c, **t.figures()) for c, t in sorted(by_carrier.items())
        ],
    )
