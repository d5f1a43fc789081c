"""The layout of the catalogue workbook: its sheets, their columns and the enumeration labels
(docs/modules/catalog-format.md, "Excel workbook"). Reading and writing both follow it.

Sheet names, headers and the enumeration labels are Chinese on purpose: they are the file
format (a clerk's workbook), not interface text, so they do not change with the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- enumerations: code -> label written in the workbook (the codes are accepted too) -----

KINDS = {
    "xk": "行政许可",
    "qr": "行政确认",
    "cj": "行政裁决",
    "gf": "行政给付",
    "jl": "行政奖励",
    "qt": "其他行政权力",
    "gg": "公共服务",
}
LEVELS = {"city": "市级", "district": "区级", "street": "镇街级"}
AUDIENCES = {"person": "个人", "legal_person": "法人"}
OPERATIONS = {"new": "新设", "change": "变更", "renew": "延续", "cancel": "注销"}
UNITS = {"working_day": "工作日", "natural_day": "自然日"}
HANDLING = {"immediate": "即办件", "promised": "承诺件", "joint": "联办件", "report": "上报件"}
TONGBAN = {
    "city": "全市通办",
    "province": "全省通办",
    "cross_province": "跨省通办",
    "cross_border": "跨境通办",
}
RESULT_TYPES = {
    "certificate": "证照",
    "approval": "批准文书",
    "record": "备案或登记",
    "other": "其他",
}
MATERIAL_KINDS = {"original": "原件", "copy": "复印件", "form": "申请表", "certificate": "证照"}
MATERIAL_FORMS = {"paper": "纸质", "electronic": "电子", "both": "纸质和电子"}
SOURCES = {"applicant": "申请人提交", "government": "部门共享获取"}
YES, NO = "是", "否"
TRUE_WORDS = {YES, "true", "TRUE", "True", "1", "Y", "y"}
FALSE_WORDS = {NO, "false", "FALSE", "False", "0", "N", "n"}
LIST_SPLIT = re.compile(r"\r?\n")
ENUM_LIST_SPLIT = re.compile(r"[\r\n、，,;；]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"  # text, code, int, bool, enum, enums, list
    choices: dict[str, str] | None = None
    required: bool = True  # the header row must have it
    omit_empty: bool = False  # an empty cell leaves the element out (else: "", [], None)
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _material_columns() -> tuple[Column, ...]:
    return (
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("name", "材料名称", width=30),
        Column("kind", "材料类型", "enum", MATERIAL_KINDS, width=10),
        Column("form", "材料形式", "enum", MATERIAL_FORMS, width=12),
        Column("required", "是否必需", "bool", width=9),
        Column("condition", "需提交的情形", required=False, width=24),
        Column("source", "来源", "enum", SOURCES, width=14),
        Column("copies", "份数", "int", width=6),
        Column("basis", "依据", required=False, width=24),
        Column("note", "备注", required=False, omit_empty=True, width=24),
        Column("blank_form", "提供空白表格", "bool", required=False, omit_empty=True, width=10),
        Column("sample", "提供示例样表", "bool", required=False, omit_empty=True, width=10),
    )


ITEMS = Sheet(
    "items",
    "事项",
    (
        Column("code", "事项编码", "code", width=15),
        Column("name", "事项名称", width=28),
        Column("kind", "事项类型", "enum", KINDS, width=12),
        Column("department", "主管部门", width=18),
        Column("office", "办理处室", required=False, omit_empty=True, width=16),
        Column("main_item", "所属主项", required=False, omit_empty=True, width=16),
        Column("implementing_levels", "实施层级", "enums", LEVELS, width=10),
        Column("basis", "设定和实施依据", "list", width=30),
        Column("audience", "服务对象", "enums", AUDIENCES, width=10),
        Column("themes", "主题", "list", required=False, width=14),
        Column("operations", "业务办理项", "enums", OPERATIONS, required=False, width=10),
        Column("conditions", "受理条件", "list", width=36),
        Column("legal_limit", "法定办结时限", "int", width=8),
        Column("legal_limit_unit", "法定时限单位", "enum", UNITS, width=8),
        Column("promised_limit", "承诺办结时限", "int", width=8),
        Column("promised_limit_unit", "承诺时限单位", "enum", UNITS, width=8),
        Column("handling_type", "办件类型", "enum", HANDLING, width=9),
        Column("visits", "到办事现场次数", "int", width=8),
        Column("online", "是否网办", "bool", width=8),
        Column("online_depth", "网上办理深度", "int", width=8),
        Column("tongban", "通办范围", "enum", TONGBAN, width=10),
        Column("result_type", "审批结果类型", "enum", RESULT_TYPES, width=10),
        Column("result_name", "审批结果名称", width=18),
        Column("places", "办理地点", "list", required=False, omit_empty=True, width=30),
        Column("hours", "办理时间", required=False, omit_empty=True, width=30),
        Column("phone", "咨询电话", width=13),
        Column("complaint_phone", "监督投诉电话", required=False, omit_empty=True, width=13),
        Column("synonyms", "常用说法", "list", required=False, width=24),
    ),
)
MATERIALS = Sheet(
    "materials", "申请材料", (Column("code", "事项编码", "code", width=15), *_material_columns())
)
STEPS = Sheet(
    "steps",
    "办理流程",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("name", "环节名称", width=14),
        Column("role", "办理岗位", width=18),
        Column("days", "环节时限", "int", width=8),
        Column("unit", "时限单位", "enum", UNITS, required=False, omit_empty=True, width=8),
    ),
)
FEES = Sheet(
    "fees",
    "收费",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("item", "收费项目", width=20),
        Column("standard", "收费标准", width=24),
        Column("basis", "收费依据", width=30),
        Column("waivable", "可否减免", "bool", width=8),
    ),
    required=False,
)
FAQ = Sheet(
    "faq",
    "常见问题",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("q", "问题", width=30),
        Column("a", "解答", width=60),
    ),
)
DEPARTMENTS = Sheet(
    "departments",
    "部门",
    (Column("code", "部门编码", "code", width=10), Column("name", "部门名称", width=24)),
    required=False,
)
EVENTS = Sheet(
    "life_events",
    "主题",
    (
        Column("code", "主题编码", width=10),
        Column("name", "主题名称", width=14),
        Column("audience", "服务对象", "enum", AUDIENCES, width=8),
        Column("description", "说明", required=False, width=40),
        Column("bundle_name", "一件事名称", required=False, omit_empty=True, width=16),
        Column("bundle_lead_department", "牵头部门", required=False, omit_empty=True, width=16),
        Column("bundle_promised_limit", "一件事承诺时限", "int", required=False, omit_empty=True),
        Column(
            "bundle_promised_limit_unit",
            "一件事时限单位",
            "enum",
            UNITS,
            required=False,
            omit_empty=True,
        ),
        Column("bundle_visits", "一件事到现场次数", "int", required=False, omit_empty=True),
    ),
    required=False,
)
EVENT_ITEMS = Sheet(
    "life_event_items",
    "主题事项",
    (
        Column("event_code", "主题编码", width=10),
        Column("code", "事项编码", "code", width=15),
        Column("bundle_position", "一件事内顺序", "int", required=False, omit_empty=True),
    ),
    required=False,
)
BUNDLE_MATERIALS = Sheet(
    "bundle_materials",
    "一件事材料",
    (Column("event_code", "主题编码", width=10), *_material_columns()),
    required=False,
)
SHEETS = (ITEMS, MATERIALS, STEPS, FEES, FAQ, DEPARTMENTS, EVENTS, EVENT_ITEMS, BUNDLE_MATERIALS)
README = "说明"

# item-level list elements on their own sheets, and the material keys always present
CHILDREN = (("materials", MATERIALS), ("steps", STEPS), ("fees", FEES), ("faq", FAQ))
# validator paths whose column has another key in the workbook
PATH_COLUMNS = {
    ("legal_limit", "value"): "legal_limit",
    ("legal_limit", "unit"): "legal_limit_unit",
    ("promised_limit", "value"): "promised_limit",
    ("promised_limit", "unit"): "promised_limit_unit",
    ("result", "type"): "result_type",
    ("result", "name"): "result_name",
    ("result", None): "result_type",
}
BUNDLE_COLUMNS = {
    "name": "bundle_name",
    "lead_department": "bundle_lead_department",
    "promised_limit": "bundle_promised_limit",
    "visits": "bundle_visits",
    "items": "bundle_name",
}
