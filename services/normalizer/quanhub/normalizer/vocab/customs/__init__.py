"""Customs vocabulary (`code_system = "cbec"`): message type to document, receipt status to
declaration status and detention, returnTime to an instant."""

from __future__ import annotations

import re
from dataclasses import dataclass

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import REQUEST_RECEIPTS, customs_message
from quanhub.normalizer.vocab.customs.table import CONCLUDED, DETENTION, RETURN_STATUS, SOURCE

__all__ = ["CODE_SYSTEM", "SOURCE", "CustomsCode", "lookup"]

CODE_SYSTEM = "cbec"
_NEGATIVE = re.compile(r"-\d+")


@dataclass(frozen=True, slots=True)
class CustomsCode:
    """What a (message type, return status) pair means; `known` is False for UNKNOWN."""

    document: cpb.CustomsDocument.ValueType
    is_receipt: bool
    status: cpb.DeclarationStatus.ValueType
    detention: cpb.Detention.ValueType
    known: bool


def lookup(message_type: str, return_status: str) -> CustomsCode:
    """Document, receipt flag, status and detention of one customs message."""
    kind = customs_message(message_type)
    document = kind.document if kind else cpb.CUSTOMS_DOCUMENT_OTHER
    status_code = return_status.strip()
    is_receipt = kind.is_receipt if kind else bool(status_code)
    none = cpb.DETENTION_UNSPECIFIED
    if not is_receipt:
        # A business message, or a tax bill (CEB816/818, whose own status 1 generated /
        # 2 summarised / 3 voided is kept raw in return_status): the document was submitted.
        return CustomsCode(document, False, cpb.DECLARATION_STATUS_SUBMITTED, none, True)
    if status_code == CONCLUDED and message_type.strip().upper() in REQUEST_RECEIPTS:
        return CustomsCode(
            document, is_receipt, cpb.DECLARATION_STATUS_REQUEST_APPROVED, none, True
        )
    status = RETURN_STATUS.get(status_code)
    if status is not None:
        return CustomsCode(document, is_receipt, status, DETENTION.get(status_code, none), True)
    if _NEGATIVE.fullmatch(status_code):
        return CustomsCode(document, is_receipt, cpb.DECLARATION_STATUS_ERROR, none, True)
    return CustomsCode(document, is_receipt, cpb.DECLARATION_STATUS_UNKNOWN, none, False)
