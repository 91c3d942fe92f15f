"""`quanhub stack partner-access` and `quanhub partners kafka-access` replace the partner's
SCRAM password: they say so on stderr, and in a terminal ask first unless `--yes`.

Kafka and PostgreSQL are not reached here: provisioning and the registry read are
replaced by recorders (the integration tests provision for real)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from quanhub.cli import partners
from quanhub.cli.main import app
from quanhub.stack.kafka_access import PartnerKafkaAccess

ACCESS = PartnerKafkaAccess(
    username="partner-sf", password="pw-new", topic="quanhub.raw.partner.sf.v1", bootstrap="b:1"
)


@pytest.fixture
def provisioned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Partner codes provisioned (nothing is sent to Kafka)."""
    calls: list[str] = []

    async def provision(_settings: Any, code: str, **_: Any) -> PartnerKafkaAccess:
        calls.append(code)
        return ACCESS

    monkeypatch.setattr("quanhub.stack.kafka_access.provision_partner_access", provision)
    monkeypatch.setattr(
        "quanhub.stack.settings.resolve_servers",
        lambda _stack: SimpleNamespace(kafka_bootstrap="127.0.0.1:1"),
    )
    return calls


def _interactive(monkeypatch: pytest.MonkeyPatch, answer: bool) -> None:
    monkeypatch.setattr(partners, "_interactive", lambda: answer)


def test_non_interactive_run_warns_on_stderr_and_provisions(
    provisioned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _interactive(monkeypatch, answer=False)
    result = CliRunner().invoke(app, ["stack", "partner-access", "SF", "--json"])
    assert result.exit_code == 0, result.output
    assert provisioned == ["SF"]
    warning = " ".join(result.stderr.split())
    assert "replaces the SCRAM password" in warning
    assert "partner-sf" in warning
    assert "stop authenticating" in warning
    assert "pw-new" in result.stdout  # the JSON on stdout stays clean for scripts
    assert "warning" not in result.stdout


def test_in_a_terminal_a_no_keeps_the_password(
    provisioned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _interactive(monkeypatch, answer=True)
    result = CliRunner().invoke(app, ["stack", "partner-access", "SF"], input="n\n")
    assert result.exit_code == 1
    assert provisioned == []
    assert "unchanged" in result.stderr


def test_in_a_terminal_a_yes_replaces_it(
    provisioned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _interactive(monkeypatch, answer=True)
    result = CliRunner().invoke(app, ["stack", "partner-access", "SF", "--json"], input="y\n")
    assert result.exit_code == 0, result.output
    assert provisioned == ["SF"]


def test_yes_flag_skips_the_question(
    provisioned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _interactive(monkeypatch, answer=True)
    result = CliRunner().invoke(app, ["stack", "partner-access", "SF", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert provisioned == ["SF"]
    assert "Replace the password?" not in result.output


def test_partners_kafka_access_asks_too(
    provisioned: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanhub.common.access import Role

    _interactive(monkeypatch, answer=True)
    partner = SimpleNamespace(code="SF", role=Role.CARRIER, disabled=False)
    monkeypatch.setattr(partners, "_with_pool", lambda _action: partner)
    refused = CliRunner().invoke(app, ["partners", "kafka-access", "sf"], input="n\n")
    assert refused.exit_code == 1
    assert provisioned == []
    assert "replaces the SCRAM password" in " ".join(refused.stderr.split())
    done = CliRunner().invoke(app, ["partners", "kafka-access", "sf", "-y", "--json"])
    assert done.exit_code == 0, done.output
    assert provisioned == ["SF"]
