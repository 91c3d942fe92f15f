"""The mapping scrubs every field quanhub.common.fields classes as free text, from the one
table the gateway uses too: a raw-topic record written before a field was classified (its
text as sent) still reaches the canonical event masked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from test_unknown_fields import base_event

from quanhub.common import fields
from quanhub.common.pii import protect_event
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping.normalize import Normalized, normalize

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
#: A landline (8 digits: short enough for every free-text field, return_status included).
NUMBER = "88881234"


def _paths() -> list[tuple[str, ...]]:
    free_text = fields.free_text()
    paths: list[tuple[str, ...]] = []
    for kind in ("order", "parcel", "customs"):
        descriptor = ipb.Event.DESCRIPTOR.fields_by_name[kind].message_type
        assert descriptor is not None
        paths += [(kind, name) for name in free_text.get(descriptor.name, ())]
        if "lines" in descriptor.fields_by_name:
            paths += [(kind, "lines", name) for name in free_text.get("GoodsLine", ())]
    return paths


@pytest.mark.parametrize("path", _paths(), ids=".".join)
@pytest.mark.parametrize("text", [NUMBER, f"T{NUMBER}", "8888 1234"])
def test_every_free_text_field_reaches_the_canonical_event_masked(
    path: tuple[str, ...], text: str
) -> None:
    event = base_event(path[0])
    envelope = protect_event(event, "P", "platform", NOW, "", "gateway", b"s" * 32)
    target: Any = getattr(envelope.event, path[0])
    if path[1] == "lines":
        target = target.lines[0]
    setattr(target, path[-1], text)  # as an older gateway wrote it: not scrubbed
    out = normalize(envelope)
    assert isinstance(out, Normalized), out
    assert NUMBER.encode() not in out.event.SerializeToString()
    assert b"8888 1234" not in out.event.SerializeToString()
    assert getattr(target, path[-1]) == text  # the envelope's own event is left as it is
