"""Errors of the local stack.

QuanhubError
└── StackError              stack_error: the local stack cannot be managed
    ├── PortInUse           port_in_use: another program holds a port we need
    ├── ToolMissing         tool_missing: Java, Maven or PostgreSQL is not installed
    └── StartFailed         start_failed: a server did not become healthy in time
"""

from __future__ import annotations

from pathlib import Path

from quanhub.common.errors import QuanhubError


class StackError(QuanhubError):
    """The local stack cannot be started, checked or stopped."""

    code = "stack_error"


class PortInUse(StackError):
    """A port the stack needs is held by a process the stack did not start."""

    code = "port_in_use"

    def __init__(self, what: str, port: int, variable: str) -> None:
        super().__init__(
            f"port {port} ({what}) is already in use by another program; "
            f"stop it or choose another port with {variable}=<port>"
        )
        self.port = port
        self.variable = variable


class ToolMissing(StackError):
    """A program the stack runs on is not installed."""

    code = "tool_missing"


class StartFailed(StackError):
    """A server was started but did not pass its health check in time."""

    code = "start_failed"
    retriable = True

    def __init__(self, what: str, reason: str, log_file: Path, tail: str) -> None:
        super().__init__(f"{what} did not start: {reason}\nlog: {log_file}\n{tail}")
        self.log_file = log_file
        self.tail = tail
