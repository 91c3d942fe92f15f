"""GET /v1/carriers/detect: which carriers a waybill number is probably from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from quanhub.common.canonical import normalize_waybill
from quanhub.common.carriers import carrier
from quanhub.common.contract import Format
from quanhub.common.formats import PATTERNS
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.common.waybills import detect_carriers
from quanhub.ledger.api.deps import PrincipalDep
from quanhub.ledger.api.schemas import CarrierCandidate, CarrierDetection

router = APIRouter(prefix="/v1", tags=["carriers"])

_PROBLEMS = problems(
    {**AUTH_PROBLEMS, 422: f"{INVALID_REQUEST}: `waybill` is not 6-40 letters, digits or '-'"}
)


@router.get("/carriers/detect", responses=_PROBLEMS)
async def detect(
    waybill: Annotated[
        str,
        Query(
            pattern=f"^{PATTERNS[Format.WAYBILL]}$",
            description="The waybill number, as the contract's `waybill_no` takes it",
        ),
    ],
    principal: PrincipalDep,
) -> CarrierDetection:
    """The carriers whose waybill numbers look like `waybill`, most likely first, each with
    a confidence (0-1) from the number's shape alone; an empty list when none fits.

    For a platform that knows a waybill but not its carrier: name the carrier you choose
    in the order event's `carrier_code`. The hub never picks one for you, because the
    carrier an order names is the one that may read the order. Shapes and their sources:
    quanhub.common.waybills; accuracy: docs/partners.md. Any authenticated partner may ask;
    nothing of the ledger is read.
    """
    candidates = []
    for guess in detect_carriers(waybill):
        known = carrier(guess.carrier_id)
        candidates.append(
            CarrierCandidate(
                carrier_id=known.id,
                name_zh=known.name_zh,
                name_en=known.name_en,
                kuaidi100=known.kuaidi100,
                kdniao=known.kdniao,
                confidence=guess.confidence,
                shape=guess.shape.describes,
            )
        )
    return CarrierDetection(waybill_no=normalize_waybill(waybill), candidates=candidates)
