"""A second local PostgreSQL, for the ledger's shards on two instances (docs/ledger.md
"Shards"): the tests and the chaos run that place shards with QUANHUB_LEDGER_SHARD_INSTANCES.

It is the stack's PostgreSQL again (same binaries, config and provisioning) with its own
state directory (`<stack dir>/pg2`) and port, QUANHUB_STACK_PG2_PORT (default: the stack's
PostgreSQL port + 10). QUANHUB_TEST_SECOND_DATABASE_URL names an external one instead.
`quanhub stack down` stops it with the stack (as does `stop_second_postgres`).
"""

from __future__ import annotations

import os

from quanhub.stack.postgres_server import LocalPostgres
from quanhub.stack.settings import StackSettings
from quanhub.stack.status import State

#: An external second PostgreSQL (its URL), used as it is.
EXTERNAL_VARIABLE = "QUANHUB_TEST_SECOND_DATABASE_URL"
PORT_VARIABLE = "QUANHUB_STACK_PG2_PORT"


def second_settings(settings: StackSettings | None = None) -> StackSettings:
    """The stack settings of the second PostgreSQL."""
    settings = settings or StackSettings()
    port = int(os.environ.get(PORT_VARIABLE) or settings.pg_port + 10)
    return settings.model_copy(update={"dir": settings.dir / "pg2", "pg_port": port})


def second_postgres_url(settings: StackSettings | None = None) -> str:
    """The URL of a running second PostgreSQL: the external one, or the local one (started
    when it is not running)."""
    external = os.environ.get(EXTERNAL_VARIABLE)
    if external:
        return external
    second = second_settings(settings)
    server = LocalPostgres(second)
    if server.status().state is not State.RUNNING:
        server.start()
    return second.database_url


def stop_second_postgres(settings: StackSettings | None = None) -> bool:
    """Stop the local second PostgreSQL; False when it was not running."""
    return LocalPostgres(second_settings(settings)).stop()
