"""The CEB XML samples of tests/corpus/inbound/ceb with one run's own document numbers, for
the tests that post them to a real gateway (integration, end-to-end), where documents of
earlier runs are still on the stack."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus" / "inbound" / "ceb"
_GUID = re.compile(rb"(<ceb:guid>)([^<]+)(</ceb:guid>)")
#: The samples' document numbers: order, inventory, payment, logistics (waybill).
_NUMBERS = {
    "ORD20261128000001": "ORD",
    "COP20261128000001": "COP",
    "2026112822001400000001": "PAY",
    "YT7000000000001": "YT7",
}


def fresh(name: str, run: str) -> str:
    """The sample `name` with `run` in its guids and its document numbers (`ORD{run}`,
    `COP{run}`, `PAY{run}`, `YT7{run}`), without its XML declaration."""
    xml = (CORPUS / name).read_bytes()
    xml = _GUID.sub(lambda m: m[1] + m[2] + b"-" + run.encode() + m[3], xml)
    for old, prefix in _NUMBERS.items():
        xml = xml.replace(old.encode(), f"{prefix}{run}".encode())
    return xml.decode().split("?>", 1)[1]


def batch(names: Iterable[str], run: str) -> bytes:
    """The samples `names`, fresh for `run`, in one CEBBatch body."""
    return ("<CEBBatch>" + "".join(fresh(n, run) for n in names) + "</CEBBatch>").encode()
