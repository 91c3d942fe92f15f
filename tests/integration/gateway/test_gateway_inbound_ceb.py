"""CEB XML on the real stack: the gateway, Kafka and the registry's keys. What lands on the
raw customs topic holds no clear personal value, and a refused XML lands nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from ceb_samples import batch
from kafka_reading import read_all

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics

pytestmark = pytest.mark.integration

CLEAR = ["110101199003071234", "13800138000", "张三", "经十路100号"]


def _attack(declaration: str, run: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE m [{declaration}]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:Order><ceb:OrderHead>
<ceb:guid>ATTACK-{run}</ceb:guid><ceb:appTime>20261128090000</ceb:appTime>
<ceb:orderNo>&x;</ceb:orderNo></ceb:OrderHead></ceb:Order></ceb:CEB311Message>""".encode()


async def test_ceb_documents_reach_the_raw_topic_tokenised_and_attacks_reach_nothing(
    gateway: httpx.AsyncClient,
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> None:
    run = uuid.uuid4().hex[:12].upper()
    headers = {"authorization": f"Bearer {demo_keys['JNAGENT']}", "content-type": "text/xml"}
    names = ("CEB311.xml", "CEB411.xml", "CEB511.xml", "CEB621.xml")
    body = batch(names, run)
    r = await gateway.post("/v1/inbound/ceb", content=body, headers=headers)
    assert r.status_code == 202, r.text
    answer = r.json()
    assert (answer["accepted"], answer["rejected"]) == (4, 0)
    ours = {d["eventId"] for m in answer["messages"] for d in m["documents"]}

    attacks = [
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x "&b;&b;&b;">',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        '<!ELEMENT m ANY><!ENTITY x "doctype">',
    ]
    for declaration in attacks:
        refused = await gateway.post(
            "/v1/inbound/ceb", content=_attack(declaration, run), headers=headers
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "xml_forbidden")

    records = await read_all(kafka_settings, [raw_topics.raw(EventKind.CUSTOMS)])
    envelopes = [canonical_pb2.RawEnvelope.FromString(record.value) for record in records]
    mine = [e for e in envelopes if e.event.event_id in ours]
    assert len(mine) == 4
    assert {e.partner_code for e in mine} == {"JNAGENT"}
    assert f"CEB311-ATTACK-{run}" not in {e.event.event_id for e in envelopes}
    for record in records:
        for clear in CLEAR:
            assert clear.encode() not in record.value
    order = next(e for e in mine if e.event.customs.message_type == "CEB311")
    assert order.event.customs.buyer.id_number  # masked, and its token kept
    assert order.pii_tokens
