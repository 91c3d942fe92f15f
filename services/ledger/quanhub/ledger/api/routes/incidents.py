"""GET /v1/incidents: one carrier's scans in one district breaking away from their own
recent baseline (docs/incidents.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from quanhub.common.access import Role
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.api.deps import ClockDep, DatabaseDep, PrincipalDep
from quanhub.ledger.api.instants import aware_instant, bounded_instant
from quanhub.ledger.api.query import CarrierId
from quanhub.ledger.api.routes.kpis import KPI_ROLES
from quanhub.ledger.errors import Forbidden, InvalidQuery
from quanhub.ledger.incidents.ahead import Detections
from quanhub.ledger.incidents.schemas import IncidentOut, IncidentsReport
from quanhub.ledger.incidents.store import find_incidents

router = APIRouter(prefix="/v1", tags=["indicators"])

DEFAULT_SPAN = timedelta(days=1)
MAX_SPAN = timedelta(days=31)


@router.get(
    "/incidents",
    responses=problems(
        {
            **AUTH_PROBLEMS,
            400: "A period that cannot be used",
            403: "Incidents are for the city's roles and carriers (their own)",
            422: INVALID_REQUEST,
        }
    ),
)
async def incidents(
    *,
    request: Request,
    principal: PrincipalDep,
    db: DatabaseDep,
    clock: ClockDep,
    start: Annotated[
        datetime | None,
        Query(alias="from", description="Period start (ISO 8601); default: `to` - 24 h"),
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Period end (ISO 8601); default: as_of")
    ] = None,
    carrier: CarrierId = None,
    district: Annotated[
        str | None, Query(pattern=r"^\d{6}$", description="District code of the scans")
    ] = None,
    as_of: Annotated[
        datetime | None,
        Query(description="Detect as of this moment (ISO 8601; default: now)"),
    ] = None,
) -> IncidentsReport:
    """Incidents open at some time in [`from`, `to`): a carrier's parcel scans in one
    district (10-minute windows) fell to half their own baseline (the median of the same
    time of day over the previous 7 days) or less for two windows or more, beyond Poisson
    noise and beyond what the district's other carriers dropped. Each gives its start, its
    end (null while open), when it was detected, and its size: scans missing and the
    scan-hours they were held back.

    Detection reads only windows that had ended by `as_of` (event time), so a scan timed
    after `as_of` never changes an answer; one timed before it but received late does, as
    it would have for a live watcher once it arrived. The city's roles (analyst, customs
    liaison, admin) see every carrier; a carrier sees its own incidents only (another
    carrier's are an empty list).
    """
    foreign = False
    if principal.role is Role.CARRIER:
        foreign = carrier is not None and carrier != principal.partner_code
        carrier = principal.partner_code
    elif principal.role not in KPI_ROLES:
        raise Forbidden(f"the {principal.role.value} role may not read incidents")
    start = bounded_instant("from", aware_instant("from", start))
    end = bounded_instant("to", aware_instant("to", end))
    moment = bounded_instant("as_of", aware_instant("as_of", as_of)) or clock.now()
    end = end or moment
    start = start or end - DEFAULT_SPAN
    if start >= end:
        raise InvalidQuery("`from` is not before `to`")
    if end - start > MAX_SPAN:
        raise InvalidQuery(f"a period may span at most {MAX_SPAN.days} days")
    detections = _detections(request)
    found = (
        []  # another carrier's: the same empty answer whether it had any or not
        if foreign
        else await find_incidents(
            db,
            start=start,
            end=end,
            as_of=moment,
            carrier=carrier,
            district=district,
            kept=detections.kept,
            detector=detections.detector,
            others=detections.others,  # each instance's flows, with shards on several
        )
    )
    return IncidentsReport(
        since=start,
        until=end,
        as_of=moment,
        incidents=[IncidentOut.of(i) for i in found],
    )


def _detections(request: Request) -> Detections:
    """The process's kept detections and detector (incidents/ahead.py, entered by the
    lifespan: api/warmup.py)."""
    held: Detections = request.app.state.incidents
    return held
