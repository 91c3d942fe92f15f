# ruff: noqa: RUF001 - full-width Chinese punctuation is the data under test
"""Names quoted in free text are masked; words that are not names are left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanhub.normalizer.mapping.text import mask_names_in_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已签收，签收人：张三", "已签收，签收人：张*"),
        ("签收人: 李四", "签收人: 李*"),
        ("快递员李四正在派件，电话138****5678", "快递员李*正在派件，电话138****5678"),
        ("快件已被 代收人: 王小明 签收", "快件已被 代收人: 王** 签收"),
        ("收件人是欧阳娜娜", "收件人是欧***"),
        ("签收人张三丰收到了快件", "签收人张**收到了快件"),
        ("签收人：本人", "签收人：本人"),
        ("签收人:门卫", "签收人:门卫"),
        ("派件员：正在派件", "派件员：正在派件"),
        ("您的快件已由驿站代收", "您的快件已由驿站代收"),
        # Field words after a role word are not names (customs receipts say these).
        ("收货人地址信息不完整", "收货人地址信息不完整"),
        ("订购人身份证件号码与姓名不一致", "订购人身份证件号码与姓名不一致"),
        ("收件人电话错误", "收件人电话错误"),
        ("收货人：地址不详", "收货人：地址不详"),
        ("支付人与订购人不一致", "支付人与订购人不一致"),
        ("", ""),
    ],
)
def test_names_after_role_words_are_masked(text: str, expected: str) -> None:
    assert mask_names_in_text(text) == expected


names = st.text(alphabet="王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗明华丽娜", min_size=2, max_size=3)
roles = st.sampled_from(["签收人：", "签收人", "收件人: ", "快递员", "代收人：", "派件员 "])
tails = st.sampled_from(["", "，感谢使用", " 已签收", "正在派件", "。", "签收"])


@given(roles, names, tails)
def test_a_quoted_name_never_survives(role: str, name: str, tail: str) -> None:
    assert name not in mask_names_in_text(f"【济南市】{role}{name}{tail}")
