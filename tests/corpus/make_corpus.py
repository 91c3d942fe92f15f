"""Writes the bad-input corpus files (deterministic; run again after changing a case).

    .venv/bin/python tests/corpus/make_corpus.py

The expected outcome of every file is written by hand in cases.toml, beside the file name;
this script only produces the bytes. Bodies too big to keep in git (the 5 MB one) are made
by the test from a recipe instead (see `recipes` in test_bad_input_corpus.py).
"""

# A build script: printing is its output.
# ruff: noqa: T201

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from quanhub.ingest.v1 import ingest_pb2 as ipb

HERE = Path(__file__).parent
# A period of its own (mid October), apart from the other e2e tests' traffic and KPIs.
WHEN = "2026-10-15T08:00:00+08:00"


def parcel(event_id: str, **fields: Any) -> dict[str, Any]:
    """A valid SF parcel event (kuaidi100 code 0: in transit), with fields replaced."""
    body = {
        "carrier_code": "shunfeng",
        "waybill_no": "SF7000000001",
        "code_system": "kuaidi100",
        "code": "0",
        "description": "快件已到达【济南转运中心】",
        "location": "济南转运中心",
    }
    body.update(fields.pop("parcel", {}))
    return {"event_id": event_id, "occurred_at": WHEN, "parcel": body, **fields}


def order(event_id: str, platform: str, **fields: Any) -> dict[str, Any]:
    body = {
        "platform_code": platform,
        "order_no": "T-CORPUS-1",
        "code_system": "quanhub",
        "code": "PAID",
        "actual_paid": "88.00",
        **fields,
    }
    return {"event_id": event_id, "occurred_at": WHEN, "order": body}


def customs(event_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "message_type": "CEB624",
        "cop_no": "COP-CORPUS-1",
        "return_status": "399",
        "return_time": "20261121090000000",
        "return_info": "撤销申请审结",
        **fields,
    }
    return {"event_id": event_id, "occurred_at": WHEN, "customs": body}


def request(*events: dict[str, Any]) -> dict[str, Any]:
    return {"events": list(events)}


def protobuf(document: dict[str, Any]) -> bytes:
    message = json_format.ParseDict(document, ipb.PublishRequest())
    return message.SerializeToString(deterministic=True)


def event_bytes(document: dict[str, Any]) -> bytes:
    return json_format.ParseDict(document, ipb.Event()).SerializeToString(deterministic=True)


def write(name: str, data: bytes | str | dict[str, Any]) -> None:
    path = HERE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False, indent=1)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    print(f"{name}: {path.stat().st_size} bytes")


