"""What is bought and what it costs: goods lines, amounts, and the document numbers of a run."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from quanhub.common.waybill_numbers import draw_waybill
from quanhub.simulator.catalog import Carrier, Platform
from quanhub.simulator.model import Amounts, GoodsLine

_CENT = Decimal("0.01")
#: Cross-border retail import tax within the limits: 70% of 13% VAT, no duty (Caiguanshui 2018/49).
CBEC_TAX_RATE = Decimal("0.091")
#: Per-transaction limit for cross-border retail imports, CNY.
SINGLE_LIMIT = Decimal(5000)


@dataclass(frozen=True, slots=True)
class Item:
    """A product: name, HS code, unit, price range in CNY, countries of origin."""

    name: str
    hs_code: str
    unit: str
    low: int
    high: int
    origins: tuple[str, ...]


DOMESTIC_ITEMS: tuple[Item, ...] = (
    Item("纯棉T恤", "6109100022", "件", 29, 129, ("CHN",)),
    Item("手机保护壳", "3926909090", "个", 9, 49, ("CHN",)),
    Item("龙井茶叶", "0902109000", "盒", 68, 399, ("CHN",)),
    Item("运动鞋", "6404110090", "双", 129, 699, ("CHN",)),
    Item("蓝牙耳机", "8518300000", "副", 59, 499, ("CHN",)),
    Item("章丘大葱", "0703900000", "千克", 12, 39, ("CHN",)),
    Item("平阴玫瑰花茶", "1211909999", "盒", 29, 89, ("CHN",)),
    Item("儿童绘本", "4903000000", "本", 15, 79, ("CHN",)),
    Item("保温杯", "9617001100", "个", 39, 199, ("CHN",)),
    Item("洗衣液", "3402209000", "瓶", 19, 69, ("CHN",)),
)

IMPORT_ITEMS: tuple[Item, ...] = (
    Item("婴幼儿配方奶粉", "1901101000", "罐", 180, 420, ("AUS", "NZL", "NLD", "IRL")),
    Item("保湿面霜", "3304990099", "瓶", 150, 1200, ("FRA", "JPN", "KOR")),
    Item("鱼油软胶囊", "2106909090", "瓶", 99, 380, ("USA", "AUS", "NOR")),
    Item("红葡萄酒", "2204210000", "瓶", 120, 800, ("FRA", "CHL", "AUS")),
    Item("纸尿裤", "9619001100", "包", 89, 199, ("JPN",)),
    Item("电动牙刷", "8509800000", "支", 299, 1500, ("DEU", "NLD")),
)


def money(value: Decimal) -> str:
    """A decimal amount as the contract's string, two places."""
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def pick_lines(rng: random.Random, cross_border: bool) -> tuple[GoodsLine, ...]:
    """One to three lines of goods, kept under the per-transaction limit when cross-border."""
    items = IMPORT_ITEMS if cross_border else DOMESTIC_ITEMS
    lines: list[GoodsLine] = []
    total = Decimal(0)
    for gnum in range(1, rng.choice((1, 1, 1, 2, 2, 3)) + 1):
        item = rng.choice(items)
        quantity = rng.choice((1, 1, 1, 2, 3))
        unit_price = Decimal(rng.randint(item.low * 100, item.high * 100)) / 100
        line_total = unit_price * quantity
        if cross_border and total + line_total > SINGLE_LIMIT * Decimal("0.9"):
            break
        total += line_total
        lines.append(
            GoodsLine(
                gnum=gnum,
                item_no=f"SKU{item.hs_code[:6]}{gnum:02d}",
                item_name=item.name,
                hs_code=item.hs_code,
                quantity=quantity,
                unit=item.unit,
                unit_price=money(unit_price),
                total_price=money(line_total),
                origin_country=rng.choice(item.origins),
            )
        )
    if not lines:  # the first line alone was over the limit: take the cheapest item once
        return (_cheap_line(items),)
    return tuple(lines)


def _cheap_line(items: tuple[Item, ...]) -> GoodsLine:
    item = min(items, key=lambda i: i.low)
    price = money(Decimal(item.low))
    return GoodsLine(
        1,
        f"SKU{item.hs_code[:6]}01",
        item.name,
        item.hs_code,
        1,
        item.unit,
        price,
        price,
        item.origins[0],
    )


def amounts_for(rng: random.Random, lines: tuple[GoodsLine, ...], cross_border: bool) -> Amounts:
    """Goods value, freight, discount, tax and what the buyer paid, consistent to the cent."""
    goods = sum((Decimal(line.total_price) for line in lines), Decimal(0))
    freight = Decimal(rng.choice((0, 0, 0, 6, 8, 10, 12)))
    discount = Decimal(rng.choice((0, 0, 0, 5, 10, 20))).min(goods / 2).quantize(_CENT)
    tax = (goods * CBEC_TAX_RATE).quantize(_CENT, ROUND_HALF_UP) if cross_border else Decimal(0)
    paid = goods + freight + tax - discount
    return Amounts(money(goods), money(freight), money(discount), money(tax), money(paid))


@dataclass(frozen=True, slots=True)
class Numbers:
    """Document numbers of one run: unique by (run tag, order index), plausible in shape."""

    run: int

    @classmethod
    def for_seed(cls, seed: int) -> Numbers:
        """A six-digit run tag from the seed, so two seeds rarely share a number."""
        return cls(random.Random(seed).randrange(1_000_000))  # noqa: S311 - not crypto

    def event_prefix(self, index: int) -> str:
        """Prefix of every event id of order `index` (suffixed by the step number)."""
        return f"sim{self.run:06d}-{index:08d}"

    def order_no(self, platform: Platform, index: int, at: datetime) -> str:
        """An order number in the platform's usual shape."""
        if platform.partner == "PDD":
            return f"{at:%y%m%d}-{self.run:06d}{index:09d}"
        if platform.partner == "JDMALL":
            return f"3{self.run:06d}{index:08d}"
        return f"2{self.run:06d}{index:09d}{index % 7}{index % 10}"

    def waybill_no(self, carrier: Carrier, index: int) -> str:
        """A waybill number in one of the carrier's documented shapes
        (quanhub.common.waybill_numbers), unique in the run."""
        return draw_waybill(carrier.carrier_id, self.run * 10**8 + index)

    def pay_transaction_id(self, index: int, at: datetime) -> str:
        """The payment institution's transaction id."""
        return f"{at:%Y%m%d}{self.run:06d}{index:010d}"

    def cop_no(self, agent_code: str, document: str, index: int) -> str:
        """The agent's document number; `document` is O(rder), P(ayment), W(aybill), I(nventory)."""
        return f"{agent_code[:4]}{document}{self.run:06d}{index:08d}"

    def invt_no(self, customs_code: str, at: datetime, index: int) -> str:
        """The inventory number customs assigns on acceptance."""
        return f"{customs_code}{at:%Y}I{self.run:06d}{index:08d}"

    def pre_no(self, at: datetime, index: int) -> str:
        """The e-port's pre-entry number."""
        return f"B{at:%Y%m%d}{self.run:06d}{index:08d}"
