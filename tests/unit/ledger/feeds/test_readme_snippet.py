"""The README's paste-ready verifier agrees with the hub's signer."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from quanhub.ledger.feeds.signing import signature_header

README = Path(__file__).resolve().parents[4] / "README.md"


def _snippet() -> Callable[[str, str, bytes], bool]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.S)
    source = next(b for b in blocks if "def quanhub_signature_ok" in b)
    namespace: dict[str, object] = {}
    exec(source, namespace)  # noqa: S102 - our own README, under test
    return namespace["quanhub_signature_ok"]  # type: ignore[return-value]


def test_readme_verifier_accepts_the_hubs_signatures_and_nothing_else() -> None:
    verify = _snippet()
    body = b'{"delivery_id":"d","subscription_id":"s","events":[]}'
    now = int(time.time())
    header = signature_header("whsec_partner", now, body)
    assert verify("whsec_partner", header, body)
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_partner", header, body + b"\n")
    assert not verify("whsec_partner", signature_header("whsec_partner", now - 600, body), body)
    assert not verify("whsec_partner", "garbage", body)


def test_readme_verifier_accepts_either_secret_during_a_rotation() -> None:
    verify = _snippet()
    body = b'{"delivery_id":"d","subscription_id":"s","events":[]}'
    header = signature_header("whsec_new", int(time.time()), body, ["whsec_old"])
    assert verify("whsec_new", header, body)
    assert verify("whsec_old", header, body)
    assert not verify("whsec_other", header, body)