def gateway_files(rng: random.Random) -> None:
    good = protobuf(request(parcel("corpus-pb-good")))
    write("gateway/truncated.pb", good[: len(good) // 2])
    write("gateway/random.pb", bytes([0x0A, 0xFF, 0xFF, 0xFF, 0x7F]) + rng.randbytes(2048))
    write("gateway/invalid_utf8.pb", good.replace("济南".encode(), b"\xff\xfe\xfd\xfc\xfb\xfa"))
    write("gateway/not_json.json", '{"events": [{"event_id": "x", ')
    write("gateway/json_array.json", "[1, 2, 3]")
    write("gateway/events_is_string.json", {"events": "parcel"})
    write("gateway/event_id_is_number.json", request({**parcel("x"), "event_id": 42}))
    write("gateway/time_is_number.json", request({**parcel("corpus-t1"), "occurred_at": 1764}))
    write(
        "gateway/time_invalid.json",
        request({**parcel("corpus-t2"), "occurred_at": "2026-13-45T99:00:00Z"}),
    )
    write(
        "gateway/time_missing_offset.json",
        request({**parcel("corpus-t3"), "occurred_at": "2026-10-15 08:00:00"}),
    )
    write(
        "gateway/time_far_future.json",
        request(
            parcel("corpus-ok-1"), {**parcel("corpus-t4"), "occurred_at": "2099-01-01T00:00:00Z"}
        ),
    )
    write(
        "gateway/time_before_2000.json",
        request({**parcel("corpus-t5"), "occurred_at": "1970-01-01T00:00:01Z"}),
    )
    write("gateway/unknown_field.json", request({**parcel("corpus-u1"), "admin": True}))
    write(
        "gateway/int_overflow.json",
        request(order("corpus-i1", "SF", lines=[{"gnum": 99999999999999999999}])),
    )
    write(
        "gateway/unknown_code.json",
        request(parcel("corpus-code-1", parcel={"code": "ZZ-NOT-A-CODE"})),
    )
    write(
        "gateway/unknown_carrier.json",
        request(parcel("corpus-c1", parcel={"carrier_code": "NO_SUCH_CARRIER"})),
    )
    write(
        "gateway/other_carrier.json",
        request(parcel("corpus-c2", parcel={"carrier_code": "zhongtong"})),
    )
    write("gateway/order_from_carrier.json", request(order("corpus-k1", "TMALL")))
    write("gateway/other_platform.json", request(order("corpus-p1", "JD")))
    write("gateway/other_agent.json", request(customs("corpus-a1", agent_code="3701AG9999")))
    write(
        "gateway/sql_in_waybill.json",
        request(parcel("corpus-s1", parcel={"waybill_no": "1' OR '1'='1"})),
    )
    write(
        "gateway/sql_in_description.json",
        request(
            parcel(
                "corpus-s2",
                parcel={
                    "waybill_no": "SF7000000002",
                    "description": "'); DROP TABLE ledger_events; --",
                },
            )
        ),
    )
    write(
        "gateway/html_in_description.json",
        request(
            parcel(
                "corpus-h1",
                parcel={
                    "waybill_no": "SF7000000003",
                    "description": '<script>alert("x")</script><img src=x onerror=1>',
                },
            )
        ),
    )
    write(
        "gateway/nul_in_description.json",
        request(
            parcel("corpus-n1", parcel={"waybill_no": "SF7000000004", "description": "a\u0000b"})
        ),
    )
    write("gateway/control_chars_event_id.json", request(parcel("corpus\n\t\u202eid")))
    write("gateway/empty_event_id.json", request(parcel("")))
    write(
        "gateway/string_over_cap.json",
        request(parcel("corpus-l1", parcel={"description": "长" * 5000})),
    )
    write(
        "gateway/string_over_field_limit.json",
        request(parcel("corpus-l2", parcel={"description": "x" * 2000})),
    )
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"a": deep}
    write("gateway/deep_nesting.json", {"events": [], "x": deep})
    write("gateway/very_deep_nesting.json", "[" * 5000 + "]" * 5000)
    write("gateway/empty_batch.json", {"events": []})
    write(
        "gateway/too_many_events.pb",
        protobuf(request(*(parcel(f"corpus-m{i}") for i in range(501)))),
    )
    write("gateway/gzip_bomb.json.gz", gzip.compress(b"[" + b" " * 20_000_000 + b"]", 9, mtime=0))
    write("gateway/latin1.json", '{"events": []}')


def kafka_files(rng: random.Random) -> None:
    write("kafka/random.bin", rng.randbytes(1024))
    write("kafka/truncated_event.bin", event_bytes(parcel("corpus-k-trunc"))[:23])
    write(
        "kafka/far_future_event.bin",
        event_bytes({**parcel("corpus-k-future"), "occurred_at": "2099-01-01T00:00:00Z"}),
    )
    write(
        "kafka/missing_waybill_event.bin",
        event_bytes(parcel("corpus-k-nowaybill", parcel={"waybill_no": ""})),
    )
    write("kafka/order_for_other_platform.bin", event_bytes(order("corpus-k-foreign", "TMALL")))
    write(
        "kafka/parcel_of_other_carrier.bin",
        event_bytes(parcel("corpus-k-zto", parcel={"carrier_code": "zhongtong"})),
    )
    write(
        "kafka/nul_in_description_event.bin",
        event_bytes(
            parcel("corpus-k-nul", parcel={"waybill_no": "SF7000000097", "description": "a\u0000b"})
        ),
    )
    write("kafka/empty.bin", b"")


if __name__ == "__main__":
    rng = random.Random(20261128)
    gateway_files(rng)
    kafka_files(rng)
