"""Writing a run to a file instead of the gateway (--dry-run), one JSON line per send."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from google.protobuf import json_format

from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.model import Step


def send_line(step: Step, event: ipb.Event) -> bytes:
    """`{"partner", "anomaly", "event"}` with the event in protobuf's JSON mapping."""
    record: dict[str, Any] = {
        "partner": step.partner,
        "anomaly": step.anomaly.value,
        "event": json_format.MessageToDict(event, preserving_proto_field_name=True),
    }
    if step.defect:
        record["defect"] = step.defect
    return orjson.dumps(record) + b"\n"


def write_sends(path: Path, sends: Iterable[tuple[Step, ipb.Event]]) -> int:
    """Write every send to `path` as JSON lines; return how many."""
    count = 0
    with path.open("wb") as out:
        for step, event in sends:
            out.write(send_line(step, event))
            count += 1
    return count


def write_json_lines(path: Path, rows: Iterable[Any]) -> int:
    """One compact JSON document per line (the per-parcel truth); return how many."""
    count = 0
    with path.open("wb") as out:
        for row in rows:
            out.write(orjson.dumps(row) + b"\n")
            count += 1
    return count


def write_json(path: Path, data: Any) -> None:
    """Pretty JSON, non-ASCII kept (reason texts are Chinese)."""
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
