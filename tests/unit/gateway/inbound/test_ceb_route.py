"""POST /v1/inbound/ceb with fakes: each sample is published as the agent's customs events,
personal data only tokenised, and a refused body publishes nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from gateway_fakes import FakePublisher

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.topics import EventKind, Topics
from quanhub.gateway.settings import GatewaySettings

CORPUS = Path(__file__).parents[3] / "corpus" / "inbound" / "ceb"
SAMPLES = sorted(CORPUS.glob("CEB*.xml"))
AGENT = {"authorization": "Bearer key-agent", "content-type": "application/xml"}
CLEAR = ["110101199003071234", "13800138000", "张三", "经十路100号"]


def _sample(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _batch(*names: str) -> bytes:
    parts = [_sample(name).decode().split("?>", 1)[1] for name in names]
    return ("<CEBBatch>" + "".join(parts) + "</CEBBatch>").encode()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
async def test_each_sample_is_published_on_the_raw_customs_topic(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    settings: GatewaySettings,
    sample: Path,
) -> None:
    r = await client.post("/v1/inbound/ceb", content=sample.read_bytes(), headers=AGENT)
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["rejected"] == 0
    (message,) = answer["messages"]
    assert message["messageType"] == sample.stem
    assert all(d["accepted"] for d in message["documents"])
    assert len(publisher.records) == answer["accepted"] >= 1
    topic = Topics(settings.kafka).raw(EventKind.CUSTOMS)
    for record in publisher.records:
        assert record.topic == topic
        assert ("partner", b"JNAGENT") in record.headers
        envelope = canonical_pb2.RawEnvelope.FromString(record.value)
        assert envelope.event.customs.message_type == sample.stem
        assert envelope.event.event_id.startswith(f"{sample.stem}-")


async def test_no_clear_personal_value_reaches_kafka(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    body = _batch("CEB311.xml", "CEB411.xml", "CEB511.xml", "CEB621.xml")
    r = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 4
    for record in publisher.records:
        for clear in CLEAR:
            assert clear.encode() not in record.value
    order = canonical_pb2.RawEnvelope.FromString(publisher.records[0].value)
    assert order.event.customs.buyer.id_number != ""  # masked, not dropped
    assert order.pii_tokens


async def test_a_batch_answers_per_message_and_the_same_batch_is_the_same_events(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    body = _batch("CEB621.xml", "CEB622.xml")
    first = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    again = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    assert first.status_code == again.status_code == 202
    answer = first.json()
    assert [(m["messageType"], len(m["documents"])) for m in answer["messages"]] == [
        ("CEB621", 1),
        ("CEB622", 2),
    ]
    assert [d["index"] for m in answer["messages"] for d in m["documents"]] == [0, 1, 2]
    ids = [dict(r.headers)["event_id"] for r in publisher.records]
    assert len(ids) == 6
    assert ids[:3] == ids[3:]  # the same event ids: the normalizer counts each once


async def test_a_document_for_another_agent_is_rejected_with_its_reason(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    other = _sample("CEB621.xml").replace(
        b"<ceb:agentCode>3701AG0001</ceb:agentCode>", b"<ceb:agentCode>3701AG9999</ceb:agentCode>"
    )
    r = await client.post("/v1/inbound/ceb", content=other, headers=AGENT)
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "batch_rejected"
    (document,) = problem["messages"][0]["documents"]
    assert (document["accepted"], document["code"]) == (False, "partner_code_mismatch")
    assert publisher.records == []


async def test_only_a_customs_agent_publishes_customs_messages(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    platform = {**AGENT, "authorization": "Bearer key-tmall"}
    r = await client.post("/v1/inbound/ceb", content=_sample("CEB311.xml"), headers=platform)
    assert r.status_code == 422
    assert r.json()["messages"][0]["documents"][0]["code"] == "kind_not_allowed"
    analyst = {**AGENT, "authorization": "Bearer key-analyst"}
    r = await client.post("/v1/inbound/ceb", content=_sample("CEB311.xml"), headers=analyst)
    assert r.status_code == 403
    r = await client.post(
        "/v1/inbound/ceb", content=_sample("CEB311.xml"), headers={"content-type": "text/xml"}
    )
    assert r.status_code == 401
    assert publisher.records == []


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:Order><ceb:OrderHead>
<ceb:guid>g1</ceb:guid><ceb:appTime>20261128090000</ceb:appTime>
<ceb:orderNo>&lol3;</ceb:orderNo></ceb:OrderHead></ceb:Order></ceb:CEB311Message>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:Order><ceb:OrderHead>
<ceb:guid>g2</ceb:guid><ceb:appTime>20261128090000</ceb:appTime>
<ceb:orderNo>&xxe;</ceb:orderNo></ceb:OrderHead></ceb:Order></ceb:CEB311Message>"""
DOCTYPE = _sample("CEB311.xml").replace(
    b"?>", b'?>\n<!DOCTYPE ceb:CEB311Message SYSTEM "http://example.invalid/ceb.dtd">', 1
)


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, DOCTYPE], ids=["bomb", "external", "doctype"])
async def test_dtds_entities_and_external_references_are_refused_and_nothing_published(
    client: httpx.AsyncClient, publisher: FakePublisher, body: bytes
) -> None:
    r = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "xml_forbidden"
    assert "root:" not in r.text
    assert publisher.records == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"<ceb:CEB311Message", "application/xml", 400, "malformed_xml"),
        (b"<CEBBatch/>", "application/xml", 400, "empty_batch"),
        (
            b'<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>',
            "text/xml; charset=utf-8",
            422,
            "unknown_message_type",
        ),
        (b"{}", "application/json", 415, "unsupported_media_type"),
        (b"<a>" + b"x" * 70_000 + b"</a>", "application/xml", 413, "payload_too_large"),
    ],
    ids=["malformed", "empty", "unknown_type", "json", "oversized"],
)
async def test_refusals_are_problems_and_publish_nothing(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    *,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    headers = {**AGENT, "content-type": content_type}
    r = await client.post("/v1/inbound/ceb", content=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert publisher.records == []


async def test_more_documents_than_a_request_may_carry_is_413(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    body = _batch(*["CEB622.xml"] * (settings.max_events_per_request // 2 + 1))
    r = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
    assert publisher.records == []


async def test_the_partner_s_rate_limit_applies(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    body = _batch(*["CEB622.xml"] * 5)  # 10 documents, the burst is 20
    answers = [
        (await client.post("/v1/inbound/ceb", content=body, headers=AGENT)).status_code
        for _ in range(3)
    ]
    assert answers == [202, 202, 429]
    assert len(publisher.records) == 20


@pytest.mark.parametrize("oversized", ["bytes", "documents"])
async def test_an_oversized_body_costs_a_batch_of_the_budget_as_on_post_events(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings, oversized: str
) -> None:
    """Too many bytes or too many documents: each refusal drains a full batch (10 of the
    burst of 20), so the third body is refused with 429 before it is read."""
    too_many = _batch(*["CEB622.xml"] * (settings.max_events_per_request // 2 + 1))
    body = b"<a>" + b"x" * 70_000 + b"</a>" if oversized == "bytes" else too_many
    answers = [await client.post("/v1/inbound/ceb", content=body, headers=AGENT) for _ in range(3)]
    assert [a.status_code for a in answers] == [413, 413, 429]
    assert [a.headers.get("X-RateLimit-Remaining") for a in answers[:2]] == ["10", "0"]
    assert answers[2].headers["Retry-After"]
    r = await client.post("/v1/inbound/ceb", content=_sample("CEB311.xml"), headers=AGENT)
    assert r.status_code == 429
    assert publisher.records == []


async def test_kafka_unavailable_is_503(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    publisher.available = False
    r = await client.post("/v1/inbound/ceb", content=_sample("CEB311.xml"), headers=AGENT)
    assert r.status_code == 503
    assert "Retry-After" in r.headers


async def test_a_batch_publishes_its_good_documents_and_names_the_rejected_one(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    no_time = _sample("CEB312.xml").replace(b"20261128093512345", b"")
    body = _batch("CEB311.xml").replace(
        b"</CEBBatch>", no_time.decode().split("?>", 1)[1].encode() + b"</CEBBatch>"
    )
    r = await client.post("/v1/inbound/ceb", content=body, headers=AGENT)
    assert r.status_code == 202, r.text
    answer = r.json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    order, receipt = (m["documents"][0] for m in answer["messages"])
    assert order["accepted"] is True
    assert (receipt["accepted"], receipt["code"]) == (False, "missing_field")
    assert "return_time" in receipt["message"]
    assert len(publisher.records) == 1
