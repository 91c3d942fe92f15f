"""The partner guide's examples work against a running hub: the Go and the Python publisher
each get a 202 for their event, and the Go webhook verifier accepts the hub's own signature."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quanhub.ledger.feeds.signing import signature_header
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _go() -> str:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        pytest.fail("Go is not installed; the Go examples cannot be checked", pytrace=False)
    return go


def test_the_go_vector_is_the_hubs_signature() -> None:
    source = (EXAMPLES / "go" / "webhook" / "verify_test.go").read_text()
    fields = {
        name: a or b
        for name, a, b in re.findall(r'(secret|body|header)\s+=\s+(?:`([^`]*)`|"([^"]*)")', source)
    }
    timestamp = int(fields["header"].split(",")[0].removeprefix("t="))
    assert (
        signature_header(fields["secret"], timestamp, fields["body"].encode()) == fields["header"]
    )
    done = subprocess.run(
        [_go(), "test", "./..."],
        cwd=EXAMPLES / "go",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("language", ["go", "python"])
def test_the_publisher_example_gets_a_202(services: RunningServices, language: str) -> None:
    env = {**os.environ, "QUANHUB_KEY": services.demo_keys["SF"], "GOFLAGS": "-mod=mod"}
    waybill = f"SF{'7' if language == 'go' else '8'}000000001"
    if language == "go":
        command = [
            _go(),
            "run",
            "./publish",
            "-gateway",
            services.gateway_url,
            "-carrier",
            "shunfeng",
            "-waybill",
            waybill,
        ]
        cwd = EXAMPLES / "go"
    else:
        command = [
            sys.executable,
            "publish.py",
            "--gateway",
            services.gateway_url,
            "--carrier",
            "SF",
            "--waybill",
            waybill,
        ]
        cwd = EXAMPLES / "python"
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout.replace("'", '"').replace("(", "[").replace(")", "]"))
    assert answer["accepted"] == 1
    assert not answer["rejected"]
