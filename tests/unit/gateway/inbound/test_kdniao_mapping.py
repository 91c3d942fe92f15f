"""Kdniao track pushes to parcel events: golden payloads, DataSign, refusals (pure)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
from google.protobuf import json_format

from quanhub.gateway.inbound.kdniao import data_sign, parcel_events, verify_and_read
from quanhub.gateway.inbound.shared import PushRefused

CORPUS = Path(__file__).parents[3] / "corpus" / "inbound" / "kdniao"
APP_KEY = "kdniao-doc-appkey"  # the key the corpus's push_101.form is signed with


def push(name: str = "push_101.json") -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads((CORPUS / name).read_bytes())
    return value


def signed(request_data: str, key: str = APP_KEY, request_type: str = "101") -> dict[str, Any]:
    digest = hashlib.md5((request_data + key).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    return {"RequestData": [request_data], "DataSign": [sign], "RequestType": [request_type]}


def test_the_corpus_form_verifies_as_kdniao_signed_it() -> None:
    """push_101.form was signed with shell tools (md5sum | base64), not with our code."""
    form = parse_qs((CORPUS / "push_101.form").read_text(), strict_parsing=True)
    request = verify_and_read(form, APP_KEY)
    assert request["Data"][0]["LogisticCode"] == "YT8962646785389"
    assert form["DataSign"] == [data_sign(form["RequestData"][0], APP_KEY)]


def test_golden_push_maps_to_the_expected_events() -> None:
    expected = json.loads((CORPUS / "push_101.events.json").read_text(encoding="utf-8"))
    mapped = parcel_events(push(), max_items=10)
    assert [json_format.MessageToDict(e) for e in mapped.events] == expected
    assert mapped.refused == []


def test_each_trace_takes_its_action_and_times_are_china_time() -> None:
    events = parcel_events(push(), max_items=10).events
    assert [e.parcel.code for e in events] == ["1", "2", "202", "301"]
    assert {e.parcel.code_system for e in events} == {"kdniao"}
    assert {e.parcel.carrier_code for e in events} == {"YTO"}
    first = events[0].occurred_at.ToJsonString()
    assert first == "2026-11-26T10:02:11Z"  # 18:02:11 in China


def test_without_actions_the_items_state_names_its_newest_trace_only() -> None:
    """An older trace's own status is not in the push: it is left out, not guessed."""
    mapped = parcel_events(push("push_101_without_action.json"), max_items=10)
    yunda = [e for e in mapped.events if e.parcel.waybill_no == "3967950525457"]
    assert [e.parcel.code for e in yunda] == ["2/201"]
    assert yunda[0].parcel.description == "【杭州市西湖区】已到达"


def test_an_unknown_shipper_code_refuses_that_item_only() -> None:
    mapped = parcel_events(push("push_101_without_action.json"), max_items=10)
    assert {e.parcel.carrier_code for e in mapped.events} == {"YD"}
    assert [(r.index, r.code) for r in mapped.refused] == [(1, "unknown_carrier")]
    assert "NOSUCH" in mapped.refused[0].reason


def test_a_repush_gives_the_same_event_ids_and_a_new_trace_a_new_one() -> None:
    first = [e.event_id for e in parcel_events(push(), max_items=10).events]
    later = push()
    later["Data"][0]["Traces"].append(
        {"AcceptTime": "2026-11-28 10:00:00", "AcceptStation": "退回", "Action": "406"}
    )
    second = [e.event_id for e in parcel_events(later, max_items=10).events]
    assert second[:4] == first
    assert len(set(second)) == 5


def test_too_many_items_are_refused() -> None:
    request = push()
    request["Data"] = request["Data"] * 3
    with pytest.raises(PushRefused) as refused:
        parcel_events(request, max_items=2)
    assert (refused.value.status, refused.value.code) == (413, "too_many_items")


def test_the_signature_is_base64_of_lower_hex_md5() -> None:
    text = orjson.dumps(push()).decode()
    assert verify_and_read(signed(text), APP_KEY)["EBusinessID"] == "1237100"
    upper = hashlib.md5((text + APP_KEY).encode(), usedforsecurity=False).hexdigest().upper()
    wrong_case = {**signed(text), "DataSign": [base64.b64encode(upper.encode()).decode()]}
    with pytest.raises(PushRefused):
        verify_and_read(wrong_case, APP_KEY)


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        (signed("{}", "another-key"), 401, "bad_signature"),
        ({"RequestData": ["{}"], "RequestType": ["101"]}, 400, "malformed_push"),
        ({"DataSign": ["x"], "RequestType": ["101"]}, 400, "malformed_push"),
        (signed('{"Data": []}', request_type="1002"), 400, "unsupported_request_type"),
        (signed("not json"), 400, "malformed_push"),
        (signed("[1, 2]"), 400, "malformed_push"),
        (signed('{"EBusinessID": "1"}'), 400, "malformed_push"),
        (signed('{"Data": [1]}'), 400, "malformed_push"),
    ],
)
def test_refusals(form: dict[str, list[str]], status: int, code: str) -> None:
    with pytest.raises(PushRefused) as refused:
        parcel_events(verify_and_read(form, APP_KEY), max_items=10)
    assert (refused.value.status, refused.value.code) == (status, code)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"LogisticCode": ""}, "missing_field"),
        ({"Traces": "none"}, "malformed_push"),
        ({"Traces": [{"AcceptTime": "yesterday", "Action": "2"}]}, "malformed_push"),
    ],
)
def test_a_malformed_item_is_refused_alone(change: dict[str, Any], code: str) -> None:
    request = push()
    request["Data"].append({**request["Data"][0], **change})
    mapped = parcel_events(request, max_items=10)
    assert len(mapped.events) == 4
    assert [(r.index, r.code) for r in mapped.refused] == [(1, code)]
