# ruff: noqa: RUF002, RUF003 - full-width digits and kin are what this module reads
"""Phone and ID numbers quoted in free text, masked however they are spelled.

Free text (scan descriptions, locations, receipt notes, goods names) sometimes quotes a
phone or ID number, and people write numbers many ways: `138 1234 5678`, `138-1234-5678`,
`+86 138…`, fullwidth `１３８…`, `370102 19900101 1234`, `ID370102199001011234X`, split
across lines or with invisible characters between the digits. Recognising each spelling of
each kind of number always leaves one out, so the rule is about digits, not formats:

- a *digit* is any Unicode digit or character whose compatibility form (NFKC) holds a
  decimal digit (ASCII, fullwidth, Arabic-Indic and every other script's digits, ², ①, ❶,
  ⑽, …) or a Chinese numeral (〇一二…九, 幺, 壹贰…);
- a *group* is a run of digits joined by anything that is not a letter: spaces of every
  kind, line breaks, punctuation, dashes, symbols, zero-width and other format characters.
  A letter (Latin, CJK, …) ends a group, so `tel:`, `电话`, `ID` glued to a number do not
  hide it;
- a group of 7 or more digits is masked in place, whatever it looks like: 11 or more keep
  their first 3 and last 4 digits (`138 **** 5678`, `370***********1234`), 7 to 10 keep
  their last 2. What cannot be told from personal data (a waybill, an amount) is masked too.
  A mask's `*` counts as a digit, so `138*1234*5678` is one group and scrubbing a scrubbed
  text changes nothing (the gateway and the normalizer both scrub).

Only dates and times written the usual way are left alone, because scan texts are full of
them: `2026-12-04`, `2026/12/04 10:30`, `2026.12.04 10:30:15`, `09:00-18:00`, and a range
of two of them. Each has an even number of digits (8, 12, 14, or a sum of 4, 6, 8, 12, 14),
so no mobile (11), mobile with `86` (13), 15-digit ID or `0086`-prefixed number can be
written as one, and a year must be 19xx or 20xx, which no province code of an 18-digit ID
and no area code (0…) is.

The gateway's native path (services/gateway/native/src/pii.rs) applies the same rule to the
characters it accepts (ASCII, CJK ideographs, a little CJK punctuation) and leaves any other
text to Python; the differential tests hold the two equal.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["CHINESE_DIGITS", "MASK_FROM", "NFKC_DIGIT_RANGES", "scrub_text"]

#: Digits in a group from which it is masked.
MASK_FROM = 7
#: From this many digits a group keeps its first 3 and last 4; below, only its last 2.
_LONG = 11
_KEEP_LONG, _KEEP_SHORT = (3, 4), (0, 2)

#: Chinese numerals, which people write phone numbers with too (幺 is how 1 is read).
CHINESE_DIGITS = "〇零一二三四五六七八九幺壹贰貳叁參肆伍陆陸柒捌玖"
#: Characters that are not Unicode decimal digits but are digits all the same: Unicode
#: digits (❶, ➀, ⓵, ፩) and those whose NFKC form holds one or more (², ½, ①, ⑩, ⑽, ⒈, ㉑,
#: ㋀ "1月", ㍘ "0点", ㎡, 🄁 "0,"), as ranges for a regex class. A unit test derives the set
#: from unicodedata, so a new Unicode version cannot slip past.
NFKC_DIGIT_RANGES = (
    "\u00b2-\u00b3\u00b9\u00bc-\u00be\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089"
    "\u2150-\u215f\u2189\u2460-\u249b\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788"
    "\u278a-\u2792\u3251-\u325f\u32b1-\u32cb\u3358-\u3370\u3378-\u3379\u339f-\u33a6"
    "\u33a8\u33af\u33e0-\u33fe\U00010a40-\U00010a43\U00010e60-\U00010e68"
    "\U00011052-\U0001105a\U0001f100-\U0001f10a"
)
#: Letters that print as nothing (Hangul fillers): between digits they join, not separate.
_BLANK_LETTERS = "\u115f\u1160\u3164\uffa0"

_DIGIT = rf"[\d{NFKC_DIGIT_RANGES}{CHINESE_DIGITS}*]"
# \W is neither a letter nor a digit; `_` and the blank letters are \w but join too. Some
# digits (㋀, *) are \W as well: a group still runs from a digit to the last digit before
# a letter, and one class is faster than an alternation.
_JOIN = rf"[\W_{_BLANK_LETTERS}]"
_GROUP = re.compile(rf"{_DIGIT}(?:{_JOIN}*{_DIGIT})*")

_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"


def _when(n: int) -> str:
    """A date (its two separators alike), a date and a time, or a time."""
    return (
        rf"(?:(?:19|20)[0-9]{{2}}(?P<s{n}>[-/.])(?:0[1-9]|1[0-2])(?P=s{n})"
        rf"(?:0[1-9]|[12][0-9]|3[01])(?: {_TIME})?|{_TIME})"
    )


#: A date or time, or a range of two; ASCII digits only.
_DATE_OR_TIME = re.compile(rf"{_when(1)}(?: ?[-~] ?{_when(2)})?")


@functools.lru_cache(maxsize=1024)
def _digit_count(char: str) -> int:
    """How many digits a character of a group stands for (0 for a joining character)."""
    if char.isdecimal() or char in CHINESE_DIGITS or char == "*":
        return 1
    in_nfkc = sum(c.isdecimal() for c in unicodedata.normalize("NFKC", char))
    return in_nfkc or int(char.isdigit())


_ASCII_DIGITS = frozenset("0123456789*")
#: A group with fewer characters than this cannot reach MASK_FROM digits (⅒ is "1⁄10").
_SHORTEST = -(-MASK_FROM // 3)


def _masked(group: str) -> str | None:
    """The group with its digits masked, or None when it is to be left as it is."""
    if _DATE_OR_TIME.fullmatch(group):
        return None
    if group.isascii():  # the common case, counted without NFKC
        digits = [(i, 1) for i, c in enumerate(group) if c in _ASCII_DIGITS]
    else:
        digits = [(i, n) for i, c in enumerate(group) if (n := _digit_count(c))]
    total = sum(n for _, n in digits)
    if total < MASK_FROM:
        return None
    head, tail = _KEEP_LONG if total >= _LONG else _KEEP_SHORT
    kept = _ends(digits, head) | _ends(digits[::-1], tail)
    chars = list(group)
    for i, n in digits:
        if i not in kept:
            chars[i] = "*" * n  # one per digit: a scrubbed text scrubs to itself
    return "".join(chars)


def _ends(digits: list[tuple[int, int]], keep: int) -> set[int]:
    """The positions of the leading characters of `digits` that hold at most `keep` digits."""
    positions: set[int] = set()
    for i, n in digits:
        keep -= n
        if keep < 0:
            break
        positions.add(i)
    return positions


#: Texts known to scrub to themselves. Free text repeats (a site's scan descriptions, its
#: location), so most texts are answered from here; only texts passed on unchanged anyway
#: are kept (never one that held a number to mask), short ones only, and the set is
#: emptied when full, which bounds it to about 2 MiB.
_CLEAN: set[str] = set()
_CLEAN_MAX = 8192
_CLEAN_LONGEST = 64


def scrub_text(value: str) -> str:
    """Mask every group of 7 or more digits in free text but dates and times (see the module
    docstring); `value` itself when nothing is masked."""
    if value in _CLEAN:
        return value
    scrubbed = _scrub(value)
    if scrubbed is value and len(value) <= _CLEAN_LONGEST:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN.add(value)
    return scrubbed


def _scrub(value: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _GROUP.finditer(value):
        if match.end() - match.start() < _SHORTEST:
            continue
        masked = _masked(match.group())
        if masked is not None:
            parts += (value[last : match.start()], masked)
            last = match.end()
    if not parts:
        return value
    parts.append(value[last:])
    return "".join(parts)
