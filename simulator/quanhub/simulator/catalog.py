"""Who takes part in a simulation: platforms, carriers, the customs agent, Jinan's districts.

Partner codes here are the hub partner codes the simulator authenticates as, and the
customs registration codes (ebp/logistics/agent codes) are those of the demo registry
(quanhub.common.access.demo), so customs documents resolve to partners. All made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.common.carriers import resolve_carrier
from quanhub.common.districts import JINAN_DISTRICTS


@dataclass(frozen=True, slots=True)
class Platform:
    """An e-commerce platform that publishes order events in its own status vocabulary."""

    partner: str
    name: str
    #: Name of the order vocabulary in quanhub.simulator.vocab (the event's code_system).
    code_system: str
    #: Registration code with customs (ebp_code on cross-border documents).
    ebp_code: str
    weight: float


@dataclass(frozen=True, slots=True)
class Carrier:
    """An express firm that publishes parcel events in its own code system."""

    partner: str
    name: str
    #: The carrier code it puts on events (Kuaidi100 `com`, Kdniao code or hub id).
    carrier_code: str
    #: Name of the parcel vocabulary in quanhub.simulator.vocab.
    code_system: str
    #: Customs logistics enterprise code (logistics_code on cross-border documents).
    logistics_code: str
    #: Share of domestic parcels; cross-border parcels go to `cross_border_weight` instead.
    weight: float
    cross_border_weight: float
    #: Multiplier on transit times (below 1: faster than the market).
    speed: float

    @property
    def carrier_id(self) -> str:
        """The hub's carrier id, as the normalizer resolves `carrier_code`."""
        return resolve_carrier(self.carrier_code) or self.partner


@dataclass(frozen=True, slots=True)
class CustomsAgent:
    """A declaring agent that files customs messages and relays customs receipts."""

    partner: str
    name: str
    agent_code: str


PLATFORMS: tuple[Platform, ...] = (
    Platform("TMALL", "天猫国际", "taobao", "3701PT0001", 0.45),
    Platform("JDCOM", "京东", "jd", "3701PT0002", 0.30),
    Platform("PDD", "拼多多", "pinduoduo", "3701PT0003", 0.25),
)

# Shares are rough public figures for China's express market (2023 annual reports); the
# carrier code is the one each firm's own feed uses (Kuaidi100 `com`, Kdniao or hub id).
_C = Carrier
CARRIERS: tuple[Carrier, ...] = (
    _C("SF", "顺丰速运", "shunfeng", "kuaidi100", "3701LG0001", 0.08, 0.20, 0.7),
    _C("ZTO", "中通快递", "ZTO", "kdniao", "3701LG0002", 0.22, 0.0, 1.0),
    _C("YTO", "圆通速递", "yuantong", "kuaidi100", "3701LG0003", 0.16, 0.10, 1.0),
    _C("STO", "申通快递", "STO", "kdniao", "3701LG0004", 0.12, 0.0, 1.05),
    _C("YUNDA", "韵达速递", "yunda", "yunda", "3701LG0005", 0.15, 0.0, 1.05),
    _C("EMS", "中国邮政速递物流", "ems", "kuaidi100", "3701LG0006", 0.04, 0.30, 0.9),
    _C("CHINAPOST", "中国邮政快递包裹", "YZPY", "kdniao", "3701LG0007", 0.04, 0.25, 1.2),
    _C("JD", "京东物流", "JD", "quanhub", "3701LG0008", 0.07, 0.15, 0.6),
    _C("DEPPON", "德邦快递", "debangkuaidi", "kuaidi100", "3701LG0009", 0.02, 0.0, 1.1),
    _C("JT", "极兔速递", "JTSD", "kdniao", "3701LG0010", 0.10, 0.0, 1.1),
)

AGENTS: tuple[CustomsAgent, ...] = (CustomsAgent("JNAGENT", "济南报关代理", "3701AG0001"),)

#: Share of deliveries per Jinan district (rough population shares); the districts and
#: their names are the hub's table (quanhub.common.districts).
_DELIVERY_SHARES: dict[str, float] = {
    "370102": 0.12,
    "370103": 0.11,
    "370104": 0.08,
    "370105": 0.08,
    "370112": 0.16,
    "370113": 0.07,
    "370114": 0.11,
    "370115": 0.06,
    "370116": 0.09,
    "370117": 0.03,
    "370124": 0.04,
    "370126": 0.05,
}
#: Jinan's county-level divisions: code, name, share of deliveries.
DISTRICTS: tuple[tuple[str, str, float], ...] = tuple(
    (d.code, d.name_zh, _DELIVERY_SHARES[d.code]) for d in JINAN_DISTRICTS.values()
)

DISTRICT_NAMES: dict[str, str] = {code: name for code, name, _ in DISTRICTS}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a domestic parcel starts: a sorting centre and its district code."""

    hub: str
    district_code: str
    #: Line-haul hours to Jinan, before the carrier's speed factor.
    line_haul_hours: float
    weight: float


ORIGINS: tuple[Origin, ...] = (
    Origin("济南转运中心", "370112", 0.0, 0.12),
    Origin("杭州转运中心", "330110", 20.0, 0.18),
    Origin("义乌转运中心", "330782", 22.0, 0.14),
    Origin("广州转运中心", "440111", 34.0, 0.14),
    Origin("深圳转运中心", "440306", 36.0, 0.08),
    Origin("上海转运中心", "310115", 16.0, 0.12),
    Origin("苏州转运中心", "320506", 15.0, 0.07),
    Origin("临沂转运中心", "371302", 4.0, 0.08),
    Origin("北京转运中心", "110115", 8.0, 0.07),
)

JINAN_HUB = "济南转运中心"
#: The Jinan comprehensive bonded zone, where 1210 goods wait in bonded warehouses.
BONDED_ZONE = ("济南综合保税区", "370112")
#: Where 9610 direct-purchase parcels enter the country and are cleared.
INTERNATIONAL_GATEWAY = ("济南国际邮件互换局", "370105")
#: Customs office codes (关区代码) used on declarations, by trade mode.
CUSTOMS_OFFICES: dict[str, str] = {"9610": "4301", "1210": "4312"}
