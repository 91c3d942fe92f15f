"""The partner-facing JSON Schema says what the contract's options say."""

from __future__ import annotations

import re

from quanhub.common import contract
from quanhub.common.jsonschema import event_schema


def test_the_schema_carries_each_field_rule() -> None:
    schema = event_schema()
    assert schema["required"] == ["event_id", "occurred_at"]
    assert schema["oneOf"] == [{"required": [b]} for b in ("order", "parcel", "customs")]
    parcel = schema["properties"]["parcel"]
    assert parcel["required"] == ["carrier_code", "waybill_no", "code_system", "code"]
    location = parcel["properties"]["location"]
    assert location["maxLength"] == contract.rule("ParcelEvent", "location").max_length
    assert parcel["properties"]["weight_grams"]["minimum"] == 0
    district = parcel["properties"]["district_code"]
    assert re.fullmatch(district["pattern"].strip("^$"), "370102")
    assert not re.fullmatch(district["pattern"].strip("^$"), "37010")
    assert re.fullmatch(district["pattern"].strip("^$"), "")  # an empty string is no value
    order = schema["properties"]["order"]["properties"]
    assert order["lines"]["maxItems"] == 1000
    assert order["trade_mode"]["enum"] == ["", "1210", "1239", "9610", "9710", "9810"]
    assert order["buyer"]["properties"]["id_number"]["x-quanhub-personal"] == "id"


def test_a_normalised_format_is_not_a_pattern() -> None:
    """A waybill is checked after stripping: a pattern on the raw value would refuse what
    the hub accepts."""
    waybill = event_schema()["properties"]["parcel"]["properties"]["waybill_no"]
    assert "pattern" not in waybill
    assert waybill["x-quanhub-format"] == "waybill"
