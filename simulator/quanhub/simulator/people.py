"""Fake but plausible personal data, so the hub's tokenisation is exercised on real shapes.

Resident ID numbers follow GB 11643-1999 (region, birth date, sequence, ISO 7064 MOD 11-2
check character); phones use real mobile prefixes; addresses are Jinan streets. None of it
belongs to a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quanhub.simulator.catalog import DISTRICT_NAMES

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志海波宁晨浩然欣怡子涵"
_MOBILE_PREFIXES = (
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    150,
    151,
    152,
    153,
    155,
    156,
    157,
    158,
    159,
    166,
    175,
    176,
    177,
    178,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
    191,
    198,
    199,
)
_ROADS = (
    "经十路",
    "泉城路",
    "解放路",
    "山大路",
    "历山路",
    "花园路",
    "二环东路",
    "英雄山路",
    "纬二路",
    "经七路",
    "工业南路",
    "舜华路",
    "旅游路",
    "北园大街",
    "大明湖路",
    "明水路",
)
#: Region codes of ID numbers: Jinan districts mostly, some people born elsewhere.
_BIRTH_REGIONS = (*DISTRICT_NAMES, "371302", "370202", "370702", "410105", "320102", "130102")


@dataclass(frozen=True, slots=True)
class Person:
    """A buyer or payer: resident ID number, name, mobile phone."""

    id_number: str
    name: str
    telephone: str


@dataclass(frozen=True, slots=True)
class Address:
    """A consignee address in one of Jinan's districts."""

    name: str
    telephone: str
    address: str
    district_code: str


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_valid(id_number: str) -> bool:
    """True when an 18-character ID number has digits where due and the right check char."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    return id_check_char(id_number[:17]) == id_number[17]


def fake_id_number(rng: random.Random) -> str:
    """A resident ID number with a valid check character, born 1960-2005."""
    region = rng.choice(_BIRTH_REGIONS)
    year = rng.randint(1960, 2005)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    first17 = f"{region}{year:04d}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


def fake_name(rng: random.Random) -> str:
    """A two- or three-character Chinese name."""
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def fake_phone(rng: random.Random) -> str:
    """An eleven-digit mainland mobile number."""
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def fake_person(rng: random.Random) -> Person:
    """A buyer or payer."""
    return Person(fake_id_number(rng), fake_name(rng), fake_phone(rng))


def fake_address(rng: random.Random, district_code: str, person: Person | None = None) -> Address:
    """A consignee in `district_code`; the buyer themself when `person` is given."""
    name = person.name if person else fake_name(rng)
    phone = person.telephone if person else fake_phone(rng)
    street = (
        f"山东省济南市{DISTRICT_NAMES[district_code]}{rng.choice(_ROADS)}{rng.randint(1, 999)}号"
        f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2604)}室"
    )
    return Address(name, phone, street, district_code)
