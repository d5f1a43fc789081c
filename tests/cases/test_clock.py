"""The legal clock on the working-time calendar: weekends, National Day 2026 with its make-up
Saturday, special procedures, the 补正 restart, extensions, natural days, the sweep."""

from __future__ import annotations

import pytest

from tests.cases.conftest import FOOD_FORM, at, food_files, pdf
from yiwang.cases import clock as clk
from yiwang.cases import services
from yiwang.cases.choices import CaseAction, CaseStatus, WarningLevel
from yiwang.cases.models import Case, CaseEvent, ClockPause, Extension
from yiwang.core.errors import Conflict

pytestmark = pytest.mark.django_db


def _submit(cs, clock, when, item=None, actor=None):
    clock.set(when)
    return services.application_submit(
        actor=actor or cs.citizen, item_id=(item or cs.food).pk, form=FOOD_FORM, files=food_files()
    )


def _local(value):
    return value.astimezone(at(2026, 1, 1).tzinfo).replace(microsecond=0)


def test_deadline_across_national_day_with_a_pause_and_an_extension(cs, clock):
    # Wed 30 Sep 2026: 1–7 Oct are holidays, Sat 10 Oct is a make-up working day.
    case = _submit(cs, clock, at(2026, 9, 30, 10, 0))
    assert _local(case.acceptance_deadline) == at(2026, 10, 13, 17, 30)  # 5 working days
    clock.set(at(2026, 9, 30, 11, 0))
    case = services.case_accept(actor=cs.handler, number=case.number)
    # 8 Oct (1), 9 (2), Sat 10 (3), Mon 12 (4), Tue 13 (5)
    assert _local(case.deadline) == at(2026, 10, 13, 17, 30)
    assert _local(case.accepted_at) == at(2026, 9, 30, 11, 0)

    clock.set(at(2026, 10, 9, 10, 0))
    case = services.case_pause(actor=cs.handler, number=case.number, reason="testing", note="抽检")
    assert case.status == CaseStatus.PAUSED and case.check_at is None
    clock.set(at(2026, 10, 13, 15, 0))
    case = services.case_resume(actor=cs.handler, number=case.number)
    # excluded: the working days after 9 Oct up to 13 Oct — Sat 10, Mon 12, Tue 13
    assert ClockPause.objects.get(case=case).days == 3 and case.paused_days == 3
    assert _local(case.deadline) == at(2026, 10, 16, 17, 30)
    assert case.status == CaseStatus.REVIEWING

    clock.set(at(2026, 10, 14, 9, 0))
    case = services.case_extend(
        actor=cs.handler, number=case.number, reason="需补充现场核查", approver="局长 陈某"
    )
    # 5 + 3 + 10 working days after 30 Sep
    assert _local(case.deadline) == at(2026, 10, 30, 17, 30)
    extension = Extension.objects.get(case=case)
    assert extension.days == 10 and _local(extension.previous_deadline) == at(2026, 10, 16, 17, 30)
    assert extension.notified_at < extension.previous_deadline

    with pytest.raises(Conflict) as once:
        services.case_extend(actor=cs.handler, number=case.number, reason="再延", approver="局长")
    assert once.value.code == "cases.already_extended"


def test_extension_after_expiry_is_refused(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 2, 9, 0))
    services.case_accept(actor=cs.handler, number=case.number)
    clock.set(at(2026, 11, 9, 17, 31))  # deadline Mon 9 Nov 17:30 has passed
    with pytest.raises(Conflict) as late:
        services.case_extend(actor=cs.handler, number=case.number, reason="来不及", approver="局长")
    assert late.value.code == "cases.extension_too_late"


def test_correction_restarts_the_clock_from_the_day_after_the_corrected_materials(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 2, 9, 0))  # Monday
    assert _local(case.deadline) == at(2026, 11, 9, 17, 30)
    clock.set(at(2026, 11, 3, 10, 0))
    case = services.case_request_correction(
        actor=cs.handler,
        number=case.number,
        items=[
            {"material": "M03", "reason": "申请书未签字"},
            {"material": "M04", "reason": "布局图不清晰"},
            {"reason": "经营场所地址与证明不一致"},
        ],
    )
    assert case.status == CaseStatus.CORRECTION and case.deadline is None  # the clock stops
    notice = case.corrections.get()
    assert len(notice.items) == 3 and _local(notice.deadline) == at(2026, 12, 1, 17, 30)

    clock.set(at(2026, 11, 6, 16, 0))  # Friday afternoon
    case = services.case_resubmit(
        actor=cs.citizen, number=case.number, files={"M03": pdf("v2.pdf"), "M04": pdf("b.pdf")}
    )
    assert case.status == CaseStatus.SUBMITTED
    clock.set(at(2026, 11, 9, 9, 0))
    case = services.case_accept(actor=cs.handler, number=case.number)
    # counted from the day after 6 Nov: Mon 9 … Fri 13
    assert _local(case.deadline) == at(2026, 11, 13, 17, 30)
    current = case.materials.filter(superseded_by__isnull=True)
    assert sorted(current.values_list("slot", flat=True)) == ["M01", "M03", "M04", "M05"]
    old = case.materials.get(slot="M03", superseded_by__isnull=False)
    assert old.superseded_by.name == "v2.pdf"
    assert case.corrections.get().resolved_at is not None


