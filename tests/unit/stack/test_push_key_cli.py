"""`quanhub partners push-secret CODE --format kdniao --set-key`: the AppKey is read from
stdin or a hidden prompt, stored only sealed, and never printed; what the command refuses.

PostgreSQL is not reached here: the registry calls are replaced by recorders (the
integration test tests/integration/gateway/test_gateway_inbound_kdniao_key.py stores and
reads back for real)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from quanhub.cli import partners
from quanhub.cli.main import app
from quanhub.common.access import Partner, Role
from quanhub.common.access.push_keys import open_push_key
from quanhub.common.settings import PiiSettings

APP_KEY = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
YTO = Partner("YTO", Role.CARRIER, "YTO Express", None, False, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What set_partner_key was given (nothing reaches PostgreSQL)."""
    calls: list[dict[str, Any]] = []

    async def get_partner(_pool: object, code: str) -> Partner:
        assert code == "YTO"
        return YTO

    async def set_partner_key(_pool: object, code: str, fmt: str, **kw: Any) -> None:
        calls.append({"code": code, "format": fmt, **kw})

    def with_pool(action: Callable[[Any], Awaitable[Any]]) -> Any:
        return asyncio.run(action(None))  # type: ignore[arg-type]

    monkeypatch.setattr("quanhub.common.access.get_partner", get_partner)
    monkeypatch.setattr("quanhub.common.access.push.set_partner_key", set_partner_key)
    monkeypatch.setattr(partners, "_with_pool", with_pool)
    return calls


def _opens(call: dict[str, Any]) -> str:
    master = PiiSettings().secret.get_secret_value().encode()
    return open_push_key(master, "YTO", "kdniao", call["partner_account"], call["sealed"])


@pytest.mark.parametrize("interactive", [False, True], ids=["stdin", "prompt"])
def test_the_app_key_is_read_stored_sealed_and_never_printed(
    stored: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, interactive: bool
) -> None:
    monkeypatch.setattr(partners, "_interactive", lambda: interactive)
    args = ["partners", "push-secret", "yto", "--format", "kdniao", "--set-key"]
    result = CliRunner().invoke(app, [*args, "--ebusiness-id", "1237100"], input=APP_KEY + "\n")
    assert result.exit_code == 0, result.output
    (call,) = stored
    assert (call["code"], call["format"], call["partner_account"]) == ("YTO", "kdniao", "1237100")
    assert APP_KEY.encode() not in call["sealed"]
    assert _opens(call) == APP_KEY
    assert APP_KEY not in result.output
    assert "own AppKey" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--format", "kuaidi100", "--set-key"], 1),  # Kuaidi100's salt is the subscriber's
        (["--set-key", "--clear-key"], 2),
        (["--ebusiness-id", "1237100"], 2),  # an account without a key
        (["--set-key"], 1),  # nothing on stdin
    ],
)
def test_refused_without_storing(
    stored: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, args: list[str], code: int
) -> None:
    monkeypatch.setattr(partners, "_interactive", lambda: False)
    fmt = [] if "--format" in args else ["--format", "kdniao"]
    result = CliRunner().invoke(app, ["partners", "push-secret", "YTO", *fmt, *args], input="")
    assert result.exit_code == code, result.output
    assert stored == []
