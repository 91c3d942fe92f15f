"""OpenAPI descriptions of POST /v1/events (the body itself is read as protobuf or JSON)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from quanhub.common.http import AUTH_PROBLEMS, problems
from quanhub.common.jsonschema import event_schema


class RejectedEvent(BaseModel):
    """One refused event of a batch."""

    model_config = ConfigDict(populate_by_name=True)

    index: int = Field(description="Position of the event in the request, from 0.")
    event_id: str = Field(alias="eventId", description="The event's own event_id.")
    code: str = Field(description="Machine-readable reason, e.g. partner_code_mismatch.")
    message: str


class PublishResult(BaseModel):
    """quanhub.ingest.v1.PublishResponse in protobuf's JSON mapping."""

    accepted: int = Field(description="Events durably written (acknowledged by Kafka).")
    rejected: list[RejectedEvent]


_EXAMPLE = {
    "events": [
        {
            "event_id": "SF-1000001-0003",
            "occurred_at": "2026-11-28T09:30:00+08:00",
            "parcel": {
                "carrier_code": "shunfeng",
                "waybill_no": "SF1000001",
                "code_system": "quanhub",
                "code": "DELIVERED",
                "description": "已签收",
            },
        }
    ]
}

PUBLISH_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": "A quanhub.ingest.v1.PublishRequest (see proto/quanhub/ingest/v1).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "title": "quanhub.ingest.v1.PublishRequest",
                "properties": {"events": {"type": "array", "items": event_schema()}},
            },
            "example": _EXAMPLE,
        },
        "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
    },
}

PUBLISH_RESPONSES: dict[int | str, dict[str, Any]] = problems(
    {
        400: "Malformed protobuf or JSON, invalid UTF-8, JSON nested too deep, no events",
        401: AUTH_PROBLEMS[401],
        403: "Your role does not publish events",
        413: "Body larger than max_body_bytes or more than max_events_per_request",
        415: "Content-Type other than application/x-protobuf or application/json",
        422: "Rollback batch with a rejection (`rejected` lists them), no acceptable event, "
        "or a string over the cap",
        429: "Event rate exceeded; see Retry-After and X-RateLimit-* headers",
        503: "Kafka (nothing acknowledged) or the key registry unavailable; retry the same "
        "batch after Retry-After",
    }
)
