"""A private stack on free ports: up is idempotent, data survives down/up, purge deletes it."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import asyncpg
import pytest

from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import TopicSpec
from quanhub.stack import procs, second_postgres
from quanhub.stack.errors import PortInUse, StartFailed
from quanhub.stack.kafka_server import LocalKafka
from quanhub.stack.manager import Stack
from quanhub.stack.postgres_server import LocalPostgres
from quanhub.stack.settings import StackSettings, resolve_servers
from quanhub.stack.status import State

pytestmark = pytest.mark.integration


def _stack(root: Path, **ports: int) -> Stack:
    settings = StackSettings(dir=root, **ports)
    # env={}: this stack is ours even when the session's servers are configured externally.
    return Stack(settings, resolve_servers(settings, env={}))


async def _topics(bootstrap: str) -> set[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _rows(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [r["note"] for r in await conn.fetch("SELECT note FROM survival ORDER BY note")]
    finally:
        await conn.close()


def test_up_down_up_keeps_data_and_purge_deletes_it(tmp_path: Path) -> None:
    ports = {
        "kafka_port": procs.free_port(),
        "kafka_controller_port": procs.free_port(),
        "kafka_sasl_port": procs.free_port(),
        "pg_port": procs.free_port(),
    }
    stack = _stack(tmp_path / "state", **ports)
    try:
        first = {s.name: s for s in stack.up()}
        assert {s.state for s in first.values()} == {State.RUNNING}
        for name in ("kafka", "postgres"):
            assert procs.read_pid(stack.settings.paths.pid_file(name)) == first[name].pid

        # Twice is harmless: same processes, nothing restarted.
        again = {s.name: s for s in stack.up()}
        assert {n: s.pid for n, s in again.items()} == {n: s.pid for n, s in first.items()}

        kafka = KafkaSettings(bootstrap=stack.servers.kafka_bootstrap)
        asyncio.run(ensure_topics(kafka, [TopicSpec("survivor.v1", 2, 3_600_000)]))

        async def write_row() -> None:
            conn = await asyncpg.connect(stack.servers.database_url)
            try:
                await conn.execute("CREATE TABLE survival (note text PRIMARY KEY)")
                await conn.execute("INSERT INTO survival VALUES ('still here')")
            finally:
                await conn.close()

        asyncio.run(write_row())

        # A second state directory asking for a port that is taken: a clear error.
        clash = _stack(tmp_path / "other", **{**ports, "kafka_port": procs.free_port()})
        with pytest.raises(PortInUse) as caught:
            clash.up()
        assert str(ports["pg_port"]) in caught.value.message
        assert "QUANHUB_STACK_PG_PORT" in caught.value.message

        assert sorted(stack.down()) == ["Kafka", "PostgreSQL"]
        assert {s.state for s in stack.status()} == {State.STOPPED}
        for name, status in first.items():
            assert status.pid is not None
            assert not procs.is_alive(status.pid), name
        assert procs.port_is_free(ports["kafka_port"])
        assert procs.port_is_free(ports["pg_port"])

        stack.up()
        assert "survivor.v1" in asyncio.run(_topics(stack.servers.kafka_bootstrap))
        assert asyncio.run(_rows(stack.servers.database_url)) == ["still here"]
    finally:
        stack.down(purge=True)
    assert not stack.settings.paths.kafka.exists()
    assert not stack.postgres.data_dir.exists()


def test_down_leaves_alone_what_it_did_not_start(tmp_path: Path) -> None:
    stack = _stack(tmp_path / "state", kafka_port=procs.free_port(), pg_port=procs.free_port())
    paths = stack.settings.paths
    paths.run.mkdir(parents=True)
    with socket.socket() as bystander:
        bystander.bind(("127.0.0.1", 0))
        # A stale pid file naming a live process that is not our server.
        procs.write_pid(paths.pid_file("kafka"), 1)
        procs.write_pid(paths.pid_file("postgres"), 1)
        assert stack.down() == []
        assert procs.is_alive(1)


def test_port_in_use_names_the_variable() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            procs.require_free_port("kafka", port, "QUANHUB_STACK_KAFKA_PORT")
    assert f"port {port}" in caught.value.message
    assert "QUANHUB_STACK_KAFKA_PORT=<port>" in caught.value.message


def test_a_server_that_dies_at_start_reports_its_log(tmp_path: Path) -> None:
    settings = StackSettings(
        dir=tmp_path / "state",
        kafka_port=procs.free_port(),
        kafka_controller_port=procs.free_port(),
        kafka_sasl_port=procs.free_port(),
        kafka_heap_max="not-a-size",  # the JVM refuses to start
    )
    kafka = LocalKafka(settings)
    with pytest.raises(StartFailed) as caught:
        kafka.start()
    message = caught.value.message
    assert "Kafka did not start: the broker exited with status" in message
    assert f"log: {settings.paths.log_file('kafka')}" in message
    assert "Invalid maximum heap size" in message  # the log's last lines are included
    assert kafka.pid() is None
    assert not settings.paths.pid_file("kafka").exists()


def test_down_stops_the_second_postgresql_the_shard_tests_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(second_postgres.EXTERNAL_VARIABLE, raising=False)
    monkeypatch.setenv(second_postgres.PORT_VARIABLE, str(procs.free_port()))
    stack = _stack(tmp_path / "state", pg_port=procs.free_port())
    second = LocalPostgres(second_postgres.second_settings(stack.settings))
    try:
        second_postgres.second_postgres_url(stack.settings)
        assert second.status().state is State.RUNNING
        assert stack.down() == ["second PostgreSQL"]  # the stack's own were never started
        assert second.status().state is State.STOPPED
        assert stack.down() == []
    finally:
        second.stop()
