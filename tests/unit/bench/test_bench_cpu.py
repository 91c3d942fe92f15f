"""CPU accounting of the benchmark: per service, then the whole machine's cost per event."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from quanhub.bench.services import (
    cpu_per_event,
    cpu_seconds,
    machine_cpu_per_event,
    parent_pid,
    tree_cpu_seconds,
)


def test_per_service_cost_and_their_total() -> None:
    before = {"gateway": 1.0, "normalizer": 2.0}
    after = {"gateway": 1.5, "normalizer": 3.0}
    measures = cpu_per_event(before, after, 10_000, "ladder")
    values = {m.name: m.value for m in measures}
    assert values["gateway CPU per event (ladder)"] == pytest.approx(50.0)
    assert values["normalizer CPU per event (ladder)"] == pytest.approx(100.0)
    assert values["all of the above, CPU per event (ladder)"] == pytest.approx(150.0)


def test_machine_total_adds_kafka_and_the_load_clients() -> None:
    before = {"kafka broker": 10.0, "load clients (bench process)": 4.0}
    after = {"kafka broker": 10.5, "load clients (bench process)": 4.2}
    measures = machine_cpu_per_event(before, after, 150.0, 10_000, "ladder")
    values = {m.name: m.value for m in measures}
    assert values["kafka broker CPU per event (ladder)"] == pytest.approx(50.0)
    assert values["load clients (bench process) CPU per event (ladder)"] == pytest.approx(20.0)
    whole = measures[-1]
    assert whole.value == pytest.approx(220.0)
    cores = os.cpu_count() or 1
    assert f"{cores * 1e6 / 220.0:,.0f} events/s" in whole.note


def test_no_events_no_cost_figures() -> None:
    assert cpu_per_event({"g": 1.0}, {"g": 2.0}, 0, "x") == []
    assert machine_cpu_per_event({}, {}, 100.0, 0, "x") == []


def test_cpu_seconds_of_this_process_grows_and_of_no_process_is_none() -> None:
    first = cpu_seconds(os.getpid())
    assert first is not None
    sum(i * i for i in range(5_000_000))
    second = cpu_seconds(os.getpid())
    assert second is not None
    assert second > first
    assert cpu_seconds(2**22 + 12345) is None


def test_a_process_tree_counts_children_that_came_and_went() -> None:
    """tree_cpu_seconds: a child that burnt CPU and was reaped between two readings counts
    (through the parent's cutime/cstime), as PostgreSQL's short-lived workers must."""
    before = tree_cpu_seconds(os.getpid())
    assert before is not None
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    after = tree_cpu_seconds(os.getpid())
    assert after is not None
    assert after - before >= 0.25
    assert parent_pid(os.getpid()) == os.getppid()
