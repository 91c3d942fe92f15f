"""The answer of GET /v1/incidents."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from quanhub.ledger.incidents.detect import WINDOW_SECONDS, Incident


class IncidentOut(BaseModel):
    """One carrier's scans in one district breaking away from their own baseline."""

    carrier: str = Field(description="Carrier (hub id)")
    district: str = Field(description="District code of the scans (the event's own district)")
    start: datetime = Field(description="Start of the first low 10-minute window")
    end: datetime | None = Field(
        description="Start of the first window the flow came back in; null while open"
    )
    open: bool = Field(description="Still open at as_of")
    detected_at: datetime = Field(description="When the detector raised it (a window's end)")
    expected_scans: float = Field(description="Scans the carrier's own baseline expected")
    observed_scans: int = Field(description="Scans that came in those windows")
    missing_scans: float = Field(description="expected - observed, at least 0")
    delay_hours: float = Field(
        description="Backlog of missing scans summed over time (scan-hours held back)"
    )

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        """The API's view of a detected incident."""
        return cls(
            carrier=incident.carrier,
            district=incident.district,
            start=incident.start,
            end=incident.end,
            open=incident.end is None,
            detected_at=incident.detected_at,
            expected_scans=round(incident.expected_scans, 1),
            observed_scans=incident.observed_scans,
            missing_scans=round(incident.missing_scans, 1),
            delay_hours=round(incident.delay_hours, 1),
        )


class IncidentsReport(BaseModel):
    """Incidents open at some time in [from, to), as detected at as_of."""

    since: datetime = Field(description="The query's `from`")
    until: datetime = Field(description="The query's `to`")
    as_of: datetime = Field(description="Detection used only the windows ended by then")
    window_minutes: int = Field(default=WINDOW_SECONDS // 60, description="Window length")
    incidents: list[IncidentOut]
