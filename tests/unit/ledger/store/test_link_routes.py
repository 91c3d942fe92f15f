"""Where a link fact goes (the instances of its sides' shards, never its own), how it is
spelt on the links topic, and that a single instance's step keeps its SQL."""

from __future__ import annotations

import pytest

from quanhub.common.canonical import order_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.ledger.store.link_facts import changed_links_sql, decode_fact, encode_fact
from quanhub.ledger.store.link_routes import LinkFact, LinkRouter
from quanhub.ledger.store.projections import links_sql
from quanhub.ledger.store.projector import step_script
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql

PARTITIONS = list(range(8))
TWO = ShardMap.of("postgresql://home/l", ["postgresql://other/l"])


def _instance(key: bytes, shards: int = 4, instances: int = 2) -> int:
    return (partition_of(key, PARTITIONS) % shards) % instances


def _fact(n: int) -> LinkFact:
    return LinkFact("JD", f"O{n}", "SF", f"W{n}", True, n % 2 == 0)


def _facts_by_placement() -> dict[tuple[int, int], LinkFact]:
    """A fact for each (order's instance, parcel's instance)."""
    found: dict[tuple[int, int], LinkFact] = {}
    n = 0
    while len(found) < 4:
        fact = _fact(n)
        placed = (
            _instance(order_key(fact.platform_code, fact.order_no)),
            _instance(parcel_key(fact.carrier_id, fact.waybill_no)),
        )
        found.setdefault(placed, fact)
        n += 1
    return found


@pytest.mark.parametrize("here", [0, 1])
def test_a_fact_goes_to_the_other_instance_of_each_side_keyed_by_that_side(here: int) -> None:
    router = LinkRouter(TWO, 4, PARTITIONS, here)
    for (order_at, parcel_at), fact in _facts_by_placement().items():
        routes = router.routes(fact)
        expected = []
        if order_at != here:
            expected.append(order_key(fact.platform_code, fact.order_no))
        if parcel_at != here:
            expected.append(parcel_key(fact.carrier_id, fact.waybill_no))
        assert [r.key for r in routes] == expected
        for route in routes:
            assert route.partition == partition_of(route.key, PARTITIONS)
            assert router.instance_of_partition(route.partition) != here
            assert route.fact == fact


def test_one_instance_routes_nothing() -> None:
    router = LinkRouter(ShardMap.of("postgresql://home/l"), 4, PARTITIONS, 0)
    assert all(not router.routes(_fact(n)) for n in range(50))


def test_a_fact_survives_the_links_topic_and_junk_is_refused() -> None:
    fact = LinkFact("TMALL", "O|1", "ZTO", "W 1", False, True)
    assert decode_fact(encode_fact(fact)) == fact
    for junk in (b"{}", b"[1,2,3,4,true,false]", b'["a","b","c","",true,true]', b"not json"):
        with pytest.raises(ValueError, match=r"link fact|Expecting value"):
            decode_fact(junk)


def test_a_single_instance_step_keeps_todays_link_sql() -> None:
    today = links_sql("ledger_fresh") + confirm_detected_links_sql("ledger_fresh")
    assert today in step_script(1, 10)
    assert "link_changes" not in step_script(1, 10)
    routed = step_script(1, 10, routed=True)
    assert today not in routed
    assert changed_links_sql("ledger_fresh") in routed
    assert routed.count("INSERT INTO link_changes") == 2
