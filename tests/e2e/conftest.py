"""End-to-end fixtures: every service as a real process against this session's servers.

`services` starts the walking skeleton (quanhub.stack.servicegroup) once per session on
free ports, with the session's topic namespace and its own migrated database, so e2e runs
never touch `make run`'s services or data. Logs: <pytest tmp>/e2e-services*/logs/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack.errors import StackError
from quanhub.stack.servicegroup import E2E_SERVICES, RunningServices, start_services

#: The query API's per-partner rate is lifted for the session: the fuzzers and the
#: matrices send hundreds of requests a second as one partner, and a 429 there would
#: answer for the route they mean to reach. The limits themselves are tested on the real
#: API in tests/integration/ledger/test_api_fairness.py.
E2E_ENV = {
    "QUANHUB_LEDGER_API_PARTNER_RATE": "100000",
    "QUANHUB_LEDGER_API_PARTNER_BURST": "1000000",
}


@pytest.fixture(scope="session")
async def services(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningServices]:
    """Gateway, normalizer, ledger consumer and ledger API, running for the whole session."""
    root = tmp_path_factory.mktemp("e2e-services")
    try:
        with pytest.MonkeyPatch.context() as env:
            for name, value in E2E_ENV.items():
                env.setenv(name, value)
            running = await start_services(E2E_SERVICES, kafka_settings, database_settings, root)
    except StackError as exc:
        pytest.fail(exc.message, pytrace=False)
    yield running
    await running.stop()
