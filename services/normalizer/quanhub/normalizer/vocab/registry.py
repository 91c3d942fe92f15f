"""The vocabulary registry: an explicit map from `code_system` to its lookup (no discovery).

Adding a vocabulary is one folder under `vocab/` and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from quanhub.normalizer.vocab import jd, kdniao, kuaidi100, pinduoduo, quanhub, taobao, yunda
from quanhub.normalizer.vocab.types import OrderLookup, ParcelLookup

__all__ = ["ORDER_VOCABULARIES", "PARCEL_VOCABULARIES", "order_lookup", "parcel_lookup"]

PARCEL_VOCABULARIES: Mapping[str, ParcelLookup] = MappingProxyType(
    {
        "kuaidi100": kuaidi100.lookup,
        "kdniao": kdniao.lookup,
        "yunda": yunda.lookup,
        "quanhub": quanhub.parcel_lookup,
    }
)

ORDER_VOCABULARIES: Mapping[str, OrderLookup] = MappingProxyType(
    {
        "taobao": taobao.lookup,
        "tmall": taobao.lookup,
        "jd": jd.lookup,
        "pinduoduo": pinduoduo.lookup,
        "quanhub": quanhub.order_lookup,
    }
)


def parcel_lookup(code_system: str) -> ParcelLookup | None:
    """The parcel vocabulary named `code_system` (any case), or None if the hub has none."""
    return PARCEL_VOCABULARIES.get(code_system.strip().lower())


def order_lookup(code_system: str) -> OrderLookup | None:
    """The order vocabulary named `code_system` (any case), or None if the hub has none."""
    return ORDER_VOCABULARIES.get(code_system.strip().lower())
