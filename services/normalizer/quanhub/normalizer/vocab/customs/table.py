"""China Customs CBEC receipt `returnStatus` codes.

Source: customs enterprise message specification (海关跨境电商统一版系统企业对接报文规范,
2018 trial version under 海关总署公告2018年第113号, revised 202205), receipt status table, as
summarised in ../shared/reference/customs.md "Receipt status"; modelled per issue 3.
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb

SOURCE = "CBEC enterprise message spec 2018/202205, returnStatus (reference/customs.md)"

D = cpb.DeclarationStatus
K = cpb.Detention

RETURN_STATUS: dict[str, cpb.DeclarationStatus.ValueType] = {
    "1": D.DECLARATION_STATUS_STORED,  # 电子口岸已暂存
    "2": D.DECLARATION_STATUS_DECLARING,  # 电子口岸申报中
    "3": D.DECLARATION_STATUS_SENT_TO_CUSTOMS,  # 发送海关成功
    "4": D.DECLARATION_STATUS_SEND_FAILED,  # 发送海关失败
    "100": D.DECLARATION_STATUS_REJECTED,  # 海关退单
    "120": D.DECLARATION_STATUS_ACCEPTED,  # 海关入库
    "300": D.DECLARATION_STATUS_MANUAL_REVIEW,  # 人工审核
    "399": D.DECLARATION_STATUS_CONCLUDED,  # 海关审结
    "500": D.DECLARATION_STATUS_INSPECTION,  # 查验
    "501": D.DECLARATION_STATUS_DETAINED,  # 扣留移送通关
    "502": D.DECLARATION_STATUS_DETAINED,  # 扣留移送缉私
    "503": D.DECLARATION_STATUS_DETAINED,  # 扣留移送法规
    "599": D.DECLARATION_STATUS_DETAINED,  # 其它扣留
    "700": D.DECLARATION_STATUS_RETURNED,  # 退运
    "800": D.DECLARATION_STATUS_RELEASED,  # 放行
    "899": D.DECLARATION_STATUS_CLOSED,  # 结关
}

DETENTION: dict[str, cpb.Detention.ValueType] = {
    "501": K.DETENTION_TO_CLEARANCE,
    "502": K.DETENTION_TO_ANTI_SMUGGLING,
    "503": K.DETENTION_TO_LEGAL,
    "599": K.DETENTION_OTHER,
}

#: The status a concluded (399) cancel or return request gets instead of CONCLUDED.
CONCLUDED = "399"
