"""The consistency report (同要素管理、同标准办理): differences between the places that implement
one basic item, deviations from the standard flagged unless justified, standardisation scores."""

from __future__ import annotations

import pytest

from tests.catalog.conftest import STANDARD
from yiwang.catalog.selectors import consistency_report, deviations
from yiwang.catalog.services import (
    implementation_create,
    version_publish,
    version_submit,
    version_update,
)
from yiwang.core.errors import NotFound


def _published(cat, editor, org, **changes):
    item = implementation_create(
        actor=editor, basic_id=cat.basic.pk, organisation_id=org.pk, operation="new"
    )
    version = item.versions.get()
    if changes:
        version_update(actor=editor, version_id=version.pk, **changes)
    version_submit(actor=editor, version_id=version.pk)
    version_publish(actor=cat.reviewer, version_id=version.pk)
    return item


def test_deviations_compare_aspects_not_list_order():
    same = dict(STANDARD, materials=list(reversed(STANDARD["materials"])))
    assert deviations(STANDARD, same) == []
    extra = dict(STANDARD, materials=[*STANDARD["materials"], {"name": "房产证明"}])
    assert deviations(STANDARD, extra) == ["materials"]
    assert deviations(STANDARD, dict(STANDARD, promised_limit=5, visits=0)) == [
        "limits",
        "visits",
    ]


def test_planted_deviations_are_found_and_only_unjustified_ones_flagged(cat):
    _published(cat, cat.xz_editor, cat.xz_dept)  # the standard as it is
    _published(
        cat,
        cat.dm_editor,
        cat.dm_dept,
        materials=[*STANDARD["materials"], {"name": "房屋租赁合同", "required": True}],
        visits=2,
    )
    rows, by_department, by_district = consistency_report(actor=cat.reviewer)
    [row] = rows
    assert row.code == cat.basic.code and set(row.differing) == {"materials", "visits"}
    by_org = {i.organisation: i for i in row.implementations}
    assert by_org["香洲区市场监督管理局"].deviations == []
    assert by_org["斗门区市场监督管理局"].deviations == ["materials", "visits"]
    assert by_org["斗门区市场监督管理局"].unjustified and row.unjustified == 1
    scores = {s.name: s.score for s in by_district}
    assert scores == {"斗门区": 0.0, "香洲区": 100.0}
    assert [(s.name, s.implementations, s.conforming) for s in by_department] == [
        ("市场监督管理局", 2, 1)
    ]


def test_a_justified_deviation_is_not_flagged(cat):
    _published(cat, cat.xz_editor, cat.xz_dept)
    _published(
        cat,
        cat.dm_editor,
        cat.dm_dept,
        promised_limit=5,
        deviation_reason="斗门区承诺时限压缩至5个工作日（区政府常务会议决定）",
    )
    [row] = consistency_report(actor=cat.reviewer)[0]
    assert row.differing == ["limits"] and row.unjustified == 0


def test_an_item_implemented_once_is_scored_but_not_compared(cat):
    _published(cat, cat.xz_editor, cat.xz_dept, visits=0)
    rows, by_department, _districts = consistency_report(actor=cat.reviewer)
    assert rows == []
    assert by_department[0].score == 0.0  # deviates from the standard without a reason


def test_the_report_needs_the_view_permission(cat, make_staff):
    from yiwang.core.choices import Role

    handler = make_staff(cat.xz_dept, Role.CASE_HANDLER)
    with pytest.raises(NotFound):
        consistency_report(actor=handler)


def test_an_office_of_a_municipal_department_counts_as_city_level(cat):
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    office = organisation_create(
        actor=None, name="政务科", kind=OrgKind.DEPARTMENT, code="t-zsj-zwk", parent=cat.city_dept
    )
    _published(cat, cat.reviewer, office)
    _published(cat, cat.xz_editor, cat.xz_dept)
    _rows, _departments, by_district = consistency_report(actor=cat.reviewer)
    assert {s.name for s in by_district} == {"市级", "香洲区"}
