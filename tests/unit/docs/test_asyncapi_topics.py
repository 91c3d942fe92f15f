"""docs/asyncapi.yaml names every topic the hub creates, with the key the code uses.

(The document itself is validated with the official AsyncAPI parser by
docs/tools/validate-asyncapi.mjs; this test keeps it in step with the code.)
"""

from __future__ import annotations

import re
from pathlib import Path

from quanhub.common.canonical import customs_key, order_key, parcel_key
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics

DOC = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"


def _addresses() -> set[str]:
    return set(re.findall(r"^\s+address: (\S+)$", DOC.read_text(), flags=re.MULTILINE))


def test_every_shared_topic_is_documented() -> None:
    topics = Topics(KafkaSettings())
    documented = _addresses()
    for spec in topics.specs():
        assert spec.name in documented, spec.name
    assert topics.partner("{code}") in documented
    assert topics.ledger_links in documented  # created by the ledger consumer, not specs()
    assert "quanhub.feed.{code}.v1" in documented


def test_documented_business_keys_match_the_code() -> None:
    text = DOC.read_text()
    assert parcel_key("SF", "sf1234567890").decode() == "P|SF|SF1234567890"
    assert "P|SF|SF1234567890" in text
    assert order_key("TMALL", "1").decode().startswith("O|")
    assert customs_key("JNAGENT", "", "42").decode() == "C|JNAGENT|42"
    for shape in (
        "`P|<carrier_id>|<waybill_no>`",
        "`O|<platform_code>|<order_no>`",
        "`C|<declarant>|<cop_no or order_no>`",
    ):
        assert shape in text
