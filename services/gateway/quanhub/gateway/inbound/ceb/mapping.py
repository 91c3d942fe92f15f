"""CEB documents to ingest customs events, field by field. Pure: no I/O.

Each document (an order, a payment, an inventory, a receipt...) becomes one customs event
whose fields carry the spec's names in the contract's spelling; the personal fields
(buyer, consignee, payer) go to the contract's Person and Consignee messages, so they are
tokenised exactly as in POST /v1/events. Fields the contract has no place for (notes,
signatures, the buyer's platform account, BaseTransfer) are not kept. A value is passed
as sent: the contract's validation judges it, as it would the same value sent as JSON.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from quanhub.gateway.inbound.ceb.messages import MESSAGES
from quanhub.gateway.inbound.ceb.reading import CebDocument, CebMessage
from quanhub.ingest.v1 import ingest_pb2

__all__ = ["CURRENCIES", "FIELDS", "PERSONAL", "customs_events", "document_event", "event_id"]

#: CEB times are China time: appTime yyyyMMddHHmmss, returnTime yyyyMMddHHmmssSSS.
_CHINA = timezone(timedelta(hours=8))
_GUID = re.compile(r"[A-Za-z0-9-]{1,100}")
_DECIMAL_FIELDS = frozenset({"goods_value", "freight", "tax_total", "actual_paid"})

#: CEB field (local name) -> CustomsEvent field. `acturalPaid` is the spec's spelling.
FIELDS: dict[str, str] = {
    "copNo": "cop_no",
    "preNo": "pre_no",
    "invtNo": "invt_no",
    "orderNo": "order_no",
    "ebpCode": "ebp_code",
    "ebcCode": "ebc_code",
    "logisticsCode": "logistics_code",
    "logisticsNo": "logistics_no",
    "agentCode": "agent_code",
    "customsCode": "customs_code",
    "tradeMode": "trade_mode",
    "ieFlag": "ie_flag",
    "statisticsFlag": "statistics_flag",
    "returnStatus": "return_status",
    "returnInfo": "return_info",
    "goodsValue": "goods_value",
    "freight": "freight",
    "taxTotal": "tax_total",
    "acturalPaid": "actual_paid",
    "amountPaid": "actual_paid",
    "payCode": "pay_code",
    "payTransactionId": "pay_transaction_id",
}
#: Personal fields: CEB name -> (contract message, its field). `telephone` is the payer's
#: phone in a payment (CEB411 PaymentHead); `consigneeDitrict` is the spec's spelling.
PERSONAL: dict[str, tuple[str, str]] = {
    "buyerIdNumber": ("buyer", "id_number"),
    "buyerName": ("buyer", "name"),
    "buyerTelephone": ("buyer", "telephone"),
    "payerIdNumber": ("payer", "id_number"),
    "payerName": ("payer", "name"),
    "telephone": ("payer", "telephone"),
    "consignee": ("consignee", "name"),
    "consigneeTelephone": ("consignee", "telephone"),
    "consigneeAddress": ("consignee", "address"),
}
_DISTRICT = ("consigneeDitrict", "consigneeDistrict")
#: Customs currency codes (海关币制代码) -> ISO 4217: CEB messages carry the customs code
#: (142 for CNY); the contract takes ISO codes. An unknown customs code is left out rather
#: than refusing the document for it.
CURRENCIES: dict[str, str] = {
    "110": "HKD",
    "116": "JPY",
    "121": "MOP",
    "132": "SGD",
    "133": "KRW",
    "142": "CNY",
    "300": "EUR",
    "302": "DKK",
    "303": "GBP",
    "326": "NOK",
    "330": "SEK",
    "331": "CHF",
    "344": "RUB",
    "501": "CAD",
    "502": "USD",
    "601": "AUD",
    "609": "NZD",
}


def _decimal(text: str) -> str:
    """A decimal as the contract spells it: trailing zeros past 4 places dropped (the XSD
    allows 5, as in 10.00000); anything else as sent, for validation to judge."""
    whole, dot, fraction = text.partition(".")
    if dot and len(fraction) > 4 and fraction[4:].strip("0") == "":
        return f"{whole}.{fraction[:4]}"
    return text


def _instant(text: str) -> datetime | None:
    """A CEB time (14 or 17 digits, China time), or None when it is not one."""
    if not text.isascii() or not text.isdigit() or len(text) not in {14, 17}:
        return None
    try:
        at = datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=_CHINA)
    except ValueError:
        return None
    return at + timedelta(milliseconds=int(text[14:] or "0"))


def _quantity(text: str) -> int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= 2**31 or value != value.to_integral_value():
        return None
    return int(value)


def _line(item: Mapping[str, str], line: ingest_pb2.GoodsLine) -> None:
    if (gnum := _quantity(item.get("gnum", ""))) is not None:
        line.gnum = gnum
    line.item_no = item.get("itemNo", "")
    line.item_name = item.get("itemName") or item.get("gname", "")
    line.hs_code = item.get("gcode", "")
    if (quantity := _quantity(item.get("qty", ""))) is not None:
        line.quantity = quantity
    line.unit = item.get("unit", "")
    line.unit_price = _decimal(item.get("price", ""))
    line.total_price = _decimal(item.get("totalPrice", ""))
    line.origin_country = item.get("country", "")


def event_id(message_type: str, document: CebDocument) -> str:
    """`CEBnnn-<document guid>`: the same document sent again is the same event. A document
    without a usable guid is named by a digest of its fields."""
    guid = document.fields.get("guid", "")
    if _GUID.fullmatch(guid):
        return f"{message_type}-{guid}"
    digest = hashlib.sha256(repr(sorted(document.fields.items())).encode()).hexdigest()
    return f"{message_type}-sha256-{digest[:40]}"


def document_event(message_type: str, document: CebDocument) -> ingest_pb2.Event:
    """The customs event of one document of a `message_type` message.

    `occurred_at` is the receipt's `returnTime`, else the declaration's `appTime`; a
    document with neither readable is left without it, and validation rejects it.
    """
    fields = document.fields
    event = ingest_pb2.Event(event_id=event_id(message_type, document))
    customs = event.customs
    customs.message_type = message_type
    customs.ie_flag = MESSAGES[message_type].ie_flag
    for name, target in FIELDS.items():
        value = fields.get(name, "")
        if value:
            setattr(customs, target, _decimal(value) if target in _DECIMAL_FIELDS else value)
    currency = fields.get("currency", "")
    customs.currency = CURRENCIES.get(currency, "" if currency.isdigit() else currency)
    return_time = fields.get("returnTime", "")
    # returnTime is 17 digits; a 14-digit one (no milliseconds) is read as .000.
    customs.return_time = return_time + "000" if len(return_time) == 14 else return_time
    for name, (person, target) in PERSONAL.items():
        if value := fields.get(name, ""):
            setattr(getattr(customs, person), target, value)
    district = next((fields[n] for n in _DISTRICT if fields.get(n)), "")
    if len(district) == 6 and district.isdigit():
        customs.consignee.district_code = district
    for item in document.lines:
        _line(item, customs.lines.add())
    at = _instant(return_time) or _instant(fields.get("appTime", ""))
    if at is not None:
        event.occurred_at.FromDatetime(at)
    return event


def customs_events(messages: list[CebMessage]) -> list[ingest_pb2.Event]:
    """Every document of the messages as a customs event, in request order."""
    return [
        document_event(message.message_type, document)
        for message in messages
        for document in message.documents
    ]
