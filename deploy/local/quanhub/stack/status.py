"""What `stack status` reports about one server, and where the deploy templates live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from quanhub.stack.errors import StackError


class State(StrEnum):
    """How a server of the stack is doing."""

    RUNNING = "running"
    STOPPED = "stopped"
    EXTERNAL = "external"
    #: Our process is alive but does not answer its health check.
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """One line of `quanhub stack status`."""

    name: str
    state: State
    address: str
    pid: int | None = None
    data_dir: Path | None = None
    log_file: Path | None = None


def deploy_dir() -> Path:
    """The repository's deploy/local folder (templates of the local servers).

    QUANHUB_STACK_DEPLOY_DIR overrides it for installs outside a checkout.
    """
    override = os.environ.get("QUANHUB_STACK_DEPLOY_DIR")
    # deploy/local/quanhub/stack/status.py -> repository root is four levels up.
    candidate = Path(override) if override else Path(__file__).resolve().parents[4] / "deploy"
    local = candidate / "local" if (candidate / "local").is_dir() else candidate
    if not (local / "kafka" / "server.properties.template").is_file():
        msg = (
            f"deploy templates not found in {local}; run from a Quanhub checkout or set "
            "QUANHUB_STACK_DEPLOY_DIR to its deploy/local folder"
        )
        raise StackError(msg)
    return local
