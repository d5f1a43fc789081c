"""cases.facade: a case's summary and the counts statistics read."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.conftest import FOOD_FORM, at, food_files
from yiwang.cases import facade, services
from yiwang.core.errors import NotFound

pytestmark = pytest.mark.django_db


def _case(cs, clock, when, item=None):
    clock.set(when)
    return services.application_submit(
        actor=cs.citizen, item_id=(item or cs.food).pk, form=FOOD_FORM, files=food_files()
    )


def test_summary_and_counts(cs, clock):
    on_time = _case(cs, clock, at(2026, 11, 2, 9, 0))
    clock.set(at(2026, 11, 3, 9, 0))
    services.case_accept(actor=cs.handler, number=on_time.number)
    services.case_decide(actor=cs.handler, number=on_time.number, decision="approve")
    services.case_complete(actor=cs.handler, number=on_time.number)
    late = _case(cs, clock, at(2026, 11, 2, 10, 0))
    services.case_accept(actor=cs.handler, number=late.number)
    clock.set(at(2026, 11, 20, 9, 0))  # deadline was 9 Nov
    services.case_decide(
        actor=cs.handler, number=late.number, decision="deny", reasons="不符合条件"
    )
    open_late = _case(cs, clock, at(2026, 11, 2, 11, 0), item=cs.food_dm)
    clock.set(at(2026, 11, 2, 12, 0))
    services.case_accept(actor=cs.dm_handler, number=open_late.number)

    summary = facade.case_summary(number=on_time.number.lower())
    assert summary.applicant_id == cs.citizen.pk and summary.on_time is True
    assert summary.status == "completed" and summary.organisation_id == cs.xz_dept.pk
    assert facade.case_summary(number=late.number).on_time is False
    with pytest.raises(NotFound):
        facade.case_summary(number="SQ0")

    rows = facade.case_counts(
        start=at(2026, 11, 1), end=at(2026, 12, 1), by="organisation", now=at(2026, 11, 20, 12)
    )
    by_org = {r.key: r for r in rows}
    xz = by_org[cs.xz_dept.pk]
    assert (xz.received, xz.approved, xz.denied, xz.on_time, xz.completed) == (2, 1, 1, 1, 1)
    assert xz.on_time_rate == 0.5 and xz.label == "香洲区市场监督管理局"
    assert by_org[cs.dm_dept.pk].overdue_open == 1
    by_district = {
        r.key: r.received
        for r in facade.case_counts(start=at(2026, 11, 1), end=at(2026, 12, 1), by="district")
    }
    assert by_district == {cs.xz.pk: 2, cs.dm.pk: 1}
    items = facade.case_counts(start=at(2026, 11, 1), end=at(2026, 12, 1), by="item")
    assert [(r.key, r.label, r.received) for r in items] == [("010010004000", "食品经营许可", 3)]
    assert facade.case_counts(start=at(2026, 12, 1), end=at(2027, 1, 1)) == []
    with pytest.raises(ValueError):
        facade.case_counts(start=at(2026, 11, 1), end=at(2026, 12, 1), by="colour")
    assert isinstance(summary.submitted_at, dt.datetime)
