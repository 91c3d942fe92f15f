"""A carrier partner speaks for the carrier its code is the hub id of, never for the carrier
an alias code names (a `ZHONGTONG` partner registered before the registry refused it)."""

from __future__ import annotations

import pytest

from quanhub.common.access import Principal, Role
from quanhub.common.access.publishing import check_publish, own_carrier
from quanhub.common.carriers import CARRIERS
from quanhub.ingest.v1 import ingest_pb2 as ipb


def _parcel(carrier: str) -> ipb.Event:
    return ipb.Event(event_id="p", parcel=ipb.ParcelEvent(carrier_code=carrier, waybill_no="W1"))


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_a_carrier_partner_publishes_its_own_parcels_in_any_vocabulary(carrier: str) -> None:
    principal = Principal(carrier, Role.CARRIER, carrier)
    assert own_carrier(principal) == carrier
    for code in CARRIERS[carrier].codes():
        assert check_publish(principal, _parcel(code)) is None, code


@pytest.mark.parametrize(
    ("alias", "carrier"), [("ZHONGTONG", "ZTO"), ("SHUNFENG", "SF"), ("YD", "YUNDA")]
)
def test_an_alias_partner_publishes_no_carriers_parcels(alias: str, carrier: str) -> None:
    principal = Principal(alias, Role.CARRIER, alias)
    assert own_carrier(principal) == ""
    for code in (*CARRIERS[carrier].codes(), alias, alias.lower()):
        refusal = check_publish(principal, _parcel(code))
        assert refusal is not None, code
        assert refusal.code == "partner_code_mismatch"
