"""What GET /v1/alerts answers: alerts, their counts per carrier x district, the norms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class AlertKind(StrEnum):
    """Why an object is flagged."""

    STALLED = "stalled"  # a parcel without a scan beyond its norm
    UNCOLLECTED = "uncollected"  # in a locker or station beyond 48 h
    CUSTOMS_STUCK = "customs_stuck"  # an inventory in one customs state beyond its norm


class Alert(BaseModel):
    """One flagged object at `as_of`."""

    key: str = Field(description="`P|carrier|waybill` or `C|declarant|copNo`")
    kind: AlertKind
    object: str = Field(description="`parcel` or `declaration`")
    carrier: str = Field(description="The parcel's carrier ('' for a declaration)")
    waybill_no: str = ""
    declarant: str = ""
    cop_no: str = ""
    trade_mode: str = ""
    status: str = Field(description="The canonical status it has been silent in")
    sub_status: str = ""
    district: str = Field(
        description="Where it sits (a parcel's latest district, a declaration's consignee's)"
    )
    since: datetime = Field(description="Its last event: the silence started then")
    silent_hours: float
    threshold_hours: float = Field(description="The norm it broke (docs/alerts.md)")
    norm: str = Field(description="The segment the threshold was learned on; '' = default")


class AlertCount(BaseModel):
    """How many alerts one carrier has in one district, of one kind."""

    carrier: str
    district: str
    kind: AlertKind
    alerts: int


class AlertsPage(BaseModel):
    """Alerts at `as_of` (one page) and the counts of every alert the filters select."""

    as_of: datetime = Field(description="The instant the answer is for")
    clock: datetime | None = Field(
        description="The ledger's clock: its latest parcel status time (null if empty)"
    )
    norms_until: datetime | None = Field(
        description="The learned norms' training cutoff (null: defaults only)"
    )
    total: int = Field(description="Alerts the filters select that the caller may list")
    items: list[Alert]
    next_cursor: str | None = None
    counts: list[AlertCount] = Field(
        description="Per carrier x district x kind: city-wide for the city roles, else over "
        "the caller's own alerts"
    )
