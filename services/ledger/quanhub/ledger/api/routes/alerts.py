"""GET /v1/alerts: stalled parcels, uncollected pickups and stuck declarations at an instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from quanhub.common.access import Role
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.alerts.listing import counts, in_district, page
from quanhub.ledger.alerts.model import AlertKind, AlertsPage
from quanhub.ledger.alerts.norms import Norms
from quanhub.ledger.alerts.provider import NormsProvider
from quanhub.ledger.alerts.spread import clock_everywhere, find_everywhere
from quanhub.ledger.alerts.store import Search, find, ledger_clock
from quanhub.ledger.api.answers import answers
from quanhub.ledger.api.deps import (
    ClockDep,
    DatabaseDep,
    InstancesDep,
    PrincipalDep,
    SettingsDep,
)
from quanhub.ledger.api.instants import aware_instant
from quanhub.ledger.api.query import DistrictPrefix, LedgerAsOf, PageCursor, PageLimit
from quanhub.ledger.errors import InvalidQuery

router = APIRouter(prefix="/v1", tags=["alerts"])

#: The earliest instant answered: thresholds are subtracted from it.
EARLIEST = datetime(1, 1, 8, tzinfo=UTC)

#: Roles that count the whole city's alerts (per carrier and district, no object named).
CITY_ROLES = frozenset({Role.ADMIN, Role.CUSTOMS_LIAISON, Role.ANALYST})


@router.get(
    "/alerts",
    responses=problems(
        {**AUTH_PROBLEMS, 400: "A cursor or instant that cannot be used", 422: INVALID_REQUEST}
    ),
)
async def alerts(
    *,
    request: Request,
    principal: PrincipalDep,
    db: DatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    settings: SettingsDep,
    as_of: LedgerAsOf = None,
    carrier: Annotated[str | None, Query(max_length=32, examples=["YTO"])] = None,
    district: DistrictPrefix = None,
    kind: Annotated[list[AlertKind] | None, Query(description="Repeatable; default all")] = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> AlertsPage:
    """Objects silent for longer than their norm at `as_of`: parcels without a scan beyond
    their carrier's normal gap for their status (`stalled`), locker and station parcels
    uncollected beyond 48 h (`uncollected`), customs inventories stuck in one state beyond
    its norm for their trade mode (`customs_stuck`). Each says since when and the
    threshold it broke; the norms are learned from the ledger's own gaps (docs/alerts.md).

    A carrier lists its own parcels, a platform the parcels its carriers linked to its
    orders, a customs agent its declarations, the customs liaison what declarations name,
    an admin everything; `counts` (per carrier x district x kind) cover the whole city for
    admins, customs liaisons and analysts, and only the caller's own alerts otherwise.
    An `as_of` before the ledger's clock is answered from the events up to it (slower).
    Ordered by `since`; pass `next_cursor` as `cursor` for the next page.
    """
    as_of = aware_instant("as_of", as_of)
    # With shards on several instances, every instance's objects (alerts/spread.py).
    latest = await (ledger_clock(db) if instances is None else clock_everywhere(instances.readers))
    instant = (as_of or min(latest or clock.now(), clock.now())).astimezone(UTC)
    if instant < EARLIEST:  # silences are measured back from it
        raise InvalidQuery("`as_of` must lie between the years 1 and 9999 in UTC, after 0001-01-08")
    provider: NormsProvider | None = getattr(request.app.state, "alert_norms", None)
    if provider is None:
        others = instances.readers[1:] if instances is not None else ()
        provider = request.app.state.alert_norms = NormsProvider(others)
    stored, until = await provider.norms(db, latest)
    city = principal.role in CITY_ROLES
    size = min(limit or settings.page_size, settings.max_page_size)
    kinds = frozenset(kind or AlertKind)

    async def answer() -> AlertsPage:
        historical = latest is not None and instant < latest
        if instances is None:
            found = await find(
                db,
                principal,
                Norms(stored),
                as_of=instant,
                historical=historical,
                city_counts=city,
                carrier=carrier,
                kinds=kinds,
            )
        else:
            search = Search(principal, Norms(stored), instant, historical, city, carrier, kinds)
            found = await find_everywhere(instances, search)
        selected = [(a, visible) for a, visible in found.alerts if in_district(a, district)]
        listable = [a for a, visible in selected if visible]
        items, next_cursor = page(listable, size, cursor)
        counted = [a for a, _ in selected] if city else listable
        return AlertsPage(
            as_of=instant,
            clock=latest,
            norms_until=until,
            total=len(listable),
            items=items,
            next_cursor=next_cursor,
            counts=counts(counted),
        )

    key = (principal, instant, latest, until, tuple(stored), carrier, district, kinds, size, cursor)
    kept: AlertsPage = await answers(request, "alerts").get_or_compute(db, key, answer)
    return kept
