"""GET /v1/kpis: the plan's indicators; GET /v1/kpis/delivery-times: the Post Bureau's
delivery measures. Both for a period and optionally a district."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from quanhub.common.access import Principal, Role
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.api.answers import answers
from quanhub.ledger.api.deps import ClockDep, DatabaseDep, InstancesDep, PrincipalDep
from quanhub.ledger.api.instants import first_day
from quanhub.ledger.api.query import CarrierId, DestinationPrefix, DistrictPrefix, FirstDay, LastDay
from quanhub.ledger.errors import Forbidden, InvalidQuery
from quanhub.ledger.kpis.compute import kpi_report
from quanhub.ledger.kpis.delivery_times import (
    ALIASES,
    DIMENSIONS,
    DeliveryTimesReport,
    delivery_times,
)
from quanhub.ledger.kpis.models import KpiReport
from quanhub.ledger.kpis.summed import summed_delivery_times, summed_kpi_report

router = APIRouter(prefix="/v1", tags=["indicators"])

#: Roles that read city-wide indicators (they name carriers' volumes, so not partners).
KPI_ROLES = frozenset({Role.ANALYST, Role.ADMIN, Role.CUSTOMS_LIAISON})
MAX_DAYS = 3660
DEFAULT_DAYS = 30


def _require_kpi_access(principal: Principal) -> None:
    if principal.role not in KPI_ROLES:
        raise Forbidden(f"the {principal.role.value} role may not read city indicators")


@router.get(
    "/kpis",
    response_model=KpiReport,
    responses=problems(
        {
            **AUTH_PROBLEMS,
            400: "A period that cannot be used",
            403: "Indicators are for analysts, customs liaisons and admins",
            422: INVALID_REQUEST,
        }
    ),
)
async def kpis(
    *,
    request: Request,
    principal: PrincipalDep,
    db: DatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    start: FirstDay = None,
    end: LastDay = None,
    district: DistrictPrefix = None,
) -> Response:
    """The plan's indicators from the ledger: e-waybill share (target 99%), recyclable
    transit bag share (70%), smart-locker delivery share (10%), parcels per carrier per year
    against 10 million, pickup-to-delivery time by district and carrier, exception and
    return rates, customs clearance time by trade mode, rejection rate and top reasons.

    Days are China Standard Time; the default period is the last 30 days. Every figure
    says how many events it rests on, and a figure without data says `no_data` with null
    values instead of 0%. Definitions: docs/ledger.md and quanhub.ledger.kpis.models.
    """
    _require_kpi_access(principal)
    first, last = _period(clock.now(), start, end, None)

    async def answer() -> KpiReport:
        if instances is not None:  # each instance's rollups, summed
            return await summed_kpi_report(instances.readers, first, last, district)
        return await kpi_report(db, first, last, district)

    return await answers(request, "kpis").json(db, (first, last, district), answer)


def _period(
    now: datetime, start: date | None, end: date | None, days: str | None
) -> tuple[date, date]:
    """The CST days a request asks for: `from`..`to`, or `period` days ending at `to`, or
    the last DEFAULT_DAYS days (ending today)."""
    end = end or now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    if days is not None:
        if start is not None:
            raise InvalidQuery("give `period` or `from`, not both")
        count = int(days.removesuffix("d"))
        if not 1 <= count <= MAX_DAYS:
            raise InvalidQuery(f"a period may span 1 to {MAX_DAYS} days")
        start = first_day(end, count)
    start = start or first_day(end, DEFAULT_DAYS)
    if start > end:
        raise InvalidQuery("`from` is after `to`")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidQuery(f"a period may span at most {MAX_DAYS} days")
    return start, end


_GROUPS = "|".join((*DIMENSIONS, *ALIASES))


@router.get(
    "/kpis/delivery-times",
    responses=problems(
        {
            **AUTH_PROBLEMS,
            400: "A period or filter that cannot be used",
            403: "Indicators are for analysts, customs liaisons and admins",
            422: INVALID_REQUEST,
        }
    ),
)
async def kpi_delivery_times(
    *,
    principal: PrincipalDep,
    db: DatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    start: FirstDay = None,
    end: LastDay = None,
    period: Annotated[
        str | None,
        Query(pattern=r"^\d{1,4}d$", description="That many days ending at `to`, e.g. `7d`"),
    ] = None,
    carrier: CarrierId = None,
    district: DestinationPrefix = None,
    origin: Annotated[
        str | None, Query(pattern=r"^\d{2,6}$", description="Origin district code or prefix")
    ] = None,
    lane: Annotated[
        str | None,
        Query(pattern=r"^\d{6}-\d{6}$", description="Origin-destination, e.g. 370102-370112"),
    ] = None,
    group_by: Annotated[
        str | None,
        Query(
            pattern=rf"^({_GROUPS})(,({_GROUPS}))*$",
            description="Comma-separated: carrier, district (destination), origin, lane",
        ),
    ] = None,
) -> DeliveryTimesReport:
    """The State Post Bureau's delivery measures from the ledger, for parcels delivered in
    the period: 48 h and 72 h on-time rates (share of parcels with a pickup time delivered
    within 48 / 72 h of it) and full delivery time (全程时限, pickup to first delivered:
    mean, p50, p90, p99), overall and by carrier, destination district, origin district
    or lane.

    Percentiles are nearest-rank values of a fine histogram, stated as the middle of their
    bucket (`percentile_resolution`: 10 minutes below 72 h). Every figure carries its
    `sample`; below `minimum_sample` (30) it says `too_little_data` with a null value.
    Days are China Standard Time; the default period is the last 30 days. Definitions:
    docs/ledger.md and quanhub.ledger.kpis.delivery_times.
    """
    _require_kpi_access(principal)
    start, end = _period(clock.now(), start, end, period)
    if lane is not None:
        if origin is not None or district is not None:
            raise InvalidQuery("give `lane` or `origin`/`district`, not both")
        origin, district = lane.split("-")
    ask: dict[str, Any] = {
        "carrier": carrier.upper() if carrier else None,
        "origin": origin,
        "district": district,
        "group_by": group_by.split(",") if group_by else [],
    }
    if instances is not None:  # each instance's lane rollups, summed
        return await summed_delivery_times(instances.readers, start, end, **ask)
    return await delivery_times(db, start, end, **ask)
