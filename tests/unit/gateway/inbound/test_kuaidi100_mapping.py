"""Kuaidi100 pushes to parcel events: golden payloads, signatures, refusals (pure)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format

from quanhub.gateway.inbound.kuaidi100 import PushRefused, parcel_events, verify_and_read

GOLDEN = Path(__file__).parent / "golden"
SALT = "channel-salt"


def push() -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads((GOLDEN / "kuaidi100_push.json").read_bytes())
    return value


def signed(param: str, salt: str = SALT) -> dict[str, list[str]]:
    sign = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
    return {"param": [param], "sign": [sign]}


def test_golden_push_maps_to_the_expected_events() -> None:
    expected = json.loads((GOLDEN / "kuaidi100_events.json").read_text(encoding="utf-8"))
    events = [json_format.MessageToDict(e) for e in parcel_events(push())]
    assert events == expected


def test_a_scan_whose_status_is_unknown_is_left_out_and_the_rest_are_in_time_order() -> None:
    events = parcel_events(push())
    assert [e.parcel.code for e in events] == ["1", "1002", "5"]  # "干线" without a code
    times = [e.occurred_at.ToDatetime() for e in events]
    assert times == sorted(times)


def test_a_repush_gives_the_same_event_ids_and_a_new_scan_a_new_one() -> None:
    first = [e.event_id for e in parcel_events(push())]
    later = push()
    later["lastResult"]["data"].insert(
        0,
        {"context": "已签收", "ftime": "2026-11-28 11:00:00", "status": "签收", "areaCode": ""},
    )
    second = [e.event_id for e in parcel_events(later)]
    assert second[:3] == first
    assert second[3] not in first
    assert len(set(second)) == len(second)


def test_the_signature_is_upper_case_md5_of_param_and_salt() -> None:
    param = orjson.dumps(push()).decode()
    assert verify_and_read(signed(param), SALT)["lastResult"]["nu"] == "V030344422"
    lower = {"param": [param], "sign": [signed(param)["sign"][0].lower()]}
    assert verify_and_read(lower, SALT)["lastResult"]["com"] == "yuantong"


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        (signed("{}", "another-salt"), 401, "bad_signature"),
        ({"param": ["{}"]}, 400, "malformed_push"),
        (signed("not json"), 400, "malformed_push"),
        (signed('{"status": "polling"}'), 400, "malformed_push"),
        (signed("[1, 2]"), 400, "malformed_push"),
    ],
)
def test_refusals(form: dict[str, list[str]], status: int, code: str) -> None:
    with pytest.raises(PushRefused) as refused:
        verify_and_read(form, SALT)
    assert (refused.value.status, refused.value.code) == (status, code)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["lastResult"].pop("nu"),
        lambda p: p["lastResult"].update(data="nope"),
        lambda p: p["lastResult"]["data"][0].update(ftime="yesterday"),
    ],
)
def test_malformed_tracks_are_refused(change: Any) -> None:
    value = push()
    change(value)
    with pytest.raises(PushRefused) as refused:
        parcel_events(value)
    assert refused.value.status == 400
