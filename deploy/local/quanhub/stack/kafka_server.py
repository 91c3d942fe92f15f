"""The local Kafka: jars from Maven Central (cached), KRaft storage, start, health, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from string import Template

from quanhub.stack import procs
from quanhub.stack.errors import StackError, StartFailed, ToolMissing
from quanhub.stack.settings import PORT_VARIABLES, StackSettings
from quanhub.stack.status import ServerStatus, State, deploy_dir

NAME = "kafka"
_MAIN_CLASS = "kafka.Kafka"
_STORAGE_TOOL = "kafka.tools.StorageTool"
_COMPLETE_MARKER = ".complete"


class LocalKafka:
    """One combined broker+controller under the stack's state directory."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.paths = settings.paths
        self.config_file = self.paths.kafka / "server.properties"
        self.log_file = self.paths.log_file(NAME)
        self.pid_file = self.paths.pid_file(NAME)

    # -- inspection -------------------------------------------------------------------

    def pid(self) -> int | None:
        """The pid of the Kafka this state directory started, if it is still running."""
        return procs.owned_pid(self.pid_file, str(self.config_file))

    def status(self) -> ServerStatus:
        """Running (answers metadata), unhealthy (alive, silent) or stopped."""
        pid = self.pid()
        state = State.STOPPED
        if pid is not None:
            state = (
                State.RUNNING
                if metadata_answers(self.settings.kafka_bootstrap)
                else (State.UNHEALTHY)
            )
        s = self.settings
        address = (
            f"{s.kafka_bootstrap}, controller :{s.kafka_controller_port}, SASL :{s.kafka_sasl_port}"
        )
        return ServerStatus(NAME, state, address, pid, self.paths.kafka_data, self.log_file)

    # -- lifecycle --------------------------------------------------------------------

    def ensure_jars(self) -> Path:
        """The cached jar folder, filled from Maven Central on first use."""
        libs = self.settings.kafka_libs
        if (libs / _COMPLETE_MARKER).is_file():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            msg = "Maven (mvn) is needed once to fetch the Kafka jars: apt-get install maven"
            raise ToolMissing(msg)
        libs.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix="libs.", dir=libs.parent))
        pom = deploy_dir() / "kafka" / "pom.xml"
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            f"-Dkafka.version={self.settings.kafka_version}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            msg = f"mvn could not fetch the Kafka jars:\n{result.stdout}{result.stderr}"
            raise StackError(msg)
        (partial / _COMPLETE_MARKER).write_text(self.settings.kafka_version + "\n")
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
        return libs

    def start(self) -> int:
        """Start Kafka (formatting its storage on first start) and wait until it answers."""
        java = shutil.which("java")
        if java is None:
            msg = "Java 17+ is needed for Kafka: apt-get install openjdk-17-jre-headless"
            raise ToolMissing(msg)
        s = self.settings
        for what, port in (
            ("kafka", s.kafka_port),
            ("kafka-controller", s.kafka_controller_port),
            ("kafka-sasl", s.kafka_sasl_port),
        ):
            procs.require_free_port(what, port, PORT_VARIABLES[what])
        libs = self.ensure_jars()
        self._render_config()
        classpath = f"{libs}/*"
        if not (self.paths.kafka_data / "meta.properties").is_file():
            self._format(java, classpath)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        command = [
            java,
            f"-Xms{s.kafka_heap_min}",
            f"-Xmx{s.kafka_heap_max}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={deploy_dir() / 'kafka' / 'log4j2.properties'}",
            "-cp",
            classpath,
            _MAIN_CLASS,
            str(self.config_file),
        ]
        pid = procs.spawn_detached(command, log_file=self.log_file, env=dict(os.environ))
        procs.write_pid(self.pid_file, pid)
        self._wait_healthy(pid)
        return pid

    def stop(self) -> bool:
        """Stop the Kafka we started (controlled shutdown first); False when none ran."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        procs.terminate(pid, timeout_s=60)
        self.pid_file.unlink(missing_ok=True)
        return True

    def purge(self) -> None:
        """Delete the broker's data, config and cluster id (it must be stopped)."""
        shutil.rmtree(self.paths.kafka, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------

    def _render_config(self) -> None:
        s = self.settings
        template = Template((deploy_dir() / "kafka" / "server.properties.template").read_text())
        text = template.substitute(
            port=s.kafka_port,
            controller_port=s.kafka_controller_port,
            sasl_port=s.kafka_sasl_port,
            data_dir=self.paths.kafka_data,
        )
        self.paths.kafka.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(text)

    def _format(self, java: str, classpath: str) -> None:
        cluster_id_file = self.paths.kafka / "cluster.id"
        if not cluster_id_file.is_file():
            cluster_id = self._java(java, classpath, _STORAGE_TOOL, "random-uuid").strip()
            cluster_id_file.write_text(cluster_id + "\n")
        cluster_id = cluster_id_file.read_text().strip()
        self._java(
            java, classpath, _STORAGE_TOOL, "format", "-t", cluster_id, "-c", str(self.config_file)
        )

    def _java(self, java: str, classpath: str, main: str, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [java, "-Xmx256m", "-cp", classpath, main, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            msg = f"{main} {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            raise StackError(msg)
        return result.stdout

    def _wait_healthy(self, pid: int) -> None:
        deadline = time.monotonic() + self.settings.kafka_start_timeout_s
        while time.monotonic() < deadline:
            status = procs.exit_status(pid)
            if status is not None:
                self.pid_file.unlink(missing_ok=True)
                reason = f"the broker exited with status {status}"
                raise StartFailed("Kafka", reason, self.log_file, procs.tail(self.log_file))
            if metadata_answers(self.settings.kafka_bootstrap):
                return
            time.sleep(0.5)
        # Leave nothing half-started behind: the next `up` starts cleanly.
        procs.terminate(pid, timeout_s=10)
        self.pid_file.unlink(missing_ok=True)
        reason = f"no metadata answer within {self.settings.kafka_start_timeout_s:.0f}s"
        raise StartFailed("Kafka", reason, self.log_file, procs.tail(self.log_file))


def metadata_answers(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """Whether a broker at `bootstrap` answers a metadata request naming at least one broker."""
    return asyncio.run(_metadata_answers(bootstrap, timeout_s))


async def _metadata_answers(bootstrap: str, timeout_s: float) -> bool:
    from aiokafka import AIOKafkaClient
    from aiokafka.errors import KafkaError

    # aiokafka logs every refused connection at ERROR; a probe expects refusals.
    aiokafka_log = logging.getLogger("aiokafka")
    level = aiokafka_log.level
    aiokafka_log.setLevel(logging.CRITICAL)
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(timeout_s * 1000),
        connections_max_idle_ms=10_000,
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout_s)
        return bool(client.cluster.brokers())
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
        aiokafka_log.setLevel(level)
