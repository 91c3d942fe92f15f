"""The projector step's script: rollups keyed by the step's shard, links taken in key
order, and the global lock taken for the publish only (docs/ledger.md "Shards")."""

from __future__ import annotations

import re

from quanhub.ledger.store.projector import move_visible_sql, step_script
from quanhub.ledger.store.rollups import ROLLUP_TABLES, add_sql, retract_sql
from quanhub.ledger.store.shards import LOCK_GLOBAL


def test_the_global_lock_comes_after_every_rollup_link_and_flow_statement() -> None:
    script = step_script(2**40 + 1, 2**40 + 10, 1)
    locked = script.index(LOCK_GLOBAL)
    assert script.count(LOCK_GLOBAL) == 1
    for shared in ("order_parcels", "incident_flow", *ROLLUP_TABLES):
        assert script.rindex(shared) < locked, shared
    assert script.index("UPDATE ledger_visible") < locked
    assert script.index("ledger_global_ranges") > locked


def test_a_step_off_home_takes_no_global_lock() -> None:
    assert LOCK_GLOBAL not in step_script(2**40 + 1, 2**40 + 10, 1, publish=False)
    assert LOCK_GLOBAL not in move_visible_sql(1, 2**40, 2**40 + 3, publish=False)
    assert LOCK_GLOBAL in move_visible_sql(1, 2**40, 2**40 + 3)


def test_a_step_writes_its_own_shards_rollup_rows() -> None:
    script = step_script(3 * 2**40 + 1, 3 * 2**40 + 10, 3)
    assert retract_sql(3) in script
    assert add_sql(3) in script
    # Every rollup upsert and flow insert conflicts on a key that ends with the shard; the
    # other upserts are the projections' and the links'.
    conflicts = re.findall(r"ON CONFLICT \(([^)]*)\)", script)
    by_shard = [c for c in conflicts if c.endswith(", shard")]
    assert len(by_shard) == 2 * len(ROLLUP_TABLES) + 2  # retract, add; the incident flow
    assert sorted(set(conflicts) - set(by_shard)) == [
        "carrier_id, waybill_no",
        "declaration_id",
        "platform_code, order_no",
        "platform_code, order_no, carrier_id, waybill_no",
    ]


def test_links_are_locked_and_upserted_in_key_order() -> None:
    script = step_script(1, 10)
    lock = script.index("FOR UPDATE OF op")
    assert script.index("INSERT INTO order_parcels") > lock
    assert "GROUP BY 1, 2, 3, 4\nORDER BY 1, 2, 3, 4\nON CONFLICT" in script
