"""QUANHUB_SIMULATOR_*: where the gateway is, which keys to use, how hard to push."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimulatorSettings(BaseSettings):
    """The simulator's settings; command-line options override them."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_SIMULATOR_", extra="ignore")

    gateway_url: str = "http://127.0.0.1:8080"
    #: The ledger API, for --show-dashboard.
    ledger_url: str = "http://127.0.0.1:8081"
    #: Partner keys: a JSON object or `CODE=key,CODE=key` (QUANHUB_SIMULATOR_KEYS).
    keys: SecretStr | None = None
    #: A file holding the same (QUANHUB_SIMULATOR_KEYS_FILE).
    keys_file: Path | None = None
    batch_size: int = Field(default=500, ge=1)
    concurrency: int = Field(default=4, ge=1, le=256)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=50, ge=1)
    #: An analyst's key for --check (else the keys' JNCOMMERCE or ADMIN entry).
    check_key: SecretStr | None = None
