"""Customs receipt sequences for cross-border imports, by return status (customs.md).

A typical inventory: 2 → 3 → 120 → (300) → 399 → (500 → 50x/599 → 700) → 800 → 899.
Rejections (100) carry a reason and may be corrected and declared again under the same
copNo; negative statuses are e-port check errors that end the declaration. Pure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from quanhub.simulator.config import Mix
from quanhub.simulator.timing import CUSTOMS_STUCK_HOURS

#: Why customs rejects (100), with relative frequency: the "top reasons" of the ground truth.
REJECTION_REASONS: tuple[tuple[str, float], ...] = (
    ("订购人身份信息校验未通过", 0.35),
    ("电子订单、支付单、运单三单信息不一致", 0.25),
    ("商品编码与申报品名不符", 0.18),
    ("申报价格明显偏低", 0.12),
    ("收货人地址信息不完整", 0.10),
)
#: E-port check errors (negative statuses) that end a declaration.
CHECK_ERRORS: tuple[tuple[str, str], ...] = (
    ("-621018", "订购人年度交易额超过26000元限值"),
    ("-621005", "单笔交易金额超过5000元限值"),
)
DETENTIONS = ("501", "502", "503", "599")


def minutes(value: float) -> timedelta:
    """A duration of `value` minutes."""
    return timedelta(minutes=value)


@dataclass(frozen=True, slots=True)
class Receipt:
    """One receipt: when customs answered, the return status and its text."""

    at: datetime
    status: str
    info: str


@dataclass(frozen=True, slots=True)
class Submission:
    """A business message sent at `at` and the receipts it drew."""

    at: datetime
    receipts: tuple[Receipt, ...]


@dataclass(slots=True)
class InventoryOutcome:
    """How an inventory ended: released, detained (and maybe shipped back), or abandoned."""

    submissions: list[Submission] = field(default_factory=list)
    released_at: datetime | None = None
    detained_at: datetime | None = None
    returned_at: datetime | None = None
    abandoned_at: datetime | None = None
    #: A deliberately stuck inventory: accepted (120) at `stuck_since`, no receipt before
    #: `stuck_until`.
    stuck_since: datetime | None = None
    stuck_until: datetime | None = None


_REASON_TEXTS = tuple(text for text, _ in REJECTION_REASONS)
_REASON_WEIGHTS = tuple(weight for _, weight in REJECTION_REASONS)


def _reason(rng: random.Random) -> str:
    return rng.choices(_REASON_TEXTS, _REASON_WEIGHTS)[0]


def document_path(rng: random.Random, mix: Mix, sent_at: datetime) -> list[Submission]:
    """An order, payment or waybill message: 2 then 120, rarely 100 and a corrected resend."""
    out: list[Submission] = []
    t = sent_at
    while True:
        stored = t + minutes(rng.uniform(0.2, 2))
        answer = stored + minutes(rng.uniform(1, 20))
        if not out and rng.random() < mix.document_rejected:
            receipts = (Receipt(stored, "2", "申报中"), Receipt(answer, "100", _reason(rng)))
            out.append(Submission(t, receipts))
            t = answer + minutes(rng.uniform(60, 360))
            continue
        out.append(
            Submission(t, (Receipt(stored, "2", "申报中"), Receipt(answer, "120", "入库成功")))
        )
        return out


def inventory_path(
    rng: random.Random, mix: Mix, declared_at: datetime, trade_mode: str
) -> InventoryOutcome:
    """The receipts of an import inventory (CEB621 → CEB622) from declaration to the end."""
    outcome = InventoryOutcome()
    bonded = trade_mode == "1210"
    t = declared_at
    first = True
    while True:
        stored = t + minutes(rng.uniform(0.2, 2))
        receipts = [Receipt(stored, "2", "电子口岸申报中")]
        if first and rng.random() < mix.inventory_error:
            status, info = rng.choice(CHECK_ERRORS)
            receipts.append(Receipt(stored + minutes(rng.uniform(0.5, 3)), status, info))
            outcome.submissions.append(Submission(t, tuple(receipts)))
            outcome.abandoned_at = receipts[-1].at
            return outcome
        sent = stored + minutes(rng.uniform(0.5, 5))
        receipts.append(Receipt(sent, "3", "发送海关成功"))
        if first and rng.random() < mix.inventory_rejected:
            answer = sent + minutes(rng.uniform(2, 90))
            receipts.append(Receipt(answer, "100", _reason(rng)))
            outcome.submissions.append(Submission(t, tuple(receipts)))
            first = False
            if rng.random() < mix.redeclare_after_rejection:
                t = answer + minutes(rng.uniform(120, 720))
                continue
            outcome.abandoned_at = answer
            return outcome
        _examine(rng, mix, receipts, sent=sent, bonded=bonded, outcome=outcome)
        outcome.submissions.append(Submission(t, tuple(receipts)))
        return outcome


def _examine(
    rng: random.Random,
    mix: Mix,
    receipts: list[Receipt],
    *,
    sent: datetime,
    bonded: bool,
    outcome: InventoryOutcome,
) -> None:
    """From acceptance (120) to release and closing, or to detention."""
    t = sent + minutes(rng.uniform(1, 10))
    receipts.append(Receipt(t, "120", "海关入库"))
    if rng.random() < mix.customs_stuck:
        outcome.stuck_since = t
        t += minutes(60 * rng.uniform(*CUSTOMS_STUCK_HOURS))
        outcome.stuck_until = t
    if rng.random() < mix.manual_review:
        t += minutes(rng.uniform(5, 30))
        receipts.append(Receipt(t, "300", "人工审核"))
        t += minutes(rng.uniform(60, 480))
    else:
        t += minutes(rng.uniform(2, 30))
    receipts.append(Receipt(t, "399", "海关审结"))
    if rng.random() < mix.inspection:
        t += minutes(rng.uniform(10, 120))
        receipts.append(Receipt(t, "500", "查验"))
        if rng.random() < mix.detained_after_inspection:
            t += minutes(rng.uniform(120, 1440))
            receipts.append(Receipt(t, rng.choice(DETENTIONS), "扣留"))
            outcome.detained_at = t
            if rng.random() < mix.returned_after_detention:
                t += minutes(rng.uniform(1440, 7200))
                receipts.append(Receipt(t, "700", "退运"))
                outcome.returned_at = t
            return
        t += minutes(rng.uniform(120, 2880))
    else:
        t += minutes(rng.uniform(5, 120) if bonded else rng.uniform(60, 720))
    receipts.append(Receipt(t, "800", "放行"))
    outcome.released_at = t
    t += minutes(rng.uniform(1440, 4320))
    receipts.append(Receipt(t, "899", "结关"))
