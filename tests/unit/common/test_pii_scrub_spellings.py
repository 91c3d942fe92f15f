# ruff: noqa: RUF001 - full-width digits and punctuation are the data under test
"""Free-text scrubbing against the ways people spell phone and ID numbers.

A generator writes mobiles (with and without +86, 0086, 86), landlines and 15- and
18-digit ID numbers in every digit script and with every kind of separator, inside Chinese
and English text; after scrubbing, no more of the number than the mask keeps survives.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.common import freetext, pii
from quanhub.ingest.v1 import ingest_pb2

SECRET = b"unit-test-secret"
#: The longest run of a quoted number's digits a masked text may still show (the last 4).
KEPT_RUN = 4

_CHINESE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CHINESE |= {"零": "0", "幺": "1", "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3"}
_CHINESE |= {"肆": "4", "伍": "5", "陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9"}


def _digits_and_stars(text: str) -> str:
    """The digits of `text` as ASCII, and its `*`s; everything else dropped."""
    out = []
    for char in text:
        if char == "*":
            out.append("*")
        elif char in _CHINESE:
            out.append(_CHINESE[char])
        elif char.isdigit() and not char.isdecimal():
            out.append(str(unicodedata.digit(char)))  # ², ①, ❶
        else:
            nfkc = unicodedata.normalize("NFKC", char)
            out += [str(unicodedata.decimal(c)) for c in nfkc if c.isdecimal()]
    return "".join(out)


def _longest_shown_run(number: str, scrubbed: str) -> int:
    """The longest run of `number`'s digits that the scrubbed text shows uninterrupted by a
    mask, separators and scripts ignored."""
    longest = 0
    for piece in _digits_and_stars(scrubbed).split("*"):
        for start in range(len(piece)):
            for end in range(start + longest + 1, len(piece) + 1):
                if piece[start:end] in number:
                    longest = end - start
    return longest


# --- the spellings of the defect, each of which passed in clear before -------------------

LISTED = [
    ("电话 138 1234 5678 请联系", "13812345678"),
    ("电话138-1234-5678", "13812345678"),
    ("收件人电话１３８１２３４５６７８", "13812345678"),
    ("tel:8613812345678", "8613812345678"),
    ("身份证 370102 19900101 1234", "370102199001011234"),
    ("旧身份证370102900101123已核验", "370102900101123"),
    ("ID370102199001011234X", "370102199001011234"),
]


@pytest.mark.parametrize(("text", "number"), LISTED)
def test_the_listed_spellings_are_masked(text: str, number: str) -> None:
    scrubbed = pii.scrub_text(text)
    assert _longest_shown_run(number, scrubbed) <= KEPT_RUN, scrubbed


UNLISTED = [
    ("+86 138.1234.5678", "13812345678"),
    ("0086-138/1234/5678", "13812345678"),
    ("(+86) 138_1234_5678", "13812345678"),
    ("手机\u00a0138\u00a01234\u00a05678", "13812345678"),
    ("手机\u3000138\u30001234\u30005678", "13812345678"),
    ("138\uff0d1234\uff0d5678", "13812345678"),
    ("138\u20131234\u20145678", "13812345678"),
    ("1\u200b3\u200c8\u200d1\u20602\ufeff3\u00ad45678", "13812345678"),
    ("138\t1234\r\n5678", "13812345678"),
    ("电话\n138\n1234\n5678", "13812345678"),
    ("\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "13812345678"),
    ("①③⑧①②③④⑤⑥⑦⑧", "13812345678"),
    ("❶❸❽❶❷❸❹❺❻❼❽", "13812345678"),
    ("电话一三八一二三四五六七八", "13812345678"),
    ("电话幺三八 幺二三四 五六七八", "13812345678"),
    ("座机 0531-8888 1234", "053188881234"),
    ("座机(0531)88881234转8", "053188881234"),
    ("身份证号37010219900101123Ｘ", "37010219900101123"),
    ("证件 370102 1990 0101 123x", "37010219900101123"),
    ("370102\u3164199001011234", "370102199001011234"),
]


@pytest.mark.parametrize(("text", "number"), UNLISTED)
def test_other_spellings_are_masked(text: str, number: str) -> None:
    scrubbed = pii.scrub_text(text)
    assert _longest_shown_run(number, scrubbed) <= KEPT_RUN, scrubbed


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话 138 1234 5678 请联系", "电话 138 **** 5678 请联系"),
        ("ID370102199001011234X", "ID370***********1234X"),
        ("座机 8888 1234", "座机 **** **34"),
        ("运单 SF1234567890123", "运单 SF123******0123"),
        ("138*1234*5678", "138******5678"),
        ("⑩⑪⑫⑬⑭⑮", "⑩******⑭⑮"),
    ],
)
def test_the_mask_keeps_separators_and_at_most_3_and_4_digits(text: str, masked: str) -> None:
    assert pii.scrub_text(text) == masked


LEGITIMATE = [
    "2026-12-04 10:30 快件已到达【济南转运中心】",
    "2026/12/04 10:30:15 已签收",
    "2026.12.04 派送中",
    "营业时间 09:00-18:00",
    "有效期 2026-12-01 ~ 2026-12-31",
    "12栋3单元301室 共3件",
    "济南市历下区 250000 快件已揽收",
    "Building 12, 3 boxes, 1.5 kg, 20 x 30 x 40 cm",
    "【济南市】快件已到达 济南转运中心，下一站 北京",
    "",
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_dates_times_and_short_numbers_are_left_alone(text: str) -> None:
    assert pii.scrub_text(text) is text


# --- the generator -----------------------------------------------------------------------

_SEPARATORS = [
    " ",
    "  ",
    " \t ",
    "-",
    "--",
    ".",
    "/",
    "_",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\u2007",
    "\u202f",
    "\uff0d",
    "\u2010",
    "\u2013",
    "\u2014",
    "\u2212",
    "\u00b7",
    "、",
    "，",
    "~",
    "(",
    ")",
    " - ",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u034f",
    "\ufe0f",
    "\u3164",
    "#",
    "+",
]
#: Digit scripts: ASCII, fullwidth, Arabic-Indic, extended Arabic-Indic, Devanagari,
#: Bengali, Thai, mathematical bold, mathematical monospace.
_ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1D7CE, 0x1D7F6]
_CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_DINGBAT = "⓿❶❷❸❹❺❻❼❽❾"


@st.composite
def _digit(draw: st.DrawFn, d: str) -> str:
    form = draw(st.integers(0, len(_ZEROS) + 2))
    if form < len(_ZEROS):
        return chr(_ZEROS[form] + int(d))
    if form == len(_ZEROS):
        return draw(st.sampled_from([_CIRCLED[int(d)], _SUPERSCRIPT[int(d)], _DINGBAT[int(d)]]))
    return "〇一二三四五六七八九"[int(d)]


_MOBILE = st.builds(
    lambda p, rest: f"1{p}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
_LANDLINE = st.builds(
    lambda area, local: f"0{area}{local}",
    st.text(alphabet="0123456789", min_size=2, max_size=3),
    st.text(alphabet="0123456789", min_size=7, max_size=8),
)
_ID_18 = st.builds(
    lambda body, check: body + check,
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789Xx"),
)
_ID_15 = st.text(alphabet="0123456789", min_size=15, max_size=15)
_NUMBER = st.one_of(
    _MOBILE,
    st.builds(
        lambda cc, m: cc + m, st.sampled_from(["+86", "0086", "86", "+86 ", "(+86)"]), _MOBILE
    ),
    _LANDLINE,
    _ID_18,
    _ID_15,
)
_CONTEXT = st.sampled_from(
    [
        "",
        "电话",
        "电话：",
        "tel:",
        "TEL ",
        "ID",
        "身份证",
        "身份证号码 ",
        "请联系",
        "Call me at ",
        "【济南转运中心】快件已到达，收件人",
        "已签收\n",
        "Mr. Wang ",
        "x",
        "号",
        "。",
        " ",
    ]
)


@st.composite
def _spelling(draw: st.DrawFn) -> tuple[str, str]:
    """(a text quoting a number, the number's digits)."""
    number = draw(_NUMBER)
    mixed_scripts = draw(st.booleans())
    one_script = draw(_digit("0"))
    parts = []
    for char in number:
        if char.isdigit():
            parts.append(draw(_digit(char)) if mixed_scripts else _same_script(one_script, char))
        else:
            parts.append(char)  # +, (, ), space, X
        if draw(st.integers(0, 3)) == 0:
            parts.append(draw(st.sampled_from(_SEPARATORS)))
    text = draw(_CONTEXT) + "".join(parts) + draw(_CONTEXT)
    return text, "".join(c for c in number if c.isdigit())


def _same_script(zero: str, digit: str) -> str:
    """`digit` in the script of `zero` (one of the generator's digit forms)."""
    if zero in _CIRCLED:
        return _CIRCLED[int(digit)]
    if zero in _SUPERSCRIPT:
        return _SUPERSCRIPT[int(digit)]
    if zero in _DINGBAT:
        return _DINGBAT[int(digit)]
    if zero == "〇":
        return "〇一二三四五六七八九"[int(digit)]
    return chr(ord(zero) + int(digit))


@settings(max_examples=2000, deadline=None)
@given(_spelling())
def test_no_spelling_shows_more_than_the_mask_keeps(spelling: tuple[str, str]) -> None:
    text, number = spelling
    scrubbed = pii.scrub_text(text)
    assert _longest_shown_run(number, scrubbed) <= KEPT_RUN, (text, scrubbed)
    assert _letters_and_separators(scrubbed) == _letters_and_separators(text)


def _letters_and_separators(text: str) -> str:
    return "".join(c for c in text if c != "*" and not _digits_and_stars(c))


@given(st.text(max_size=60))
def test_any_text_only_loses_digits_and_scrubs_to_itself(text: str) -> None:
    scrubbed = pii.scrub_text(text)
    assert _letters_and_separators(scrubbed) == _letters_and_separators(text)
    assert pii.scrub_text(scrubbed) == scrubbed, "scrubbing twice changes nothing more"


def test_the_nfkc_digit_table_is_unicodedata_s() -> None:
    """Every Unicode digit, and every character whose NFKC form holds a decimal digit, that
    is not a decimal digit itself is in freetext's table; the table holds no other, and none
    stands for more than 3 digits."""
    derived = []
    for code in range(0x110000):
        char = chr(code)
        if char.isdecimal():
            continue
        nfkc = unicodedata.normalize("NFKC", char)
        if char.isdigit() or any(c.isdecimal() for c in nfkc):
            derived.append(char)
    table = "".join(
        "".join(map(chr, range(ord(a), ord(b) + 1))) for a, b in _ranges(freetext.NFKC_DIGIT_RANGES)
    )
    assert table == "".join(derived)
    assert max(sum(c.isdecimal() for c in unicodedata.normalize("NFKC", x)) for x in table) <= 3


def _ranges(spec: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((spec[i], spec[i + 2]))
            i += 3
        else:
            out.append((spec[i], spec[i]))
            i += 1
    return out


def test_every_free_text_field_of_an_event_is_scrubbed() -> None:
    quoted = "联系 138 1234 5678"
    line = ingest_pb2.GoodsLine(gnum=1, item_name=quoted)
    events = [
        ingest_pb2.Event(order=ingest_pb2.OrderEvent(description=quoted, lines=[line])),
        ingest_pb2.Event(parcel=ingest_pb2.ParcelEvent(description=quoted, location=quoted)),
        ingest_pb2.Event(customs=ingest_pb2.CustomsEvent(return_info=quoted, lines=[line])),
    ]
    for event in events:
        pii.protect_in_place(event, SECRET)
        assert b"1234" not in event.SerializeToString(), event
