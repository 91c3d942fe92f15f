"""Kafka's own perf tools (ProducerPerformance, ConsumerPerformance) from the cached jars."""

from __future__ import annotations

import asyncio
import shutil

from quanhub.bench.env import BenchEnv
from quanhub.bench.errors import ToolFailed
from quanhub.bench.measure import Measure
from quanhub.common.kafka import ensure_topics
from quanhub.common.topics import TopicSpec
from quanhub.stack.settings import StackSettings

_PRODUCER = "org.apache.kafka.tools.ProducerPerformance"
_CONSUMER = "org.apache.kafka.tools.ConsumerPerformance"
GROUP = "Baselines: Kafka and PostgreSQL alone"


async def _java(main_class: str, *args: str, timeout_s: float) -> str:
    java = shutil.which("java")
    libs = StackSettings().kafka_libs
    if java is None or not libs.is_dir():
        raise ToolFailed(f"needs java and the Kafka jars in {libs} (make up fetches them)")
    process = await asyncio.create_subprocess_exec(
        java,
        "-Xmx512m",
        "-cp",
        f"{libs}/*",
        main_class,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise ToolFailed(f"{main_class} did not finish in {timeout_s:.0f}s") from None
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise ToolFailed(f"{main_class} exited {process.returncode}: {text[-600:]}")
    return text


def parse_producer(text: str) -> float:
    """records/sec from ProducerPerformance's summary line (the last one with 'records sent')."""
    lines = [ln for ln in text.splitlines() if "records sent" in ln]
    if not lines:
        raise ToolFailed(f"no summary in ProducerPerformance output: {text[-400:]}")
    return float(lines[-1].split(",")[1].split("records/sec")[0].strip())


def parse_consumer(text: str) -> float:
    """fetch.nMsg.sec from ConsumerPerformance's CSV line (rebalance time excluded)."""
    lines = [ln for ln in text.splitlines() if ln.count(",") >= 9 and ln[:1].isdigit()]
    if not lines:
        raise ToolFailed(f"no result in ConsumerPerformance output: {text[-400:]}")
    return float(lines[-1].split(",")[9].strip())


async def kafka_baselines(env: BenchEnv, records: int, record_bytes: int) -> list[Measure]:
    """Produce `records` of `record_bytes` with acks=all to a fresh topic, then consume them."""
    topic = f"{env.namespace}.perf.v1"
    await ensure_topics(env.kafka(), [TopicSpec(topic, env.partitions, 3_600_000)])
    produced = await _java(
        _PRODUCER,
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(record_bytes),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={env.kafka_bootstrap}",
        "acks=all",
        timeout_s=300,
    )
    consumed = await _java(
        _CONSUMER,
        "--bootstrap-server",
        env.kafka_bootstrap,
        "--topic",
        topic,
        "--messages",
        str(records),
        "--timeout",
        "60000",
        timeout_s=300,
    )
    note = f"{records:,} records of {record_bytes} B (our median envelope), acks=all"
    return [
        Measure("kafka-producer-perf-test", parse_producer(produced), "events/s", GROUP, note=note),
        Measure("kafka-consumer-perf-test", parse_consumer(consumed), "events/s", GROUP, note=note),
    ]