def test_natural_day_limit_ends_on_the_next_working_day_after_a_holiday(cs, clock, publish):
    item = publish(
        "070030001000",
        cs.xz_dept,
        promised_limit=7,
        promised_limit_unit="natural_day",
        legal_limit=20,
        legal_limit_unit="natural_day",
        handling_type="promised",
        online=True,
        online_depth=3,
    )
    clock.set(at(2026, 9, 28, 10, 0))
    case = services.application_submit(
        actor=cs.citizen,
        item_id=item.pk,
        form=FOOD_FORM,
        files={f"M0{i}": pdf() for i in range(1, 5)},
    )
    # 28 Sep + 7 calendar days = 5 Oct (National Day) → 8 Oct, the next working day
    assert _local(case.deadline) == at(2026, 10, 8, 17, 30)
    assert clk.days_excluded(at(2026, 9, 30, 10), at(2026, 10, 8, 9), "natural_day") == 8


def test_levels_and_the_sweep_are_idempotent(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 6, 16, 0))
    clock.set(at(2026, 11, 9, 9, 0))
    case = services.case_accept(actor=cs.handler, number=case.number)
    assert _local(case.deadline) == at(2026, 11, 13, 17, 30)
    assert case.warning_level == WarningLevel.NORMAL
    assert _local(case.check_at) == at(2026, 11, 12, 0, 0)  # ≤ 1 working day left from Thu

    assert services.case_sweep(now=at(2026, 11, 11, 12, 0))["cases"] == 0
    counts = services.case_sweep(now=at(2026, 11, 12, 9, 0))
    assert counts["warned"] == 1
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.YELLOW
    assert _local(case.check_at) == at(2026, 11, 13, 17, 30)
    assert services.case_sweep(now=at(2026, 11, 12, 9, 0))["cases"] == 0  # nothing due again

    counts = services.case_sweep(now=at(2026, 11, 13, 18, 0))
    assert counts["overdue"] == 1
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.RED and case.check_at is None
    assert services.case_sweep(now=at(2026, 11, 14, 18, 0)) == {
        "cases": 0,
        "deemed_accepted": 0,
        "lapsed": 0,
        "warned": 0,
        "overdue": 0,
    }
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions.count(CaseAction.WARN) == 1 and actions.count(CaseAction.OVERDUE) == 1

    # a red case is listed first in the inbox
    other = _submit(cs, clock, at(2026, 11, 13, 9, 0))
    clock.set(at(2026, 11, 13, 9, 30))
    services.case_accept(actor=cs.handler, number=other.number)
    from yiwang.cases import selectors

    inbox = list(selectors.case_inbox(actor=cs.handler))
    assert [c.number for c in inbox] == [case.number, other.number]


def test_yellow_over_a_weekend(cs, clock):
    deadline = at(2026, 11, 16, 17, 30)  # Monday
    assert clk.yellow_from(deadline, 1) == at(2026, 11, 13, 0, 0)  # Friday: only Monday left
    assert clk.level_at(deadline, at(2026, 11, 12, 12, 0), 1) == WarningLevel.NORMAL
    assert clk.level_at(deadline, at(2026, 11, 14, 12, 0), 1) == WarningLevel.YELLOW
    assert clk.level_at(deadline, at(2026, 11, 16, 17, 30), 1) == WarningLevel.RED


def test_sweep_deems_an_application_accepted_on_receipt(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 2, 9, 0))
    assert _local(case.acceptance_deadline) == at(2026, 11, 9, 17, 30)
    assert services.case_sweep(now=at(2026, 11, 9, 17, 0))["deemed_accepted"] == 0
    counts = services.case_sweep(now=at(2026, 11, 9, 18, 0))
    assert counts["deemed_accepted"] == 1
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_at == case.received_at  # accepted as of receipt
    # the 5 working days counted from receipt are over too: red at once
    assert _local(case.deadline) == at(2026, 11, 9, 17, 30)
    assert case.warning_level == WarningLevel.RED
    assert services.case_sweep(now=at(2026, 11, 9, 18, 0))["cases"] == 0


def test_sweep_withdraws_a_case_not_corrected_in_time(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 2, 9, 0))
    clock.set(at(2026, 11, 2, 10, 0))
    services.case_request_correction(
        actor=cs.handler, number=case.number, items=[{"material": "M03", "reason": "未签字"}]
    )
    case.refresh_from_db()
    assert _local(case.check_at) == at(2026, 11, 30, 17, 30)  # 20 working days
    counts = services.case_sweep(now=at(2026, 11, 30, 18, 0))
    assert counts["lapsed"] == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN and case.check_at is None


def test_delivery_clock_after_approval(cs, clock):
    case = _submit(cs, clock, at(2026, 11, 2, 9, 0))
    clock.set(at(2026, 11, 3, 9, 0))
    services.case_accept(actor=cs.handler, number=case.number)
    clock.set(at(2026, 11, 4, 9, 0))
    case = services.case_decide(actor=cs.handler, number=case.number, decision="approve")
    assert _local(case.delivery_deadline) == at(2026, 11, 18, 17, 30)  # 10 working days
    assert _local(case.check_at) == at(2026, 11, 17, 0, 0)  # yellow: 1 working day left
    clock.set(at(2026, 11, 5, 9, 0))
    services.case_complete(actor=cs.handler, number=case.number)
    case = services.case_deliver(actor=cs.handler, number=case.number, method="electronic")
    assert case.status == CaseStatus.DELIVERED and case.check_at is None
