"""A Kdniao track push (轨迹推送, RequestType 101) to ingest parcel events. Pure: no I/O.

Kdniao POSTs a form: `RequestData`, a JSON object whose `Data` lists waybills (`ShipperCode`
Kdniao's carrier code, `LogisticCode` the waybill, `State`/`StateEx` its current state,
`Traces` its track, oldest first); `DataSign`, the Base64 of the lower-case hex MD5 of
`RequestData` + the AppKey, as Kdniao's own demos compute it (Base64 of the 32 hex
characters, not of the 16 digest bytes); and `RequestType` 101
(../shared/reference/partner-formats.md; the samples in tests/corpus/inbound/kdniao).

Every push repeats the whole track, so each trace becomes one event whose `event_id` is
derived from carrier, waybill, trace time and status: a re-push of a trace is the same
event and counts once. A trace's code is its `Action` (Kdniao's StateEx vocabulary); a
trace without one is named by the item's `State`/`StateEx` only if it is the newest: the
item's state is the waybill's current one, and stamping it on older traces would, for a
delivered parcel, date its delivery to its pickup. Older traces without `Action` are left
out (their status is not in the push), as in the Kuaidi100 mapping.

One waybill that cannot be read (a `ShipperCode` naming no carrier the hub knows, no
waybill, a malformed trace) is refused alone, with a reason; the others go on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from quanhub.common.carriers import resolve_carrier
from quanhub.gateway.inbound.shared import (
    MAX_DESCRIPTION,
    MAX_LOCATION,
    PushRefused,
    china_time,
    text,
)
from quanhub.ingest.v1 import ingest_pb2

__all__ = [
    "CODE_SYSTEM",
    "REQUEST_TYPE",
    "ItemRefused",
    "Mapped",
    "data_sign",
    "parcel_events",
    "verify_and_read",
]

CODE_SYSTEM = "kdniao"
#: Kdniao's RequestType of a track push (轨迹推送).
REQUEST_TYPE = "101"


@dataclass(frozen=True, slots=True)
class ItemRefused:
    """One waybill of the push (`index` in `Data`) the hub could not read, and why."""

    index: int
    code: str
    reason: str


@dataclass(slots=True)
class Mapped:
    """The push's parcel events (oldest first per waybill) and the waybills refused."""

    events: list[ingest_pb2.Event] = field(default_factory=list)
    refused: list[ItemRefused] = field(default_factory=list)


class _ItemError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def data_sign(request_data: str, app_key: str) -> str:
    """Kdniao's DataSign: Base64 of the lower-case hex MD5 of RequestData + AppKey."""
    digest = hashlib.md5((request_data + app_key).encode(), usedforsecurity=False).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def _one(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name, [])
    if len(values) != 1:
        msg = "the form needs exactly one RequestData, one DataSign and one RequestType"
        raise PushRefused(400, "malformed_push", msg)
    return values[0]


def verify_and_read(form: Mapping[str, list[str]], app_key: str) -> dict[str, Any]:
    """The push's RequestData object, once DataSign is shown to be the AppKey's."""
    request_data, sign = _one(form, "RequestData"), _one(form, "DataSign")
    request_type = _one(form, "RequestType")
    expected = data_sign(request_data, app_key)
    if not hmac.compare_digest(expected.encode(), sign.strip().encode()):
        msg = "DataSign is not Base64(MD5(RequestData + AppKey)) for this channel"
        raise PushRefused(401, "bad_signature", msg)
    if request_type.strip() != REQUEST_TYPE:
        msg = f"RequestType {request_type.strip()!r} is not a track push (101)"
        raise PushRefused(400, "unsupported_request_type", msg)
    try:
        value = orjson.loads(request_data)
    except orjson.JSONDecodeError:
        raise PushRefused(400, "malformed_push", "RequestData is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("Data"), list):
        raise PushRefused(400, "malformed_push", "RequestData has no Data list")
    if not all(isinstance(item, dict) for item in value["Data"]):
        raise PushRefused(400, "malformed_push", "each item of Data must be an object")
    return value


def event_id(carrier: str, waybill: str, at: datetime, code: str) -> str:
    """The trace's event id: the same trace pushed again has the same one."""
    key = f"{carrier.lower()}\x1f{waybill}\x1f{at.isoformat()}\x1f{code}".encode()
    return "kdniao-" + hashlib.sha256(key).hexdigest()[:40]


def _state(item: Mapping[str, Any]) -> str:
    """The item's current state as the vocabulary reads it: "State/StateEx", or State."""
    state, state_ex = text(item, "State"), text(item, "StateEx")
    if state_ex and state_ex != state:
        return f"{state}/{state_ex}" if state else state_ex
    return state


def _item_events(item: Mapping[str, Any]) -> list[ingest_pb2.Event]:
    shipper, waybill = text(item, "ShipperCode"), text(item, "LogisticCode")
    if not shipper or not waybill:
        raise _ItemError("missing_field", "an item needs ShipperCode and LogisticCode")
    if resolve_carrier(shipper) is None:
        raise _ItemError(
            "unknown_carrier", f"ShipperCode {shipper[:40]!r} names no carrier the hub knows"
        )
    traces = item.get("Traces")
    if traces is None:
        traces = []
    if not isinstance(traces, list) or not all(isinstance(t, dict) for t in traces):
        raise _ItemError("malformed_push", f"{waybill[:40]}: Traces must be a list of objects")
    state = _state(item)
    events: list[ingest_pb2.Event] = []
    for position, trace in enumerate(traces):
        newest = position == len(traces) - 1
        code = text(trace, "Action") or (state if newest else "")
        if not code:
            continue
        at = china_time(text(trace, "AcceptTime"))
        if at is None:
            msg = f"{waybill[:40]}: a trace's AcceptTime is not yyyy-MM-dd HH:mm:ss"
            raise _ItemError("malformed_push", msg)
        event = ingest_pb2.Event(event_id=event_id(shipper, waybill, at, code))
        event.occurred_at.FromDatetime(at)
        parcel = event.parcel
        parcel.carrier_code = shipper
        parcel.waybill_no = waybill
        parcel.code_system = CODE_SYSTEM
        parcel.code = code
        parcel.description = text(trace, "AcceptStation")[:MAX_DESCRIPTION]
        parcel.location = text(trace, "Location")[:MAX_LOCATION]
        events.append(event)
    return events


def parcel_events(request: Mapping[str, Any], *, max_items: int) -> Mapped:
    """The parcel events of every readable waybill of `Data`, and the waybills refused."""
    items = request["Data"]
    if len(items) > max_items:
        msg = f"{len(items)} waybills in one push; the limit is {max_items}"
        raise PushRefused(413, "too_many_items", msg)
    mapped = Mapped()
    for index, item in enumerate(items):
        try:
            mapped.events.extend(_item_events(item))
        except _ItemError as exc:
            mapped.refused.append(ItemRefused(index, exc.code, exc.reason))
    return mapped
