"""Demo partners for the local profile, with keys that stay the same across restarts.

The keys derive from the local personal-data secret, so `make run` can print them and a
developer's saved curl commands keep working. Outside the local profile this refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from quanhub.common.access.keys import derive_key, hash_key
from quanhub.common.access.model import Role
from quanhub.common.errors import ConfigurationError
from quanhub.common.settings import PiiSettings, Profile


@dataclass(frozen=True, slots=True)
class DemoPartner:
    """One fixed demo partner (the customs codes are made up, clearly not real ones).

    A carrier's partner code is its hub carrier id (quanhub.common.carriers), which is what
    the publish rules and the ledger's visibility compare with; so the JD.com platform is
    `JDCOM` and `JD` is JD Logistics.
    """

    code: str
    role: Role
    name: str
    customs_code: str | None = None


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner("TMALL", Role.PLATFORM, "天猫国际 Tmall Global", "3701PT0001"),
    DemoPartner("JDCOM", Role.PLATFORM, "京东 JD.com", "3701PT0002"),
    DemoPartner("PDD", Role.PLATFORM, "拼多多 Pinduoduo", "3701PT0003"),
    DemoPartner("SF", Role.CARRIER, "顺丰速运 SF Express", "3701LG0001"),
    DemoPartner("ZTO", Role.CARRIER, "中通快递 ZTO Express", "3701LG0002"),
    DemoPartner("YTO", Role.CARRIER, "圆通速递 YTO Express", "3701LG0003"),
    DemoPartner("STO", Role.CARRIER, "申通快递 STO Express", "3701LG0004"),
    DemoPartner("YUNDA", Role.CARRIER, "韵达速递 Yunda Express", "3701LG0005"),
    DemoPartner("EMS", Role.CARRIER, "中国邮政 EMS", "3701LG0006"),
    DemoPartner("CHINAPOST", Role.CARRIER, "中国邮政快递包裹 China Post", "3701LG0007"),
    DemoPartner("JD", Role.CARRIER, "京东物流 JD Logistics", "3701LG0008"),
    DemoPartner("DEPPON", Role.CARRIER, "德邦快递 Deppon Express", "3701LG0009"),
    DemoPartner("JT", Role.CARRIER, "极兔速递 J&T Express", "3701LG0010"),
    DemoPartner("JNAGENT", Role.CUSTOMS_AGENT, "济南报关代理 (demo)", "3701AG0001"),
    DemoPartner("QCCUSTOMS", Role.CUSTOMS_LIAISON, "泉城海关联络 (demo)"),
    DemoPartner("JNCOMMERCE", Role.ANALYST, "济南市商务局 (demo)"),
    DemoPartner("ADMIN", Role.ADMIN, "Hub operator (demo)"),
)


def demo_key(pii: PiiSettings, code: str) -> tuple[str, str]:
    """The (key_id, api_key) of a demo partner, derived from the local secret."""
    master = pii.secret.get_secret_value().encode()
    return derive_key(master, f"demo-partner\x1f{code}")


async def ensure_demo_partners(pool: asyncpg.Pool, pii: PiiSettings) -> dict[str, str]:
    """Create the demo partners that are missing and return every demo partner's API key.

    Local profile only. An existing partner row is left as it is (so a partner an operator
    disabled stays disabled); its demo key is (re)installed and made valid again.
    """
    if pii.profile is not Profile.LOCAL:
        msg = "demo partners exist only in the local profile (QUANHUB_PROFILE=local)"
        raise ConfigurationError(msg)
    keys: dict[str, str] = {}
    async with pool.acquire() as conn, conn.transaction():
        for partner in DEMO_PARTNERS:
            await conn.execute(
                """INSERT INTO partners (code, role, name, customs_code) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (code) DO NOTHING""",
                partner.code,
                partner.role.value,
                partner.name,
                partner.customs_code,
            )
            key_id, api_key = demo_key(pii, partner.code)
            await conn.execute(
                """INSERT INTO api_keys (id, partner_code, key_hash, demo) VALUES ($1, $2, $3, true)
                   ON CONFLICT (id) DO UPDATE SET key_hash = EXCLUDED.key_hash, demo = true,
                       partner_code = EXCLUDED.partner_code, revoked = false, expires_at = NULL""",
                key_id,
                partner.code,
                hash_key(api_key),
            )
            keys[partner.code] = api_key
    return keys
