"""The carrier registry: one hub carrier id per express firm, and every code that names it.

Partners name carriers in Kuaidi100 (`shunfeng`) or Kdniao (`SF`) codes, or by the hub's
own id; `resolve_carrier` turns any of them into the hub id. Adding a carrier is one line
in `CARRIERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CARRIERS", "CODES", "Carrier", "carrier", "resolve_carrier"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """An express firm as the hub knows it."""

    id: str
    name_zh: str
    name_en: str
    kuaidi100: str
    kdniao: str
    #: Further spellings seen in the wild (hub-side choices, not from a vocabulary).
    aliases: tuple[str, ...] = ()

    def codes(self) -> tuple[str, ...]:
        """Every code that resolves to this carrier."""
        return (self.id, self.kuaidi100, self.kdniao, *self.aliases)


# Kuaidi100 `com` and Kdniao ShipperCode per ../shared/reference/tracking.md "Carrier codes"
# (Kuaidi100 and Kdniao carrier code lists).
_ALL = (
    Carrier("SF", "顺丰速运", "SF Express", "shunfeng", "SF"),
    Carrier("ZTO", "中通快递", "ZTO Express", "zhongtong", "ZTO"),
    Carrier("YTO", "圆通速递", "YTO Express", "yuantong", "YTO"),
    Carrier("STO", "申通快递", "STO Express", "shentong", "STO"),
    Carrier("YUNDA", "韵达快递", "Yunda Express", "yunda", "YD"),
    Carrier("EMS", "EMS", "EMS", "ems", "EMS"),
    Carrier("CHINAPOST", "中国邮政", "China Post", "youzhengguonei", "YZPY"),
    Carrier("JD", "京东物流", "JD Logistics", "jd", "JD"),
    Carrier("DEPPON", "德邦快递", "Deppon Express", "debangkuaidi", "DBL"),
    Carrier("JT", "极兔速递", "J&T Express", "jtexpress", "JTSD", aliases=("J&T",)),
)

#: Hub carrier id -> carrier.
CARRIERS: Mapping[str, Carrier] = MappingProxyType({c.id: c for c in _ALL})


def _index() -> Mapping[str, str]:
    index: dict[str, str] = {}
    for c in _ALL:
        for code in c.codes():
            key = code.casefold()
            if index.setdefault(key, c.id) != c.id:
                msg = f"carrier code {code!r} names both {index[key]} and {c.id}"
                raise ValueError(msg)
    return MappingProxyType(index)


_BY_CODE = _index()
#: Every carrier code the hub knows (case-folded: Kuaidi100, Kdniao, hub ids, aliases) and
#: the carrier id it names: what resolve_carrier looks codes up in.
CODES: Mapping[str, str] = _BY_CODE


def resolve_carrier(code: str) -> str | None:
    """The hub carrier id for a Kuaidi100 code, Kdniao code or hub id (any case), else None."""
    return _BY_CODE.get(code.strip().casefold())


def carrier(carrier_id: str) -> Carrier:
    """The carrier with this hub id; KeyError if there is none."""
    return CARRIERS[carrier_id]
