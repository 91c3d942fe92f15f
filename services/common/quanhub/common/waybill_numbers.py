"""Waybill numbers in the carriers' documented shapes, drawn from `waybills.SHAPES` itself.

Simulated traffic should carry numbers a carrier could have printed, so detection can be
measured on them; reading the shapes' own patterns (not a second description of them)
keeps the simulator and detection from drifting apart. A carrier's numbers are drawn from
its *attested* shapes, the ones whose sources give a sample number (`WaybillShape.examples`),
taking them in turn: the sources say what a carrier prints, never in what proportions.

The patterns use a small dialect this module reads: literal letters and digits, `\\d`,
classes (`[3-68]`, `[0-9A-Z]`), `{n}` and `{m,n}` after one character, and non-capturing
groups of alternatives (`(?:268|368)`). A shape with a check (the UPU S10 check digit) has
that digit as its last free character; it is computed, never drawn.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from functools import cache

from quanhub.common.waybills import SHAPES, WaybillShape

__all__ = ["attested_shapes", "draw_waybill", "spellings"]

_PHI = (math.sqrt(5) - 1) / 2
#: Added to a serial before it is spread: round serials (a run tag times 10**8) would
#: otherwise come out ending in zeros.
_OFFSET = 0x5DEECE66D
_TOKEN = re.compile(r"\\d|\[[^\]]+\]|\(\?:[^)]*\)|\{(\d+)(?:,(\d+))?\}|[0-9A-Z]")
_CLASS_RANGE = re.compile(r"(.)-(.)|(.)")
_ALPHABET = string.digits + string.ascii_uppercase

#: One spelling of a pattern: the characters each position may take.
Spelling = tuple[str, ...]


def _class(body: str) -> str:
    chars: list[str] = []
    for low, high, single in _CLASS_RANGE.findall(body):
        chars += _ALPHABET[_ALPHABET.index(low) : _ALPHABET.index(high) + 1] if low else single
    return "".join(dict.fromkeys(chars))


def _parse(pattern: str) -> list[Spelling]:
    """Every fixed-length spelling of `pattern` (alternatives and repeat counts expanded)."""
    parts: list[list[Spelling]] = []
    position = 0
    for token in _TOKEN.finditer(pattern):
        if token.start() != position:
            msg = f"{pattern!r}: cannot read {pattern[position : token.start()]!r}"
            raise ValueError(msg)
        position = token.end()
        text = token.group()
        if text.startswith("{"):
            (single,) = parts.pop()  # a repeat applies to the one character before it
            low = int(token.group(1))
            high = int(token.group(2) or low)
            parts.append([single * count for count in range(low, high + 1)])
        elif text.startswith("(?:"):
            parts.append([s for alternative in text[3:-1].split("|") for s in _parse(alternative)])
        elif text == "\\d":
            parts.append([(string.digits,)])
        elif text.startswith("["):
            parts.append([(_class(text[1:-1]),)])
        else:
            parts.append([(text,)])
    if position != len(pattern):
        msg = f"{pattern!r}: cannot read {pattern[position:]!r}"
        raise ValueError(msg)
    return [tuple(c for s in combo for c in s) for combo in itertools.product(*parts)]


@cache
def spellings(pattern: str) -> tuple[Spelling, ...]:
    """The fixed-length spellings of a shape's pattern, shortest and first-listed first."""
    return tuple(_parse(pattern))


@cache
def attested_shapes(carrier_id: str) -> tuple[WaybillShape, ...]:
    """The carrier's shapes its sources give a sample number of, in SHAPES order."""
    return tuple(s for s in SHAPES if s.carrier_id == carrier_id and s.examples)


def _free(spelling: Spelling, checked: bool) -> list[int]:
    """Positions a drawn number fills (a check digit, the last of them, is computed)."""
    free = [i for i, chars in enumerate(spelling) if len(chars) > 1]
    return free[:-1] if checked else free


@cache
def _stride(size: int) -> int:
    """A multiplier coprime to `size` near its golden section: consecutive serials land
    far apart, so a run's numbers differ in their first digits as well as their last."""
    stride = max(1, round(size * _PHI))
    while math.gcd(stride, size) != 1:
        stride += 1
    return stride


def draw_waybill(carrier_id: str, serial: int) -> str:
    """A number in one of the carrier's attested shapes; distinct serials give distinct
    numbers as long as they are fewer apart than the smallest shape's count of numbers
    (10**8 serials for every carrier today)."""
    shapes = attested_shapes(carrier_id)
    if not shapes:
        msg = f"no attested waybill shape for {carrier_id!r}"
        raise ValueError(msg)
    shape = shapes[serial % len(shapes)]
    rest = serial // len(shapes)
    choices = spellings(shape.pattern)
    spelling = choices[rest % len(choices)]
    rest //= len(choices)
    free = _free(spelling, shape.check is not None)
    size = math.prod(len(spelling[i]) for i in free)
    value = (rest + _OFFSET) * _stride(size) % size
    chars = [chars[0] for chars in spelling]
    for i in reversed(free):
        value, digit = divmod(value, len(spelling[i]))
        chars[i] = spelling[i][digit]
    if shape.check is None:
        return "".join(chars)
    last = [i for i, c in enumerate(spelling) if len(c) > 1][-1]
    for candidate in spelling[last]:
        chars[last] = candidate
        if shape.fits("".join(chars)):
            return "".join(chars)
    msg = f"{shape.describes}: no check character completes {''.join(chars)!r}"
    raise ValueError(msg)
