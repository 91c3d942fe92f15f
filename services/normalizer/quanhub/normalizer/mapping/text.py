"""Personal data quoted in free text (scan descriptions, locations, receipt notes, goods
names) masked before it travels on.

Phone and ID numbers, however spelled, are masked by quanhub.common.freetext. The gateway
already did so for its events and for partner topics' (`protect_event`); the mapping does
it again, so that every path into the canonical topic, a raw-topic record written before a
scrubbing rule changed included, passes one scrubber (scrubbing a scrubbed text changes
nothing). Carriers' scan texts also name people after a role word ("签收人: 张三", "快递员李四").
Those names are masked here the way the gateway masks a name field (`张*`), so raw_text
stays readable but never carries a person's full name into the canonical topic, the ledger
or its API.
"""

from __future__ import annotations

import re

from quanhub.common.freetext import scrub_text
from quanhub.common.pii import mask_name

__all__ = ["WITHHELD", "as_code", "mask_names_in_text"]

#: What a code reads as: every code of every vocabulary the hub knows has this form.
_CODE = re.compile(r"[A-Za-z0-9_.:+-]{1,32}")
#: What replaces partner text that does not read as a code (it may quote a person).
WITHHELD = "(withheld)"


def as_code(value: str) -> str:
    """`value` as given when it reads as a code and quotes no phone or ID number (scrubbing
    leaves it as it is), else WITHHELD. For partner text the hub could not interpret (an
    unknown status code, a value that broke a rule), kept for operators only in that form."""
    if value and (_CODE.fullmatch(value) is None or scrub_text(value) != value):
        return WITHHELD
    return value


_ROLES = (
    "签收人|收件人|收货人|代收人|取件人|寄件人|快递员|派件员|派送员|配送员|收派员|业务员|"
    "联系人|订购人|支付人|投递员"
)
_STOP = "正在|已经|已|在|为|的|于|派|签|送|取|收到|电话"
_CJK = "[\u4e00-\u9fff·]"
_BOUNDARY = rf"(?={_STOP}|[^\u4e00-\u9fff·]|$)"
# After an explicit separator ("签收人: ", "收件人是") the name is the shortest 1-4 character
# run that ends at a boundary, or else its first three characters. Without one ("快递员李四
# 正在派件") only a run that ends at a boundary counts, so field words that follow a role word
# ("收货人地址信息不完整") are left alone.
_NAME = re.compile(
    rf"(?P<role>{_ROLES})"
    rf"(?:(?P<sep>\s*(?:[:\uff1a]|是|为)\s*)(?:(?P<a>{_CJK}{{1,4}}?){_BOUNDARY}|(?P<b>{_CJK}{{2,3}}))"
    rf"|(?P<gap>\s*)(?P<c>{_CJK}{{1,4}}?){_BOUNDARY})"
)
#: Words after a role word that are not a person's name.
_NOT_NAMES = (
    "本人",
    "他人",
    "家人",
    "同事",
    "门卫",
    "保安",
    "前台",
    "物业",
    "邻居",
    "朋友",
    "单位",
    "公司",
    "收发室",
    "快递柜",
    "驿站",
    "代收点",
    "已",
    "在",
    "于",
    "为",
    "是",
    "电话",
    "正在",
    "地址",
    "姓名",
    "身份",
    "证件",
    "信息",
    "手机",
    "联系",
    "资料",
    "名称",
    "填写",
    "所在",
    "不",
    "未",
    "无",
    "拒",
    "与",
    "和",
    "及",
    "的",
    "对",
    "需",
    "请",
    "要",
    "应",
    "须",
)


def _mask(match: re.Match[str]) -> str:
    name = match["a"] or match["b"] or match["c"]
    start = match.start("a") if match["a"] else match.start("b") if match["b"] else match.start("c")
    if match.string.startswith(_NOT_NAMES, start):
        return match.group(0)
    separator = match["sep"] if match["sep"] is not None else match["gap"]
    return f"{match['role']}{separator}{mask_name(name)}"


def mask_names_in_text(text: str) -> str:
    """`"签收人: 张三"` → `"签收人: 张*"` (full-width colon too); "签收人: 本人" stays."""
    return _NAME.sub(_mask, text) if text else text
