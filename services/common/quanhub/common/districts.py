"""Jinan's county-level divisions: the district codes the hub reports by, and their names.

Codes are the national administrative division codes (GB/T 2260) that events carry in
`district_code`; Laiwu (370116, 370117) joined Jinan in 2019. Names are what a Jinan
reader expects (历下区), with the English a report in English prints (Lixia District).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["JINAN_DISTRICTS", "JINAN_PREFIX", "District"]

#: Every Jinan district code starts with it; `?district=3701` is the whole city.
JINAN_PREFIX = "3701"


@dataclass(frozen=True, slots=True)
class District:
    """One district or county of Jinan."""

    code: str
    name_zh: str
    name_en: str


_ALL = (
    District("370102", "历下区", "Lixia District"),
    District("370103", "市中区", "Shizhong District"),
    District("370104", "槐荫区", "Huaiyin District"),
    District("370105", "天桥区", "Tianqiao District"),
    District("370112", "历城区", "Licheng District"),
    District("370113", "长清区", "Changqing District"),
    District("370114", "章丘区", "Zhangqiu District"),
    District("370115", "济阳区", "Jiyang District"),
    District("370116", "莱芜区", "Laiwu District"),
    District("370117", "钢城区", "Gangcheng District"),
    District("370124", "平阴县", "Pingyin County"),
    District("370126", "商河县", "Shanghe County"),
)

#: District code -> district, in code order.
JINAN_DISTRICTS: Mapping[str, District] = MappingProxyType({d.code: d for d in _ALL})
