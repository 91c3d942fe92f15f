"""Golden payloads per vocabulary: a raw envelope in, the expected canonical event out.

Each `golden/<vocabulary>/<case>.input.json` is a RawEnvelope (protobuf JSON mapping) and
`<case>.expected.json` the CanonicalEvent (or {"deadLetter": ...}) it must become. After a
deliberate table change, regenerate with QUANHUB_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.mapping import DeadLetter, normalize

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*/*.input.json"))
VOCABULARIES = {"kuaidi100", "kdniao", "yunda", "quanhub", "taobao", "jd", "pinduoduo", "customs"}


def _run(path: Path) -> dict[str, Any]:
    envelope = json_format.Parse(path.read_text("utf-8"), cpb.RawEnvelope())
    result = normalize(envelope)
    if isinstance(result, DeadLetter):
        return {"deadLetter": {"code": result.code, "message": result.message}}
    return {
        "key": result.key.decode(),
        "unmapped": list(result.unmapped) if result.unmapped else None,
        "event": json_format.MessageToDict(result.event),
    }


def test_every_vocabulary_has_golden_cases() -> None:
    assert {p.parent.name for p in CASES} == VOCABULARIES


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name[:-11]}")
def test_golden(path: Path) -> None:
    expected_path = path.with_name(path.name.replace(".input.json", ".expected.json"))
    actual = _run(path)
    if os.environ.get("QUANHUB_UPDATE_GOLDEN"):
        text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        expected_path.write_text(text, "utf-8")
    assert actual == json.loads(expected_path.read_text("utf-8"))
