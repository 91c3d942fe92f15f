"""Settings of the local stack (QUANHUB_STACK_*) and the addresses clients derive from them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

#: The env variable that changes each local port, for error messages.
PORT_VARIABLES = {
    "kafka": "QUANHUB_STACK_KAFKA_PORT",
    "kafka-controller": "QUANHUB_STACK_KAFKA_CONTROLLER_PORT",
    "kafka-sasl": "QUANHUB_STACK_KAFKA_SASL_PORT",
    "postgres": "QUANHUB_STACK_PG_PORT",
}


class StackSettings(BaseSettings):
    """QUANHUB_STACK_*: where the local Kafka and PostgreSQL live and listen."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_STACK_", extra="ignore")

    #: State directory (data, logs, pid files); relative paths are taken from the cwd.
    dir: Path = Path(".quanhub")
    cache_dir: Path = Path("~/.cache/quanhub")
    kafka_version: str = "4.1.1"
    kafka_port: int = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    kafka_sasl_port: int = Field(default=9094, ge=1, le=65535)
    #: The SASL address partners are told to use (default: the local SASL listener).
    kafka_sasl_public_bootstrap: str | None = None
    kafka_heap_min: str = "512m"
    kafka_heap_max: str = "768m"
    kafka_start_timeout_s: float = Field(default=120.0, gt=0)
    pg_port: int = Field(default=5432, ge=1, le=65535)
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    pg_shared_buffers: str = "256MB"
    pg_start_timeout_s: float = Field(default=60.0, gt=0)
    pg_database: str = "quanhub"
    pg_user: str = "quanhub"

    @property
    def paths(self) -> StackPaths:
        """The files and folders under the state directory."""
        return StackPaths.under(self.dir.expanduser().resolve())

    @property
    def kafka_libs(self) -> Path:
        """The cached jars (outside the repository, shared by every clone)."""
        return self.cache_dir.expanduser() / "kafka" / self.kafka_version / "libs"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def kafka_sasl_bootstrap(self) -> str:
        return self.kafka_sasl_public_bootstrap or f"127.0.0.1:{self.kafka_sasl_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://{self.pg_user}@127.0.0.1:{self.pg_port}/{self.pg_database}"


@dataclass(frozen=True, slots=True)
class StackPaths:
    """Every path the stack writes, derived from one state directory."""

    root: Path

    @classmethod
    def under(cls, root: Path) -> StackPaths:
        return cls(root)

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def kafka(self) -> Path:
        return self.root / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka / "data"

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"


@dataclass(frozen=True, slots=True)
class Servers:
    """Where clients find Kafka and PostgreSQL, and whether each is ours to start."""

    kafka_bootstrap: str
    database_url: str
    kafka_external: bool
    database_external: bool

    def client_env(self) -> dict[str, str]:
        """The variables that point every service and test at these servers."""
        return {
            "QUANHUB_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "QUANHUB_DATABASE_URL": self.database_url,
        }


def resolve_servers(settings: StackSettings, env: dict[str, str] | None = None) -> Servers:
    """Configured servers win; unset (or pointing at our own port) means the local stack.

    QUANHUB_KAFKA_BOOTSTRAP / QUANHUB_DATABASE_URL that name the local stack's own loopback
    port are not "external": `make test` on alternative ports sets them and still wants the
    local stack started.
    """
    env = dict(os.environ) if env is None else env
    bootstrap = env.get("QUANHUB_KAFKA_BOOTSTRAP", "").strip()
    url = env.get("QUANHUB_DATABASE_URL", "").strip()
    kafka_external = bool(bootstrap) and not _is_local_bootstrap(bootstrap, settings.kafka_port)
    database_external = bool(url) and not _is_local_url(url, settings.pg_port)
    return Servers(
        kafka_bootstrap=bootstrap or settings.kafka_bootstrap,
        database_url=url or settings.database_url,
        kafka_external=kafka_external,
        database_external=database_external,
    )


def _is_local_bootstrap(bootstrap: str, port: int) -> bool:
    hosts = [h.strip() for h in bootstrap.split(",") if h.strip()]
    return len(hosts) == 1 and _is_local_url(f"kafka://{hosts[0]}", port)


def _is_local_url(url: str, port: int) -> bool:
    parts = urlsplit(url)
    try:
        url_port = parts.port
    except ValueError:
        return False
    return (parts.hostname or "") in _LOOPBACK and url_port == port
