"""Names quoted in free text (scan descriptions, receipt notes) masked before they travel on.

The gateway already masks phone and ID numbers in free text (quanhub.common.pii); carriers'
scan texts also name people after a role word ("签收人: 张三", "快递员李四"). Those names are
masked here the way the gateway masks a name field (`张*`), so raw_text stays readable but
never carries a person's full name into the canonical topic, the ledger or its API.
"""

from __future__ import annotations

import re

from quanhub.common.pii import mask_name

__all__ = ["mask_names_in_text"]

_ROLES = (
    "签收人|收件人|收货人|代收人|取件人|寄件人|快递员|派件员|派送员|配送员|收派员|业务员|"
    "联系人|订购人|支付人|投递员"
)
_STOP = "正在|已经|已|在|为|的|于|派|签|送|取|电话"
# A name: the shortest run of 1-4 CJK characters that ends before a stop word or non-CJK;
# failing that (a longer run of text), its first three characters.
_NAME = re.compile(
    rf"({_ROLES})(\s*(?:[:\uff1a]|是|为)?\s*)"
    rf"(?:([\u4e00-\u9fff·]{{1,4}}?)(?={_STOP}|[^\u4e00-\u9fff·]|$)|([\u4e00-\u9fff·]{{2,3}}))"
)
#: Words after a role word that are not a person's name.
_NOT_NAMES = (
    "本人", "他人", "家人", "同事", "门卫", "保安", "前台", "物业", "邻居", "朋友", "单位", "公司",
    "收发室", "快递柜", "驿站", "代收点", "已", "在", "于", "为", "是", "电话", "正在",
)  # fmt: skip


def _mask(match: re.Match[str]) -> str:
    role, sep, short, long = match.groups()
    name = short or long
    if match.string.startswith(_NOT_NAMES, match.end(2)):
        return match.group(0)
    return f"{role}{sep}{mask_name(name)}"


def mask_names_in_text(text: str) -> str:
    """`"签收人: 张三"` → `"签收人: 张*"` (full-width colon too); "签收人: 本人" stays."""
    return _NAME.sub(_mask, text) if text else text
