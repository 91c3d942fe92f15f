"""Which carrier a waybill number is probably from: the shapes of the ten carriers' numbers.

A platform may name a waybill without its carrier; Kuaidi100 and Kdniao answer that with a
number-recognition API ("autonumber", 单号识别) returning possible carriers best first, and
say the answer is a guess: carriers change their numbering, and many all-digit numbers fit
several carriers. `detect_carriers` does the same from `SHAPES`, one table of the shapes
public sources describe, each with how sure the shape alone makes us (`weight`):

- a letter prefix one carrier uses, at its documented length (`SF` + 13 digits): LETTERED;
- a UPU S10 number (two letters, eight digits, a check digit, the post's country) whose
  check digit holds: S10, and S10_ABROAD when another country's post issued it;
- digits only, from a prefix and length the sources agree on: DIGITS;
- digits only, from one source, or contradicted by another: DIGITS_ONE_SOURCE;
- a length alone (12 or 13 digits fit several carriers): LENGTH;
- a carrier's letter prefix at a length no source gives: PREFIX.

A carrier's score is the weight of its best-fitting shape; when the scores of all fitting
carriers add up to more than 1 they are scaled to add up to 1, so a confidence reads as a
share of belief. Ties keep the order of `quanhub.common.carriers.CARRIERS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from quanhub.common.canonical import normalize_waybill
from quanhub.common.carriers import CARRIERS

__all__ = [
    "DETECTION_THRESHOLD",
    "SHAPES",
    "SOURCES",
    "CarrierGuess",
    "WaybillShape",
    "detect_carriers",
    "likely_carrier",
    "s10_valid",
]

LETTERED = 0.95
S10 = 0.99
S10_ABROAD = 0.6
DIGITS = 0.7
DIGITS_ONE_SOURCE = 0.5
LENGTH = 0.3
PREFIX = 0.5

#: The least confidence at which the hub acts on a guess (the normalizer fills in the
#: carrier of an order's waybill the platform left out): a shape the sources agree on that
#: no other carrier's shape shares (ZTO's 14 digits from 73-76 or 78: 0.7; SF + 13 digits:
#: 0.95; a Chinese S10: 0.99). Numbers several carriers print stay below it (EMS's 13 digits
#: from 1: 0.538), as do another country's S10 (0.6) and prefix-only shapes (0.5). Above
#: 0.5 the first candidate is the only one that can reach it: confidences add up to at most 1.
DETECTION_THRESHOLD = 0.65

#: Where the shapes come from (public descriptions; none is a carrier's own specification,
#: which none of the ten publishes).
SOURCES: dict[str, str] = {
    # The npm package courier-validation (github.com/BF-zh/Courier-Validation, 2024):
    # src/pattern/*.ts, one pattern per carrier, and its test numbers.
    "cv": "courier-validation (BF-zh/Courier-Validation, src/pattern and test/index.test.ts)",
    # A Hive UDF validating logistics numbers per carrier (chinagoods bigdata, 2022-11):
    # UDFLogisticNoValid.LOGISTIC_NO_PATTERN_MAP and the sample numbers in its main().
    "cg": "chinagoods UDFLogisticNoValid (Hive UDF, 2022), patterns and sample numbers",
    # Kdniao's 单号识别 (number recognition) API documentation: its samples
    # 3967950525457 -> YD and, in the query API's sample answer, 118461988807 -> SF.
    "kdniao": "Kdniao 单号识别 API documentation, sample requests and answers",
    # UPU standard S10 (international postal item identifiers): service indicator letters
    # (E: EMS; C: parcel; R: registered; L: letter post, e-packets; V: insured), eight
    # digits, a mod-11 check digit with weights 8 6 4 2 3 5 9 7, an ISO country code.
    "s10": "UPU S10 standard (item identifier format and check digit)",
}


@dataclass(frozen=True, slots=True)
class WaybillShape:
    """One way a carrier's numbers look: a regex matched whole against the normalised
    number (quanhub.common.canonical.normalize_waybill), and how telling it is."""

    carrier_id: str
    pattern: str
    weight: float
    #: For people: the shape in words ("SF + 13 digits").
    describes: str
    #: Keys of SOURCES that describe the shape.
    sources: tuple[str, ...]
    #: Numbers the sources give as this carrier's (unit tests detect them).
    examples: tuple[str, ...] = ()
    #: A further test of a number the pattern matched (a check digit).
    check: Callable[[str], bool] | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.ASCII))

    def fits(self, number: str) -> bool:
        """Whether the normalised `number` has this shape."""
        return bool(self.regex.fullmatch(number)) and (self.check is None or self.check(number))


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_valid(number: str) -> bool:
    """Whether an S10 number's ninth digit is the check digit of its first eight."""
    digits = number[2:11]
    total = sum(int(d) * w for d, w in zip(digits[:8], _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return int(digits[8]) == {10: 0, 11: 5}.get(check, check)


def _abroad(number: str) -> bool:
    return s10_valid(number) and not number.endswith("CN")


_S = WaybillShape
#: Every shape, grouped by carrier in the order of CARRIERS.
SHAPES: tuple[WaybillShape, ...] = (
    _S("SF", r"SF\d{13}", LETTERED, "SF + 13 digits", ("cv",), ("SF1385628716739",)),
    _S("SF", r"\d{12}", LENGTH, "12 digits (SF's older numbers)", ("kdniao",), ("118461988807",)),
    _S("SF", r"SF[0-9A-Z-]+", PREFIX, "SF + letters or digits", ("cv",)),
    _S(
        "ZTO",
        r"7[3-68]\d{12}",
        DIGITS,
        "14 digits from 73-76 or 78",
        ("cv", "cg"),
        ("73610555582883",),
    ),
    _S("ZTO", r"\d{12}", LENGTH, "12 digits (ZTO's older numbers)", ("cg",)),
    _S("YTO", r"YT\d{13}", LETTERED, "YT + 13 digits", ("cv", "cg"), ("YT8962646785389",)),
    _S("YTO", r"YT[0-9A-Z-]+", PREFIX, "YT + letters or digits", ("cv",)),
    _S(
        "STO",
        r"77\d{12,15}",
        DIGITS,
        "77 + 12-15 digits",
        ("cv", "cg"),
        ("773277027280336", "77316523125896"),
    ),
    _S(
        "STO",
        r"(?:268|368|468|568|668|768|868|968|588|688|888)\d{9}",
        DIGITS_ONE_SOURCE,
        "12 digits from 268, 368, ... 968, 588, 688 or 888",
        ("cg",),
    ),
    # courier-validation gives STO 43 too; Yunda's numbers start 43 in every other source.
    _S("STO", r"43\d{12,15}", LENGTH, "43 + 12-15 digits", ("cv",)),
    _S(
        "YUNDA",
        r"[34]\d{14}",
        DIGITS,
        "15 digits from 3 or 4",
        ("cv", "cg"),
        ("463431409940372", "462598779470531"),
    ),
    _S("YUNDA", r"5\d{12}", DIGITS_ONE_SOURCE, "13 digits from 5", ("cv",)),
    _S("YUNDA", r"\d{13}", LENGTH, "13 digits", ("cg", "kdniao"), ("3967950525457",)),
    _S(
        "EMS",
        r"E[A-Z]\d{9}CN",
        S10,
        "S10, EMS service (E), China",
        ("s10",),
        ("EA473124829CN",),
        s10_valid,
    ),
    _S(
        "EMS",
        r"E[A-Z]\d{9}[A-Z]{2}",
        S10_ABROAD,
        "S10, EMS service (E), abroad",
        ("s10",),
        (),
        _abroad,
    ),
    _S("EMS", r"1\d{12}", DIGITS, "13 digits from 1", ("cv", "cg"), ("1207119765021",)),
    _S(
        "EMS", r"(?:9\d|5[0-2])\d{11}", DIGITS_ONE_SOURCE, "13 digits from 9 or 50-52", ("cv", "cg")
    ),
    _S("EMS", r"P[A-Z]\d{11}", DIGITS_ONE_SOURCE, "P + a letter + 11 digits", ("cv",)),
    _S(
        "CHINAPOST",
        r"[CLRV][A-Z]\d{9}CN",
        S10,
        "S10, parcel, letter or registered service, China",
        ("s10",),
        ("RR473124829CN", "CP473124829CN"),
        s10_valid,
    ),
    _S(
        "CHINAPOST",
        r"[CLRV][A-Z]\d{9}[A-Z]{2}",
        S10_ABROAD,
        "S10, parcel, letter or registered service, abroad",
        ("s10",),
        (),
        _abroad,
    ),
    _S("CHINAPOST", r"9[689]\d{11}", DIGITS_ONE_SOURCE, "13 digits from 96, 98 or 99", ("cg",)),
    _S(
        "CHINAPOST",
        r"\d{13}",
        LENGTH,
        "13 digits",
        ("cg",),
        ("1240921381750", "4309597495550"),
    ),
    _S(
        "JD",
        r"JD[0-9A-Z]{2}\d{11}",
        LETTERED,
        "JD + 2 letters or digits + 11 digits",
        ("cv", "cg"),
        ("JDX024407261700", "JDVA11408814483"),
    ),
    _S("JD", r"JD[0-9A-Z-]+", PREFIX, "JD + letters or digits", ("cv",)),
    _S(
        "DEPPON",
        r"DPK\d{12}",
        LETTERED,
        "DPK + 12 digits",
        ("cv", "cg"),
        ("DPK202252612836", "DPK364112047425"),
    ),
    _S("DEPPON", r"\d{8,10}", LENGTH, "8-10 digits (Deppon's older numbers)", ("cg",)),
    _S("DEPPON", r"DPK[0-9A-Z-]+", PREFIX, "DPK + letters or digits", ("cv",)),
    _S(
        "JT",
        r"JT\d{12,13}",
        LETTERED,
        "JT + 12 or 13 digits",
        ("cv", "cg"),
        ("JT5261988016578", "JT0006968326954"),
    ),
    _S("JT", r"JT[0-9A-Z-]+", PREFIX, "JT + letters or digits", ("cv",)),
)

_ORDER = {carrier_id: i for i, carrier_id in enumerate(CARRIERS)}


@dataclass(frozen=True, slots=True)
class CarrierGuess:
    """A carrier a waybill number may be from, how likely, and the shape that says so."""

    carrier_id: str
    confidence: float
    shape: WaybillShape


def detect_carriers(waybill_no: str) -> list[CarrierGuess]:
    """The carriers whose numbers `waybill_no` looks like, most likely first; [] if none."""
    number = normalize_waybill(waybill_no)
    best: dict[str, WaybillShape] = {}
    for shape in SHAPES:
        held = best.get(shape.carrier_id)
        if (held is None or shape.weight > held.weight) and shape.fits(number):
            best[shape.carrier_id] = shape
    scale = max(1.0, sum(shape.weight for shape in best.values()))
    guesses = [CarrierGuess(c, round(s.weight / scale, 3), s) for c, s in best.items()]
    guesses.sort(key=lambda g: (-g.confidence, _ORDER[g.carrier_id]))
    return guesses


def likely_carrier(waybill_no: str) -> CarrierGuess | None:
    """The carrier `waybill_no` is likely enough from to act on (DETECTION_THRESHOLD), or
    None when no carrier, or more than one, fits it well enough."""
    guesses = detect_carriers(waybill_no)
    return guesses[0] if guesses and guesses[0].confidence >= DETECTION_THRESHOLD else None
