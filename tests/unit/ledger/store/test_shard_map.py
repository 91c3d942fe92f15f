"""The shard map: shard k on instance k mod N, home first; unset means one instance."""

from __future__ import annotations

import pytest

from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.settings import LedgerConsumerSettings, ShardMapSettings
from quanhub.ledger.store.shard_map import ShardMap

HOME = "postgresql://q@home/quanhub"
OTHER = "postgresql://q@other/quanhub"


def test_one_instance_holds_every_shard() -> None:
    shard_map = ShardMap.of(HOME)
    assert shard_map.single
    assert [shard_map.url_of(s) for s in range(4)] == [HOME] * 4
    assert shard_map.shards_of(0, 4) == [0, 1, 2, 3]
    assert shard_map.remote_shards(4) == []


def test_two_instances_alternate_shards_with_shard_zero_at_home() -> None:
    shard_map = ShardMap.of(HOME, [OTHER])
    assert not shard_map.single
    assert shard_map.home_url == HOME == shard_map.url_of(0)
    assert [shard_map.instance_of(s) for s in range(5)] == [0, 1, 0, 1, 0]
    assert shard_map.shards_of(0, 4) == [0, 2]
    assert shard_map.shards_of(1, 4) == [1, 3]
    assert shard_map.remote_shards(4) == [1, 3]
    assert [shard_map.on_home(s) for s in range(4)] == [True, False, True, False]


def test_every_shard_is_on_exactly_one_instance() -> None:
    shard_map = ShardMap.of(HOME, [OTHER, "postgresql://q@third/quanhub"])
    held = [s for i in range(shard_map.instances) for s in shard_map.shards_of(i, 16)]
    assert sorted(held) == list(range(16))


def test_an_instance_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        ShardMap.of(HOME, [HOME])


def test_unknown_instance_and_negative_shard_are_refused() -> None:
    shard_map = ShardMap.of(HOME, [OTHER])
    with pytest.raises(ValueError, match="no instance"):
        shard_map.shards_of(2, 4)
    with pytest.raises(ValueError, match="no shard"):
        shard_map.instance_of(-1)


def test_settings_read_the_instances_beside_the_database_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUANHUB_LEDGER_SHARD_INSTANCES", f'["{OTHER}"]')
    database = DatabaseSettings(url=HOME)
    assert ShardMapSettings().of(database).urls == (HOME, OTHER)
    settings = LedgerConsumerSettings(database=database)
    assert settings.shard_map.of(settings.database).urls == (HOME, OTHER)


def test_settings_unset_keep_every_shard_at_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUANHUB_LEDGER_SHARD_INSTANCES", raising=False)
    assert ShardMapSettings().of(DatabaseSettings(url=HOME)).single
