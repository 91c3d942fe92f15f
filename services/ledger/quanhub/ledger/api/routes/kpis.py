"""GET /v1/kpis: the plan's indicators for a period and optionally a district."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from quanhub.common.access import Principal, Role
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.api.deps import ClockDep, DatabaseDep, PrincipalDep
from quanhub.ledger.errors import Forbidden, InvalidQuery
from quanhub.ledger.kpis.compute import kpi_report
from quanhub.ledger.kpis.models import KpiReport

router = APIRouter(prefix="/v1", tags=["indicators"])

#: Roles that read city-wide indicators (they name carriers' volumes, so not partners).
KPI_ROLES = frozenset({Role.ANALYST, Role.ADMIN, Role.CUSTOMS_LIAISON})
MAX_DAYS = 3660
DEFAULT_DAYS = 30


def _require_kpi_access(principal: Principal) -> None:
    if principal.role not in KPI_ROLES:
        raise Forbidden(f"the {principal.role.value} role may not read city indicators")


def default_start(end: date) -> date:
    """The first day of the default period ending at `end`; never before 0001-01-01 (the
    earliest day a date holds: `end - 29 days` would overflow for a `to` in January of 1)."""
    return end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days))


@router.get(
    "/kpis",
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
    principal: PrincipalDep,
    db: DatabaseDep,
    clock: ClockDep,
    start: Annotated[date | None, Query(alias="from", description="First day (CST)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (CST), inclusive")] = None,
    district: Annotated[
        str | None, Query(pattern=r"^\d{2,6}$", description="District code or prefix")
    ] = None,
) -> KpiReport:
    """The plan's indicators from the ledger: e-waybill share (target 99%), recyclable
    transit bag share (70%), smart-locker delivery share (10%), parcels per carrier per year
    against 10 million, pickup-to-delivery time by district and carrier, exception and
    return rates, customs clearance time by trade mode, rejection rate and top reasons.

    Days are China Standard Time; the default period is the last 30 days. Every figure
    says how many events it rests on, and a figure without data says `no_data` with null
    values instead of 0%. Definitions: docs/ledger.md and quanhub.ledger.kpis.models.
    """
    _require_kpi_access(principal)
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    end = end or today
    start = start or default_start(end)
    if start > end:
        raise InvalidQuery("`from` is after `to`")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidQuery(f"a period may span at most {MAX_DAYS} days")
    return await kpi_report(db, start, end, district)
