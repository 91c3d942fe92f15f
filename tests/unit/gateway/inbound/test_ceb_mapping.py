"""CEB XML to customs events: golden files per message type (tests/corpus/inbound/ceb), the
spec's keys for receipts without copNo, and the reader's refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf import json_format

from quanhub.common.access import Principal, Role
from quanhub.common.canonical import customs_document_no, customs_message
from quanhub.common.validation import validate_event
from quanhub.gateway.admission import admit
from quanhub.gateway.errors import BatchRejected, MalformedBody
from quanhub.gateway.inbound.ceb.mapping import customs_events, document_event
from quanhub.gateway.inbound.ceb.messages import MESSAGES
from quanhub.gateway.inbound.ceb.reading import CebDocument, read_messages

CORPUS = Path(__file__).parents[3] / "corpus" / "inbound" / "ceb"
SAMPLES = sorted(CORPUS.glob("CEB*.xml"))
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
AGENT = Principal("JNAGENT", Role.CUSTOMS_AGENT, "Agent", "3701AG0001")


def _events(name: str) -> list[dict[str, object]]:
    events = customs_events(read_messages((CORPUS / name).read_bytes()))
    return [json_format.MessageToDict(e) for e in events]


def test_every_message_type_the_hub_reads_has_a_sample() -> None:
    assert {p.stem for p in SAMPLES} == set(MESSAGES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_each_sample_maps_to_its_golden_events(sample: Path) -> None:
    expected = json.loads((CORPUS / "expected" / f"{sample.stem}.json").read_text())
    assert _events(sample.name) == expected


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_each_sample_is_admitted_as_the_agent(sample: Path) -> None:
    events = customs_events(read_messages(sample.read_bytes()))
    admission = admit(AGENT, events, NOW, max_event_bytes=512 * 1024)
    assert admission.rejected == []
    for event in events:
        kind = customs_message(event.customs.message_type)
        assert kind is not None
        assert customs_document_no(event.customs)


def test_receipts_without_cop_no_name_their_declaration_by_the_spec_keys() -> None:
    def number(name: str) -> str:
        (event,) = customs_events(read_messages((CORPUS / name).read_bytes()))
        return customs_document_no(event.customs)

    assert number("CEB411.xml") == number("CEB412.xml") == "2026112822001400000001"
    assert number("CEB511.xml") == number("CEB512.xml") == "YT7000000000001"
    assert number("CEB311.xml") == number("CEB312.xml") == "ORD20261128000001"
    assert number("CEB621.xml") == "COP20261128000001"
    receipts = customs_events(read_messages((CORPUS / "CEB622.xml").read_bytes()))
    assert {customs_document_no(e.customs) for e in receipts} == {"COP20261128000001"}


def test_personal_fields_go_to_the_contract_s_personal_messages() -> None:
    (order,) = _events("CEB311.xml")
    customs = order["customs"]
    assert isinstance(customs, dict)
    assert customs["buyer"] == {
        "idNumber": "110101199003071234",
        "name": "张三",
        "telephone": "13800138000",
    }
    assert customs["consignee"]["districtCode"] == "370102"
    (payment,) = _events("CEB411.xml")
    assert payment["customs"]["payer"]["idNumber"] == "110101199003071234"  # type: ignore[index]


def test_china_time_and_a_fourteen_digit_return_time() -> None:
    event = document_event(
        "CEB622",
        CebDocument(
            {"guid": "g-1", "copNo": "C1", "returnStatus": "800", "returnTime": "20261128113000"}
        ),
    )
    assert event.occurred_at.ToDatetime(tzinfo=UTC) == datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    assert event.customs.return_time == "20261128113000000"


def test_a_document_without_a_time_is_rejected_by_validation() -> None:
    event = document_event("CEB311", CebDocument({"guid": "g-2", "orderNo": "O1"}))
    assert not event.HasField("occurred_at")
    codes = {v.code for v in validate_event(event, NOW)}
    assert "missing_field" in codes


def test_customs_currency_codes_become_iso_codes_and_unknown_ones_are_left_out() -> None:
    def currency(code: str) -> str:
        fields = {"guid": "g", "orderNo": "O", "appTime": "20261128090000", "currency": code}
        return document_event("CEB311", CebDocument(fields)).customs.currency

    assert (currency("142"), currency("502"), currency("999"), currency("CNY")) == (
        "CNY",
        "USD",
        "",
        "CNY",
    )


def test_a_batch_holds_several_messages_in_order() -> None:
    parts = [(CORPUS / name).read_text().split("?>", 1)[1] for name in ("CEB311.xml", "CEB622.xml")]
    body = ("<CEBBatch>" + "".join(parts) + "</CEBBatch>").encode()
    messages = read_messages(body)
    assert [(m.message_type, len(m.documents)) for m in messages] == [("CEB311", 1), ("CEB622", 2)]
    assert messages[0].guid == "8A4C2E6B-0F1D-4E3A-9B7C-311000000001"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:Order><ceb:OrderHead>
<ceb:orderNo>&lol3;</ceb:orderNo></ceb:OrderHead></ceb:Order></ceb:CEB311Message>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:Order><ceb:OrderHead>
<ceb:orderNo>&xxe;</ceb:orderNo></ceb:OrderHead></ceb:Order></ceb:CEB311Message>"""
DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE ceb:CEB311Message SYSTEM "http://example.invalid/ceb.dtd">
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, DOCTYPE], ids=["bomb", "external", "doctype"])
def test_dtds_entities_and_external_references_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedBody) as caught:
        read_messages(body)
    assert caught.value.code == "xml_forbidden"


@pytest.mark.parametrize("body", [b"", b"<ceb:CEB311Message", b"\xff\xfe<a/>", b"not xml"])
def test_malformed_xml_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedBody) as caught:
        read_messages(body)
    assert caught.value.code == "malformed_xml"


@pytest.mark.parametrize(
    "body",
    [
        b'<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>',
        b"<CEB311Message/>",  # no namespace
        b'<ceb:Order xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>',
        b"<CEBBatch><Other/></CEBBatch>",
    ],
)
def test_a_message_type_the_hub_does_not_read_is_refused(body: bytes) -> None:
    with pytest.raises(BatchRejected) as caught:
        read_messages(body)
    assert caught.value.code == "unknown_message_type"


@pytest.mark.parametrize("qty", ["sNaN", "NaN", "Infinity", "1e40", "1.5", "x", ""])
def test_a_quantity_that_is_no_whole_number_is_left_out(qty: str) -> None:
    fields = {"guid": "g", "copNo": "C", "appTime": "20261128090000"}
    event = document_event("CEB621", CebDocument(fields, [{"gnum": qty, "qty": qty}]))
    (line,) = event.customs.lines
    assert (line.gnum, line.quantity) == (0, 0)
