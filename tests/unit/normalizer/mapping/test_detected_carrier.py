"""An order naming a waybill without its carrier gets the carrier detection is sure of, kept
apart from carrier_id (what the platform asserted)."""

from __future__ import annotations

import pytest

from quanhub.common.waybills import DETECTION_THRESHOLD
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping.bodies import order_update


def _order(waybill_no: str, carrier_code: str = "") -> ipb.OrderEvent:
    return ipb.OrderEvent(
        platform_code="TMALL",
        order_no="2026112800001",
        code_system="taobao",
        code="WAIT_BUYER_CONFIRM_GOODS",
        carrier_code=carrier_code,
        waybill_no=waybill_no,
    )


@pytest.mark.parametrize(
    ("waybill_no", "carrier_id", "confidence"),
    [
        ("73610555582883", "ZTO", 0.7),
        (" sf1385628716739 ", "SF", 0.95),
        ("EA473124829CN", "EMS", 0.99),
    ],
)
def test_a_telling_number_gets_its_detected_carrier(
    waybill_no: str, carrier_id: str, confidence: float
) -> None:
    out, _ = order_update(_order(waybill_no), {})
    assert (out.carrier_id, out.detected_carrier_id) == ("", carrier_id)
    assert out.detected_confidence == pytest.approx(confidence)
    assert out.detected_confidence >= DETECTION_THRESHOLD


@pytest.mark.parametrize(
    "waybill_no",
    [
        "1207119765021",  # EMS 0.538, Yunda and China Post 0.231: several carriers print it
        "118461988807",  # 12 digits: an older SF or ZTO number
        "SF12",  # a prefix alone
        "ZZ99999999",  # no shape
        "",  # no waybill
    ],
)
def test_an_ambiguous_or_unknown_number_gets_no_carrier(waybill_no: str) -> None:
    out, _ = order_update(_order(waybill_no), {})
    assert (out.carrier_id, out.detected_carrier_id, out.detected_confidence) == ("", "", 0.0)


def test_a_carrier_the_platform_names_is_kept_and_nothing_is_detected() -> None:
    out, _ = order_update(_order("73610555582883", carrier_code="yuantong"), {})
    assert (out.carrier_id, out.detected_carrier_id, out.detected_confidence) == ("YTO", "", 0.0)
