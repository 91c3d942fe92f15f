"""The harness's errors (one tree under QuanhubError).

BenchError                 bench_error
├── UnsafeTarget           a server off the loopback, or a database not named bench*
├── ToolFailed             a Kafka perf tool failed or printed nothing readable
└── LedgerNotSeeded        a kept query ledger is missing and seeding was not allowed
"""

from __future__ import annotations

from quanhub.common.errors import QuanhubError


class BenchError(QuanhubError):
    """Root of the benchmark harness's errors; none is worth retrying by itself."""

    code = "bench_error"


class UnsafeTarget(BenchError):
    """The run would touch something it must not (a non-loopback server, the dev data)."""

    code = "bench_unsafe_target"


class ToolFailed(BenchError):
    """A Java perf tool exited non-zero, timed out, or printed nothing we can read."""

    code = "bench_tool_failed"


class LedgerNotSeeded(BenchError):
    """A kept ledger is missing and the run was told not to seed it."""

    code = "bench_ledger_not_seeded"


class ServerNotReady(BenchError):
    """A server the run started never answered its readiness check."""

    code = "bench_server_not_ready"
