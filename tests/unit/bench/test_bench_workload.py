"""Simulated traffic replicated into fresh events, and seeded ledger rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson

from quanhub.bench.rows import ledger_rows
from quanhub.bench.seed import replicate
from quanhub.bench.workload import Workload, bodies
from quanhub.common.validation import validate_event
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.ledger.store.rows import COLUMNS


def test_rounds_are_new_events_that_still_validate() -> None:
    workload = Workload(20, seed=3)
    first = workload.sends(len(workload.pool) + 5, "t")
    ids = [(s.partner, s.event.event_id) for s in first]
    assert len(set(ids)) == len(ids)
    now = datetime.now(UTC)
    original = {(s.partner, s.event.event_id) for s in workload.pool}
    assert not original & set(ids)
    valid = [s for s in first if not validate_event(s.event, now)]
    pool_valid = [s for s in workload.pool if not validate_event(s.event, now)]
    assert len(valid) >= len(pool_valid)


def test_bodies_hold_one_partner_and_at_most_the_batch_size() -> None:
    workload = Workload(20, seed=3)
    sends = workload.sends(300, "b")
    prepared = bodies(sends, 50)
    assert sum(b.events for b in prepared) == 300
    for body in prepared:
        request = ipb.PublishRequest.FromString(body.body)
        assert len(request.events) == body.events <= 50


def test_replicated_rows_have_unique_ids_and_a_gap_free_seq() -> None:
    pool = ledger_rows(Workload(10, seed=5).pool)
    rows = list(replicate(pool, len(pool) * 2 + 3))
    seq = [r[0] for r in rows]
    assert seq == list(range(1, len(rows) + 1))
    event_ids = [r[1 + COLUMNS.index("event_id")] for r in rows]
    assert all(isinstance(e, uuid.UUID) for e in event_ids)
    assert len(set(event_ids)) == len(event_ids)
    waybill = 1 + COLUMNS.index("waybill_no")
    second_round = rows[len(pool) :][: len(pool)]
    assert all(r[waybill] == "" or r[waybill].endswith("-S1") for r in second_round)


def test_replicated_bodies_carry_the_rounds_logistics_numbers_and_buyer_tokens() -> None:
    pool = ledger_rows(Workload(10, seed=5).pool)
    rows = list(replicate(pool, len(pool) * 2))
    body = 1 + COLUMNS.index("body")
    suffixed: list[str] = []
    for n, row in enumerate(rows):
        if row[body] is None:
            continue
        data = orjson.loads(row[body])  # still one JSON document
        round_suffix = f"-S{n // len(pool)}"
        values = [data.get("logistics_no")]
        values += [data.get(p, {}).get("id_token") for p in ("buyer", "payer")]
        for value in filter(None, values):
            assert value.endswith(round_suffix)
            suffixed.append(value)
    assert any("-S1" in v for v in suffixed)
    assert any(v.startswith("t1:") for v in suffixed)
