"""`quanhub simulate --dry-run` with the decision flags: the load, incidents and truth files."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from quanhub.cli.main import app


def test_load_incidents_and_truth_reach_the_files(tmp_path: Path) -> None:
    summary, truth, sends = tmp_path / "s.json", tmp_path / "t.jsonl", tmp_path / "d.jsonl"
    incident = "carrier=ZTO,district=370112,start=2026-11-03T08:00+08:00,hours=6"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--orders", "200",
            "--seed", "4",
            "--load", "double11",
            "--incident", incident,
            "--incident", incident.replace("ZTO", "YTO") + ",mode=slow,factor=2",
            "--summary", str(summary),
            "--truth", str(truth),
            "--dry-run", str(sends),
            "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = orjson.loads(summary.read_bytes())
    assert data["config"]["order_count"] == 340
    assert data["config"]["load"] == {"name": "double11", "volume": 1.7, "stretch": 1.35}
    assert [(i["carrier"], i["mode"]) for i in data["incidents"]] == [
        ("ZTO", "stop"),
        ("YTO", "slow"),
    ]
    rows = [orjson.loads(line) for line in truth.read_bytes().splitlines()]
    assert len(rows) == data["ledger"]["parcels"]
    timed = [r for r in rows if r["delivery_hours"] is not None]
    assert data["post_bureau"]["overall"]["parcels"] == len(timed)


def test_a_bad_incident_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--orders",
            "5",
            "--incident",
            "carrier=ZTO",
            "--dry-run",
            str(tmp_path / "d"),
        ],
    )
    assert result.exit_code == 2
    assert "needs carrier=" in result.output
