"""Send one parcel event to the hub: POST /v1/events with a protobuf PublishRequest.

    QUANHUB_KEY=qh_... python publish.py --gateway http://127.0.0.1:8080 --carrier SF

Inside this repository `quanhub.ingest.v1.ingest_pb2` is importable already. Anywhere else,
in the folder holding this file and the hub's `proto/` folder (Python 3.11 or newer):

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python -m grpc_tools.protoc -I proto --python_out=. \\
        quanhub/ingest/v1/ingest.proto quanhub/options/v1/options.proto
    QUANHUB_KEY=qh_... .venv/bin/python publish.py --gateway https://hub.example

ingest.proto imports the options that carry its field rules, so both files are generated.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime

import httpx

from quanhub.ingest.v1 import ingest_pb2


def main() -> int:
    """Build, send, print the answer; exit 1 unless the hub answered 202."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--carrier", default="SF")
    parser.add_argument("--waybill", default="SF1234567890")
    parser.add_argument("--event-id", default="")
    args = parser.parse_args()
    event = ingest_pb2.Event(event_id=args.event_id or f"{args.waybill}-{time.time_ns()}")
    event.occurred_at.FromDatetime(datetime.now(UTC))
    event.parcel.carrier_code = args.carrier
    event.parcel.waybill_no = args.waybill
    event.parcel.code_system = "kuaidi100"
    event.parcel.code = "103"  # 已揽收, picked up
    event.parcel.description = "【济南历下区营业部】已揽收"
    event.parcel.district_code = "370102"
    event.parcel.e_waybill = True
    event.parcel.transit_bag = ingest_pb2.TRANSIT_BAG_RECYCLABLE
    body = ingest_pb2.PublishRequest(events=[event]).SerializeToString()
    headers = {
        "Authorization": f"Bearer {os.environ['QUANHUB_KEY']}",
        "Content-Type": "application/x-protobuf",
        "Accept": "application/x-protobuf",
    }
    response = httpx.post(f"{args.gateway}/v1/events", content=body, headers=headers, timeout=30)
    if response.status_code != 202:
        # 429 and 503 carry Retry-After: wait that long, then send the same batch again
        # (the same event ids count once however often they are sent).
        retry = response.headers.get("Retry-After")
        sys.stderr.write(f"{response.status_code} Retry-After={retry} {response.text}\n")
        return 1
    answer = ingest_pb2.PublishResponse.FromString(response.content)
    rejected = [(r.index, r.code, r.message) for r in answer.rejected]
    sys.stdout.write(f'{{"accepted": {answer.accepted}, "rejected": {rejected}}}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
