"""Disturbing the clean stories the way real feeds are disturbed: duplicates, late sends,
codes nobody knows, and events the hub must refuse. Pure and seeded.

The clean story's event ids never change, so any copy of an event collapses in the hub;
extra events get ids of their own (`-u` unknown code, `-m` malformed). A malformed event
breaks a field's rule as the contract states it (quanhub.common.contract): a required
field left out, a value outside the field's named format, one character over its limit.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from google.protobuf.message import Message

from quanhub.common.contract import Rule, rule
from quanhub.common.formats import FORMATS
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.config import AnomalyRates
from quanhub.simulator.model import Anomaly, CustomsMessage, Kind, Step

#: What can be wrong with a malformed event, per kind (each makes validate_event fail).
DEFECTS: dict[Kind, tuple[str, ...]] = {
    Kind.ORDER: (
        "missing_order_no",
        "bad_trade_mode",
        "missing_occurred_at",
        "future_time",
        "long_description",
    ),
    Kind.PARCEL: (
        "missing_waybill",
        "bad_waybill",
        "bad_district",
        "missing_occurred_at",
        "long_description",
    ),
    Kind.CUSTOMS: ("bad_ie_flag", "bad_message_type", "missing_cop_no", "future_time"),
}
_RECEIPT_DEFECTS = ("bad_return_time", "missing_return_status")
_FAR_FUTURE = 4_102_444_800  # 2100-01-01T00:00:00Z
#: An unknown-code event needs room between its neighbours (receipt times are to the ms).
_MIN_GAP = timedelta(seconds=2)
#: The contract's message of each body field of an Event.
_MESSAGES = {"order": "OrderEvent", "parcel": "ParcelEvent", "customs": "CustomsEvent"}
#: A character no named format admits: numbers and codes are ASCII (quanhub.common.formats).
_NOT_ASCII = "单"

Breaker = Callable[[ipb.Event], None]


def _field(path: str) -> tuple[str, Rule]:
    """The body ("order", ...; "" for the Event itself) and the contract's rule of a field
    named "body.name" or "name"."""
    body, _, name = path.rpartition(".")
    return body, rule(_MESSAGES[body] if body else "Event", name)


def _holder(event: ipb.Event, body: str) -> Message:
    held: Message = getattr(event, body) if body else event
    return held


def _missing(path: str) -> Breaker:
    """Leave out a field the contract requires."""
    body, field_rule = _field(path)
    if not field_rule.required:
        msg = f"the contract does not require {path}"
        raise ValueError(msg)
    return lambda event: _holder(event, body).ClearField(field_rule.name)


def _misformatted(path: str) -> Breaker:
    """Give a field of a named format a value outside it: its own value behind a character
    the format does not admit."""
    body, field_rule = _field(path)
    check = FORMATS[field_rule.format]

    def apply(event: ipb.Event) -> None:
        holder = _holder(event, body)
        value = _NOT_ASCII + getattr(holder, field_rule.name)
        if check.matches(value):  # a format that admits it would make no defect
            msg = f"{path} {field_rule.format} admits {value!r}"
            raise ValueError(msg)
        setattr(holder, field_rule.name, value)

    return apply


def _too_long(name: str) -> Breaker:
    """A string field of the event's body one character over the contract's limit."""

    def apply(event: ipb.Event) -> None:
        body = event.WhichOneof("body") or ""
        limit = rule(_MESSAGES[body], name).max_length
        setattr(getattr(event, body), name, _NOT_ASCII * (limit + 1))

    return apply


def _far_future(event: ipb.Event) -> None:
    event.occurred_at.seconds = _FAR_FUTURE


def _no_document_numbers(event: ipb.Event) -> None:
    # Every number that can name the document (canonical.customs_document_no), the spec
    # keys of payments and waybills included.
    event.customs.cop_no = ""
    event.customs.order_no = ""
    event.customs.pay_transaction_id = ""
    event.customs.logistics_no = ""


def _no_return_status(event: ipb.Event) -> None:
    event.customs.return_status = ""


# Field rules come from the contract; future_time, missing_cop_no (a message needs a
# document number: canonical.customs_document_no) and missing_return_status (a receipt
# needs one) are rules joining fields, which the contract's options do not state.
_BREAKERS: dict[str, Breaker] = {
    "missing_occurred_at": _missing("occurred_at"),
    "future_time": _far_future,
    "missing_order_no": _missing("order.order_no"),
    "bad_trade_mode": _misformatted("order.trade_mode"),
    "missing_waybill": _missing("parcel.waybill_no"),
    "bad_waybill": _misformatted("parcel.waybill_no"),
    "bad_district": _misformatted("parcel.district_code"),
    "bad_ie_flag": _misformatted("customs.ie_flag"),
    "bad_message_type": _misformatted("customs.message_type"),
    "missing_cop_no": _no_document_numbers,
    "bad_return_time": _misformatted("customs.return_time"),
    "missing_return_status": _no_return_status,
    "long_description": _too_long("description"),
}


def break_event(event: ipb.Event, defect: str) -> None:
    """Damage `event` in place the way `defect` says."""
    try:
        breaker = _BREAKERS[defect]
    except KeyError:
        msg = f"unknown defect {defect!r}"
        raise ValueError(msg) from None
    breaker(event)


def _is_receipt(step: Step) -> bool:
    return isinstance(step.body, CustomsMessage) and step.body.is_receipt


def _defect(rng: random.Random, step: Step) -> str:
    choices = DEFECTS[step.kind] + (_RECEIPT_DEFECTS if _is_receipt(step) else ())
    return rng.choice(choices)


def disturb(clean: list[Step], rng: random.Random, rates: AnomalyRates) -> list[Step]:
    """Every send of the run in send order: the clean steps and their disturbances.

    `clean` must be in event-time order. Unknown-code events sit strictly between two
    events of the same object in event time, so they never become an object's latest.
    Late (out-of-order) sends go out after one or two later events of the same object.
    """
    later: dict[str, list[int]] = defaultdict(list)
    for position, step in enumerate(clean):
        later[step.object_key].append(position)
    next_of: dict[int, list[int]] = {}
    for positions in later.values():
        for rank, position in enumerate(positions):
            next_of[position] = positions[rank + 1 : rank + 3]

    # Which events go out late, and behind which later event of their object: drawn first,
    # then resolved from the last event backwards, so a late event goes out after its
    # successor even when that successor is itself late.
    behind: dict[int, int] = {}
    for position in range(len(clean)):
        following = next_of[position]
        if following and rng.random() < rates.out_of_order:
            behind[position] = following[rng.randrange(len(following))]
    send_at: list[datetime] = [step.at for step in clean]
    for position in sorted(behind, reverse=True):
        send_at[position] = send_at[behind[position]] + timedelta(milliseconds=1)

    sends: list[tuple[datetime, int, Step]] = []

    def send(at: datetime, step: Step) -> None:
        sends.append((at, len(sends), step))

    for position, step in enumerate(clean):
        following = next_of[position]
        late = position in behind
        send(send_at[position], replace(step, anomaly=Anomaly.OUT_OF_ORDER) if late else step)
        if rng.random() < rates.duplicate:
            again = step.at + timedelta(minutes=rng.uniform(3, 720))
            send(again, replace(step, anomaly=Anomaly.DUPLICATE))
        gap = clean[following[0]].at - step.at if following else timedelta(0)
        eligible = gap > _MIN_GAP and (step.kind is not Kind.CUSTOMS or _is_receipt(step))
        if eligible and rng.random() < rates.unknown_code:
            middle = step.at + gap / 2
            unknown = replace(
                step, event_id=f"{step.event_id}-u", at=middle, anomaly=Anomaly.UNKNOWN_CODE
            )
            send(middle, unknown)
        if rng.random() < rates.malformed:
            broken = replace(
                step,
                event_id=f"{step.event_id}-m",
                anomaly=Anomaly.MALFORMED,
                defect=_defect(rng, step),
            )
            send(step.at, broken)
    sends.sort(key=lambda item: (item[0], item[1]))
    return [step for _, _, step in sends]
