"""The registry's test city (``org_tree``: 珠海市 → 香洲区 with 拱北街道, 斗门区, departments), its
officers in each role, enterprise users, and helpers to write import files."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from tests.conftest import PASSWORD
from yiwang.core.validators import uscc_check_char

# 统一社会信用代码 … in the order of the task's import format
HEADER = ["统一社会信用代码", "企业名称", "法定代表人", "注册地址", "所在区", "所在街道", "园区",
          "行业代码", "企业规模", "成立日期", "注册资本(万元)", "从业人数", "营业收入(万元)",
          "资产总额(万元)", "纳税额(万元)", "研发投入(万元)", "纳税信用等级", "发明专利",
          "实用新型", "软件著作权", "商标", "经营状态", "标签", "资质"]  # fmt: skip


def uscc(n: int, division: str = "440402") -> str:
    body = f"91{division}MA{n:07d}"[:17]
    return body + uscc_check_char(body)


def wrong_check(code: str) -> str:
    """The code with a wrong check character (and the one expected)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = alphabet[(alphabet.index(code[17]) + 1) % 31]
    return code[:17] + wrong


def row(n: int, **overrides) -> list[str]:
    values = {
        "统一社会信用代码": uscc(n),
        "企业名称": f"珠海测试{n}科技有限公司",
        "法定代表人": "张三",
        "注册地址": f"珠海市香洲区情侣中路{n}号",
        "所在区": "香洲区",
        "所在街道": "拱北街道",
        "园区": "",
        "行业代码": "I6513",
        "企业规模": "",
        "成立日期": "2019-05-20",
        "注册资本(万元)": "500",
        "从业人数": "35",
        "营业收入(万元)": "1200.50",
        "资产总额(万元)": "800",
        "纳税额(万元)": "60",
        "研发投入(万元)": "90",
        "纳税信用等级": "A",
        "发明专利": "2",
        "实用新型": "5",
        "软件著作权": "12",
        "商标": "1",
        "经营状态": "存续",
        "标签": "软件;外贸",
        "资质": "高新技术企业:2024-01-01~2026-12-31",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def csv_bytes(rows: list[list[str]], *, header=None, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def reg(org_tree, make_staff):
    """The city, its officers and two enterprise users (one with a file, one without)."""
    from yiwang.core.choices import Role
    from yiwang.core.services.accounts import enterprise_account_create, enterprise_user_register

    t = org_tree
    own = enterprise_account_create(actor=None, uscc=uscc(1), name="珠海测试1科技有限公司")
    other = enterprise_account_create(actor=None, uscc=uscc(2), name="珠海测试2科技有限公司")
    return SimpleNamespace(
        **t,
        officer=make_staff(t["city_dept"], Role.POLICY_OFFICER, username="officer"),
        xz_officer=make_staff(t["xz_dept"], Role.POLICY_OFFICER, username="xzofficer"),
        dm_officer=make_staff(t["dm_dept"], Role.POLICY_OFFICER, username="dmofficer"),
        admin=make_staff(t["city_dept"], Role.PLATFORM_ADMIN, username="padmin"),
        leader=make_staff(t["city"], Role.LEADER, username="leader"),
        handler=make_staff(t["xz_dept"], Role.CASE_HANDLER, username="handler"),
        ent_user=enterprise_user_register(
            enterprise=own, username="ent1", password=PASSWORD, display_name="刘经办"
        ),
        other_ent_user=enterprise_user_register(
            enterprise=other, username="ent2", password=PASSWORD, display_name="王经办"
        ),
    )


@pytest.fixture
def import_csv(reg):
    """Run an import of CSV bytes synchronously as ``actor`` (the city officer by default)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.registry.services.imports import import_job_create, import_job_run

    def run(data: bytes, *, actor=None, source="market", name="enterprises.csv"):
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        job = import_job_create(actor=actor or reg.officer, upload=upload, source=source)
        return import_job_run(job_id=job.pk)

    return run


@pytest.fixture
def files_(reg):
    """Enterprises 1 (香洲区, 拱北街道) and 3 (斗门区) written through the service."""
    from yiwang.registry.services.profiles import enterprise_save

    one = enterprise_save(
        actor=None,
        city_id=reg.city.pk,
        data={"uscc": uscc(1), "name": "珠海测试1科技有限公司", "industry": "I6513",
              "district": "香洲区", "street": "拱北街道", "employees": 35, "revenue": "1200",
              "qualifications": [{"kind": "high_tech", "valid_from": "2024-01-01",
                                  "valid_to": "2026-12-31"}], "tags": ["软件"]},
    )  # fmt: skip
    three = enterprise_save(
        actor=None,
        city_id=reg.city.pk,
        data={"uscc": uscc(3, "440403"), "name": "珠海斗门制造有限公司", "industry": "C3911",
              "district": "斗门区", "employees": 400, "revenue": "30000"},
    )  # fmt: skip
    return SimpleNamespace(one=one, three=three)
