"""Fixed push channels for the push routes' tests (Kdniao, Kuaidi100), and the secret the
gateway derives for each channel (what the partner signs a push with)."""

from __future__ import annotations

from collections.abc import Mapping

from quanhub.common.access import Principal, Role
from quanhub.common.access.push import PushChannel, push_secret
from quanhub.gateway.settings import GatewaySettings

YTO = Principal("YTO", Role.CARRIER, "YTO Express", "3701LG0003")
NONCE = "n1"
FORM = {"content-type": "application/x-www-form-urlencoded"}


class FakePushChannels:
    """One push format's channels: partner code -> principal, every one with NONCE."""

    def __init__(self, fmt: str, principals: Mapping[str, Principal]) -> None:
        self.fmt = fmt
        self.principals = principals

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        principal = self.principals.get(partner_code)
        return PushChannel(principal, NONCE) if principal and fmt == self.fmt else None


def derived_secret(settings: GatewaySettings, fmt: str, code: str = "YTO") -> str:
    """The secret the gateway derives for `code`'s `fmt` channel (NONCE)."""
    return push_secret(settings.pii.secret.get_secret_value().encode(), code, fmt, NONCE)
