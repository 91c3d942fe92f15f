"""A Kuaidi100 subscription push (订阅推送) to ingest parcel events. Pure: no I/O.

Kuaidi100 POSTs a form: `param`, a JSON string whose `lastResult` holds the waybill's
whole track (`com` carrier code, `nu` waybill, `state`, `data` newest first), and `sign`,
the upper-case hex MD5 of `param` + the subscriber's salt
(../shared/reference/partner-formats.md; api.kuaidi100.com/document/5f0ffa8f2977d50a94e1023c).

Every push repeats the whole track, so each scan becomes one event whose `event_id` is
derived from carrier, waybill, scan time and status: a re-push of a scan is the same event
and counts once. A scan's code is its `statusCode` (pushed with `resultv2`), else its
`status` word looked up in Kuaidi100's basic state names, else, for the newest scan only,
the track's `state`; a scan none of these name is left out (its status is unknown).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from quanhub.gateway.inbound.shared import (
    MAX_DESCRIPTION,
    MAX_LOCATION,
    PushRefused,
    china_time,
    text,
)
from quanhub.ingest.v1 import ingest_pb2

__all__ = ["CODE_SYSTEM", "PushRefused", "parcel_events", "verify_and_read"]

CODE_SYSTEM = "kuaidi100"
#: Kuaidi100's basic state names (the `status` word of a scan) and their `state` codes.
_STATE_OF_WORD = {
    "在途": "0",
    "揽收": "1",
    "疑难": "2",
    "签收": "3",
    "退签": "4",
    "派件": "5",
    "退回": "6",
    "转投": "7",
    "转单": "7",
    "清关": "8",
    "拒签": "14",
}


def verify_and_read(form: Mapping[str, list[str]], salt: str) -> dict[str, Any]:
    """The push's `param` object, once `sign` is shown to be MD5(param + salt)."""
    params, signs = form.get("param", []), form.get("sign", [])
    if len(params) != 1 or len(signs) != 1:
        raise PushRefused(400, "malformed_push", "the form needs exactly one param and one sign")
    param = params[0]
    expected = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
    if not hmac.compare_digest(expected, signs[0].strip().upper()):
        raise PushRefused(401, "bad_signature", "sign is not MD5(param + salt) for this channel")
    try:
        value = orjson.loads(param)
    except orjson.JSONDecodeError:
        raise PushRefused(400, "malformed_push", "param is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("lastResult"), dict):
        raise PushRefused(400, "malformed_push", "param has no lastResult object")
    return value


def _scan_time(item: Mapping[str, Any]) -> datetime:
    # Kuaidi100's times (`ftime`, `time`) are China time.
    at = china_time(text(item, "ftime") or text(item, "time"))
    if at is None:
        raise PushRefused(400, "malformed_push", "a scan's ftime is not yyyy-MM-dd HH:mm:ss")
    return at


def _code(item: Mapping[str, Any], newest: bool, state: str) -> str:
    code = text(item, "statusCode")
    if code:
        return code
    word = _STATE_OF_WORD.get(text(item, "status"))
    if word is not None:
        return word
    return state if newest else ""


def event_id(carrier: str, waybill: str, at: datetime, code: str) -> str:
    """The scan's event id: the same scan pushed again has the same one."""
    key = f"{carrier.lower()}\x1f{waybill}\x1f{at.isoformat()}\x1f{code}".encode()
    return "kuaidi100-" + hashlib.sha256(key).hexdigest()[:40]


def parcel_events(param: Mapping[str, Any]) -> list[ingest_pb2.Event]:
    """One parcel event per scan of `lastResult.data` whose status is known, oldest first."""
    last = param["lastResult"]
    carrier, waybill = text(last, "com"), text(last, "nu")
    if not carrier or not waybill:
        raise PushRefused(400, "malformed_push", "lastResult needs com and nu")
    data = last.get("data")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise PushRefused(400, "malformed_push", "lastResult.data must be a list of scans")
    state = text(last, "state")
    events: list[ingest_pb2.Event] = []
    for position, item in enumerate(data):
        code = _code(item, position == 0, state)
        if not code:
            continue
        at = _scan_time(item)
        event = ingest_pb2.Event(event_id=event_id(carrier, waybill, at, code))
        event.occurred_at.FromDatetime(at)
        parcel = event.parcel
        parcel.carrier_code = carrier
        parcel.waybill_no = waybill
        parcel.code_system = CODE_SYSTEM
        parcel.code = code
        parcel.description = text(item, "context")[:MAX_DESCRIPTION]
        parcel.location = (text(item, "areaName") or text(item, "location"))[:MAX_LOCATION]
        area = text(item, "areaCode")
        # Kuaidi100's areaCode is a 12-digit code, CN + the six-digit division + padding.
        digits = area.removeprefix("CN")[:6]
        if len(digits) == 6 and digits.isdigit():
            parcel.district_code = digits
        events.append(event)
    events.reverse()  # Kuaidi100 lists the newest first; the hub takes them in time order
    return events
