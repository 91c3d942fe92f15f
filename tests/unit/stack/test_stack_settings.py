"""Pure parts of the local stack: which servers are external, restart delays, the table."""

from __future__ import annotations

from pathlib import Path

from quanhub.stack.services import SERVICES
from quanhub.stack.settings import StackSettings, resolve_servers
from quanhub.stack.supervisor import Backoff


def _settings() -> StackSettings:
    return StackSettings(dir=Path("/srv/qh"), kafka_port=19092, pg_port=15432)


def test_nothing_configured_means_the_local_stack_on_its_ports() -> None:
    servers = resolve_servers(_settings(), env={})
    assert not servers.kafka_external
    assert not servers.database_external
    assert servers.client_env() == {
        "QUANHUB_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "QUANHUB_DATABASE_URL": "postgresql://quanhub@127.0.0.1:15432/quanhub",
    }


def test_configured_servers_elsewhere_are_external() -> None:
    env = {
        "QUANHUB_KAFKA_BOOTSTRAP": "kafka-1.prod:9092,kafka-2.prod:9092",
        "QUANHUB_DATABASE_URL": "postgresql://hub:secret@db.prod:5432/quanhub",
    }
    servers = resolve_servers(_settings(), env=env)
    assert servers.kafka_external
    assert servers.database_external
    assert servers.kafka_bootstrap == "kafka-1.prod:9092,kafka-2.prod:9092"


def test_configured_address_of_our_own_port_is_still_the_local_stack() -> None:
    env = {
        "QUANHUB_KAFKA_BOOTSTRAP": "localhost:19092",
        "QUANHUB_DATABASE_URL": "postgresql://quanhub@127.0.0.1:15432/quanhub_test_x",
    }
    servers = resolve_servers(_settings(), env=env)
    assert not servers.kafka_external
    assert not servers.database_external
    # The configured database name is kept (tests use their own database).
    assert servers.database_url.endswith("/quanhub_test_x")


def test_loopback_on_another_port_is_external() -> None:
    servers = resolve_servers(_settings(), env={"QUANHUB_KAFKA_BOOTSTRAP": "127.0.0.1:9092"})
    assert servers.kafka_external
    assert not servers.database_external


def test_state_paths_derive_from_one_directory() -> None:
    paths = _settings().paths
    assert paths.pid_file("gateway") == Path("/srv/qh/run/gateway.pid")
    assert paths.log_file("kafka") == Path("/srv/qh/logs/kafka.log")
    assert paths.kafka_data == Path("/srv/qh/kafka/data")


def test_backoff_doubles_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=1, cap_s=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_service_table_is_explicit_and_complete() -> None:
    modules = {s.name: s.module for s in SERVICES}
    assert modules == {
        "gateway": "quanhub.gateway",
        "normalizer": "quanhub.normalizer",
        "ledger-consumer": "quanhub.ledger.consumer",
        "ledger-api": "quanhub.ledger.api",
        "dispatcher": "quanhub.ledger.dispatcher",
        "watcher": "quanhub.ledger.watcher",
    }
    ports = [s.default_port for s in SERVICES]
    assert len(set(ports)) == len(ports)
    assert {s.name: s.default_port for s in SERVICES if s.public} == {
        "gateway": 8080,
        "ledger-api": 8081,
    }
