"""No default secret outside the local profile: with QUANHUB_PROFILE=production every
service's settings refuse a missing, placeholder or short secret, and the set of services
that hold a secret is known (a new secret without a production guard fails here)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from quanhub.common.access.demo import ensure_demo_partners
from quanhub.common.errors import ConfigurationError
from quanhub.common.settings import LOCAL_PII_SECRET, PiiSettings, Profile
from quanhub.gateway.settings import GatewaySettings
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.settings import LedgerApiSettings, LedgerConsumerSettings
from quanhub.ledger.watcher.settings import WatcherSettings
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.simulator.keys import demo_keys

#: Every service entry point (`python -m <module>`) and the settings class it reads.
ENTRY_POINTS: dict[str, type[BaseSettings]] = {
    "quanhub.gateway": GatewaySettings,
    "quanhub.normalizer": NormalizerSettings,
    "quanhub.ledger.consumer": LedgerConsumerSettings,
    "quanhub.ledger.api": LedgerApiSettings,
    "quanhub.ledger.dispatcher": DispatcherSettings,
    "quanhub.ledger.watcher": WatcherSettings,
}
#: The entry points whose settings hold a secret (today: the personal-data HMAC key).
HOLD_SECRETS = {"quanhub.gateway", "quanhub.normalizer"}
#: Secrets that may be absent, with no placeholder (quanhub.common.metrics_access).
OPTIONAL_SECRETS = {"metrics.token"}
GOOD_SECRET = "k" * 48
PLACEHOLDERS = [None, LOCAL_PII_SECRET, "changeme", "x" * 31]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    """QUANHUB_PROFILE=production and no QUANHUB_* secret in the environment."""
    for name in list(os.environ):
        if name.startswith("QUANHUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUANHUB_PROFILE", "production")


def _secret_fields(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Dotted names of every SecretStr field, nested settings blocks included."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if annotation is SecretStr or annotation == SecretStr | None:
            yield f"{prefix}{name}"
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _secret_fields(annotation, f"{prefix}{name}.")


def test_only_the_known_services_hold_secrets() -> None:
    holding = {
        module
        for module, cls in ENTRY_POINTS.items()
        if set(_secret_fields(cls)) - OPTIONAL_SECRETS
    }
    assert holding == HOLD_SECRETS


def test_optional_secrets_are_absent_by_default() -> None:
    # Absence is their safe state (no metrics token: /metrics hidden outside local).
    assert GatewaySettings().metrics.token is None
    assert LedgerApiSettings().metrics.token is None
    assert list(_secret_fields(FeedSettings)) == []


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("module", sorted(HOLD_SECRETS))
@pytest.mark.parametrize("secret", PLACEHOLDERS, ids=["unset", "placeholder", "short", "31"])
def test_production_settings_refuse_placeholder_secrets(
    module: str, secret: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if secret is not None:
        monkeypatch.setenv("QUANHUB_PII_SECRET", secret)
    with pytest.raises(ValidationError, match="QUANHUB_PII_SECRET"):
        ENTRY_POINTS[module]()


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("module", sorted(ENTRY_POINTS))
def test_production_settings_accept_a_real_secret(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUANHUB_PII_SECRET", GOOD_SECRET)
    settings = ENTRY_POINTS[module]()
    assert getattr(settings, "profile", Profile.PRODUCTION) is Profile.PRODUCTION


@pytest.mark.usefixtures("production")
def test_demo_partner_keys_are_refused_outside_the_local_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Demo keys derive from a secret: outside `local` they must not exist at all.
    monkeypatch.setenv("QUANHUB_PII_SECRET", GOOD_SECRET)
    with pytest.raises(ConfigurationError):
        demo_keys()
    refused = ensure_demo_partners(None, PiiSettings())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        asyncio.run(refused)
