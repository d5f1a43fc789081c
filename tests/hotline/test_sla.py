"""SLA clocks on the working-time calendar, policy versions, and the periodic sweep."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.hotline.conftest import bj
from yiwang.hotline.choices import SlaLevel
from yiwang.hotline.models import SlaAlert, SlaPolicy
from yiwang.hotline.services import sla_policy_revise, sla_sweep
from yiwang.notify import facade as notify

ENTERPRISE = {
    "requester_kind": "enterprise",
    "enterprise_name": "珠海格创智能科技有限公司",
}


@pytest.fixture
def uscc():
    import random

    from yiwang.core.seed import make_uscc

    return make_uscc(random.Random(5))


def _ent(uscc, **kwargs):
    return {**ENTERPRISE, "enterprise_uscc": uscc, **kwargs}


def test_default_policies_are_seeded_by_migration(db):
    assert SlaPolicy.objects.filter(version=1).count() == 12
    ent = SlaPolicy.objects.get(lane="enterprise", category="consult", version=1)
    gen = SlaPolicy.objects.get(lane="general", category="complaint", version=1)
    assert (ent.sign_hours, ent.handle_days, ent.callback_days) == (Decimal("1.00"), 2, 2)
    assert (gen.sign_hours, gen.handle_days) == (Decimal("2.00"), 8)
    assert ent.yellow_ratio == Decimal("0.75") and ent.red_ratio == Decimal("0.90")


def test_before_national_day_general_lane(make_order, clock):
    clock.set(bj(2026, 9, 30, 16, 20))
    order = make_order()
    # 2 working hours: 70 minutes before the holiday, 50 after it
    assert order.sign_deadline == bj(2026, 10, 8, 9, 20)
    # 8 working days: 10/8, 10/9, Sat 10/10 (make-up), 10/12 … 10/16
    assert order.reply_deadline == bj(2026, 10, 16, 17, 30)


def test_before_national_day_enterprise_lane(make_order, clock, uscc):
    clock.set(bj(2026, 9, 30, 16, 20))
    consult = make_order(category="consult", **_ent(uscc))
    assert consult.lane == "enterprise"
    assert consult.sign_deadline == bj(2026, 9, 30, 17, 20)  # 1 working hour
    assert consult.reply_deadline == bj(2026, 10, 9, 17, 30)  # 2 working days
    complaint = make_order(**_ent(uscc))
    assert complaint.reply_deadline == bj(2026, 10, 12, 17, 30)  # 4 working days incl. Sat 10/10


def test_received_on_a_make_up_working_day(make_order, clock, uscc):
    clock.set(bj(2026, 10, 10, 16, 0))  # Saturday, make-up working day
    general = make_order()
    assert general.sign_deadline == bj(2026, 10, 12, 9, 0)
    consult = make_order(category="consult", **_ent(uscc))
    assert consult.sign_deadline == bj(2026, 10, 10, 17, 0)  # office hours on the make-up day
    assert consult.reply_deadline == bj(2026, 10, 13, 17, 30)


def test_received_at_night(make_order, clock, uscc):
    clock.set(bj(2026, 9, 29, 20, 0))
    order = make_order(category="consult", **_ent(uscc))
    assert order.sign_deadline == bj(2026, 9, 30, 9, 30)  # the 1 working hour starts at 08:30
    assert order.reply_deadline == bj(2026, 10, 8, 17, 30)


def test_enterprise_lane_sign_for_within_one_working_hour(make_order, clock, uscc):
    clock.set(bj(2026, 11, 3, 11, 30))  # Tuesday, across lunch
    order = make_order(**_ent(uscc))
    assert order.sign_deadline == bj(2026, 11, 3, 14, 30)


def test_year_without_calendar_data_falls_back_with_a_warning(make_order, clock):
    clock.set(bj(2030, 9, 30, 16, 20))
    order = make_order()
    assert order.reply_deadline is not None
    assert any("2030" in w for w in order.deadline_warnings)


def test_order_keeps_the_policy_version_it_was_dispatched_under(make_order, clock, hl):
    clock.set(bj(2026, 11, 2, 9, 0))
    old = make_order()
    v2 = sla_policy_revise(
        actor=hl.operator,
        lane="general",
        category="complaint",
        sign_hours=Decimal(4),
        handle_days=10,
    )
    new = make_order()
    old.refresh_from_db()
    assert old.sla_policy.version == 1 and new.sla_policy_id == v2.pk
    assert new.reply_deadline == bj(2026, 11, 16, 17, 30)
    assert old.reply_deadline == bj(2026, 11, 12, 17, 30)


def test_sweep_urges_at_yellow_and_red_escalates_overdue_and_is_idempotent(
    make_order, clock, hl, run_tasks, uscc
):
    clock.set(bj(2026, 11, 2, 9, 0))  # Monday
    order = make_order(**_ent(uscc))
    assert order.sign_deadline == bj(2026, 11, 2, 10, 0)
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 30))["alerts"] == 0
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 46))["alerts"] == 1  # 76 %: yellow
    assert SlaAlert.objects.get(order=order).level == SlaLevel.YELLOW
    assert len(notify.inbox_recent(hl.handler)) == 1  # yellow
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 47))["alerts"] == 0  # nothing new
    assert len(notify.inbox_recent(hl.handler)) == 1
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 55))["alerts"] == 1  # red
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 10, 5))["alerts"] == 1  # overdue
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 10, 6))["alerts"] == 0
    assert len(notify.inbox_recent(hl.handler)) == 3
    overdue = [m for m in notify.inbox_recent(hl.operator) if "超时" in m.subject]
    assert len(overdue) == 1  # the centre hears of the overdue order
    assert len(notify.inbox_recent(hl.xz_leader)) == 1  # and the unit's leader


def test_sweep_catches_up_after_downtime(make_order, clock, hl, run_tasks, uscc):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**_ent(uscc))
    with run_tasks():
        result = sla_sweep(now=bj(2026, 11, 2, 15, 0))
    assert result["alerts"] == 1
    levels = dict(
        SlaAlert.objects.filter(order=order, clock="sign").values_list("level", "notified")
    )
    assert levels == {"yellow": False, "red": False, "overdue": True}
    assert len(notify.inbox_recent(hl.handler)) == 1  # one overdue, no stale warnings


def test_paused_order_has_no_running_handling_clock(make_order, clock, hl):
    from yiwang.hotline.services import work_order_pause, work_order_sign

    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_pause(
        actor=hl.handler, order_id=order.pk, version=order.version, reason="等材料"
    )
    assert sla_sweep(now=bj(2026, 11, 30, 9, 0))["alerts"] == 0


def test_periodic_task_runs_the_sweep(make_order, clock, hl):
    from yiwang.hotline.tasks import hotline_sla_sweep_task

    make_order()
    hotline_sla_sweep_task.call_local()
