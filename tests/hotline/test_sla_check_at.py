"""``WorkOrder.sla_check_at``: the next instant a running clock reaches a new warning level,
kept by every workflow write, and the sweep that reads only the orders whose time has come."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from decimal import Decimal

import pytest
from django.apps import apps

from tests.hotline.conftest import bj
from yiwang.core.errors import Conflict
from yiwang.hotline.choices import SLA_LEVEL_ORDER, SlaLevel
from yiwang.hotline.models import SlaAlert, WorkOrder
from yiwang.hotline.services import (
    sla_sweep,
    work_order_pause,
    work_order_resume,
    work_order_sign,
)
from yiwang.hotline.services.sla import (
    clock_level,
    next_check_at,
    order_check_at,
    sla_check_refresh,
)
from yiwang.notify import facade as notify

ENT = {
    "requester_kind": "enterprise",
    "enterprise_name": "珠海格创智能科技有限公司",
}


@pytest.fixture
def ent():
    from yiwang.core.seed import make_uscc

    return {**ENT, "enterprise_uscc": make_uscc(random.Random(5))}


def _stored(order) -> dt.datetime | None:
    return WorkOrder.objects.values_list("sla_check_at", flat=True).get(pk=order.pk)


def test_dispatch_stores_the_sign_clock_yellow_instant(make_order, clock, ent):
    clock.set(bj(2026, 11, 2, 9, 0))  # Monday; enterprise lane: sign within 1 working hour
    order = make_order(**ent)
    assert order.status == "dispatched"
    assert _stored(order) == bj(2026, 11, 2, 9, 45)  # 75 % of 60 office minutes
    assert order.sla_check_at == _stored(order)


def test_received_order_without_a_unit_has_no_check(make_order, clock):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(content="无法匹配任何规则的咨询", address="")
    assert order.status == "received"
    assert _stored(order) is None


def test_instants_are_in_office_time_across_lunch_and_night(make_order, clock, ent):
    clock.set(bj(2026, 11, 3, 11, 30))  # Tuesday, 1 working hour across the lunch break
    order = make_order(**ent)
    assert order.sign_deadline == bj(2026, 11, 3, 14, 30)
    assert _stored(order) == bj(2026, 11, 3, 14, 15)  # 45 office minutes: 30 before, 15 after
    clock.set(bj(2026, 11, 6, 17, 20))  # Friday evening: continues on Monday
    late = make_order(**ent)
    assert _stored(late) == bj(2026, 11, 9, 9, 5)  # 10 min Friday + 35 min Monday from 8:30


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_next_check_is_exactly_where_the_level_changes(make_order, clock, ent, seed):
    """At the stored instant the level is higher than one second before it."""
    rng = random.Random(seed)
    clock.set(bj(2026, 11, 2, 8, 0) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 4)))
    order = make_order(**ent) if seed % 2 else make_order()
    now = clock.value
    policy = order.sla_policy
    seen = 0
    while (at := next_check_at(order, policy, now=now)) is not None and seen < 10:
        seen += 1
        for _name, start, deadline, paused in _clocks(order):
            before = clock_level(
                start=start,
                deadline=deadline,
                now=at - dt.timedelta(seconds=1),
                paused_seconds=paused,
            )
            after = clock_level(start=start, deadline=deadline, now=at, paused_seconds=paused)
            if SLA_LEVEL_ORDER.index(after) > SLA_LEVEL_ORDER.index(before):
                break
        else:
            pytest.fail(f"no clock changes level at {at}")
        now = at
    # sign: yellow, red, overdue; reply: yellow, red, overdue
    assert seen == 6


def _clocks(order):
    from yiwang.hotline.services.sla import order_clocks

    return order_clocks(order)


def test_custom_ratios_of_the_policy_are_used(make_order, clock, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    policy = order.sla_policy
    policy.yellow_ratio, policy.red_ratio = Decimal("0.50"), Decimal("0.80")
    assert next_check_at(order, policy, now=bj(2026, 11, 2, 9, 0)) == bj(2026, 11, 2, 9, 30)
    assert next_check_at(order, policy, now=bj(2026, 11, 2, 9, 30)) == bj(2026, 11, 2, 9, 48)
    assert next_check_at(order, None, now=bj(2026, 11, 2, 9, 0)) == bj(2026, 11, 2, 9, 45)


def test_sign_moves_the_check_to_the_handling_clock(make_order, clock, hl, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)  # complaint: 4 working days, deadline Fri 11/6 17:30
    clock.set(bj(2026, 11, 2, 9, 10))
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    # office hours 08:30–12:00 and 14:00–17:30: 34.5 h allowed from Mon 09:00,
    # yellow after 75 % = 25 h 52 min 30 s of office time
    assert order.reply_deadline == bj(2026, 11, 6, 17, 30)
    assert _stored(order) == bj(2026, 11, 5, 15, 52, 30)


def test_pause_stops_and_resume_restarts_with_the_paused_time(make_order, clock, hl, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    clock.set(bj(2026, 11, 2, 10, 0))
    order = work_order_pause(
        actor=hl.handler, order_id=order.pk, version=order.version, reason="等材料"
    )
    assert _stored(order) is None
    clock.set(bj(2026, 11, 3, 10, 0))  # paused for one working day (7 office hours)
    order = work_order_resume(actor=hl.handler, order_id=order.pk, version=order.version)
    assert order.paused_seconds == 7 * 3600
    assert order.reply_deadline == bj(2026, 11, 9, 17, 30)
    # allowed = 41.5 h − 7 h paused = 34.5 h; yellow after 7 h + 25 h 52 min 30 s
    assert _stored(order) == bj(2026, 11, 6, 15, 52, 30)
    assert sla_sweep(now=bj(2026, 11, 6, 15, 52, 29))["orders"] == 0
    assert sla_sweep(now=bj(2026, 11, 6, 15, 52, 30)) == {"orders": 1, "alerts": 1}
    levels = SlaAlert.objects.filter(order=order, clock="reply").values_list("level", flat=True)
    assert list(levels) == [SlaLevel.YELLOW]


def test_lost_race_changes_nothing(make_order, clock, hl, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    stale = WorkOrder.objects.get(pk=order.pk)
    work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    stored = _stored(order)
    from yiwang.hotline import support

    with pytest.raises(Conflict):
        support.apply_change(
            order=stale, actor=hl.handler, action="sign", changes={"status": "signed"}
        )
    assert stale.status == "dispatched" and stale.sla_check_at == bj(2026, 11, 2, 9, 45)
    assert _stored(order) == stored


def test_sweep_reads_only_due_orders_and_stores_the_next_instant(
    make_order, clock, hl, run_tasks, ent
):
    clock.set(bj(2026, 11, 2, 9, 0))
    first = make_order(**ent)
    clock.set(bj(2026, 11, 2, 9, 20))
    second = make_order(**ent)  # yellow at 10:05
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 44)) == {"orders": 0, "alerts": 0}
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 45)) == {"orders": 1, "alerts": 1}
    assert _stored(first) == bj(2026, 11, 2, 9, 54)  # red
    assert _stored(second) == bj(2026, 11, 2, 10, 5)
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 50)) == {"orders": 0, "alerts": 0}
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 10, 30)) == {"orders": 2, "alerts": 2}
    # both sign clocks overdue (red skipped, recorded as not notified); next: handling yellow
    assert _stored(first) == bj(2026, 11, 5, 15, 52, 30)
    assert _stored(second) == bj(2026, 11, 5, 15, 57, 30)
    assert dict(SlaAlert.objects.filter(order=first).values_list("level", "notified")) == {
        "yellow": True,
        "red": False,
        "overdue": True,
    }
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 10, 30)) == {"orders": 0, "alerts": 0}


def test_refresh_and_backfill_fill_rows_without_a_check(make_order, clock, hl, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    other = make_order()
    WorkOrder.objects.update(sla_check_at=None)  # rows written before the field was kept
    migration = importlib.import_module("yiwang.hotline.migrations.0005_sla_check_at_backfill")
    migration.backfill(apps, None)
    assert _stored(order) == order_check_at(order) is not None
    assert _stored(other) == order_check_at(other) is not None
    WorkOrder.objects.filter(pk=other.pk).update(sla_check_at=bj(2030, 1, 1, 0, 0))
    assert sla_check_refresh(actor=None) == 1
    assert _stored(other) == order_check_at(other)
    assert sla_check_refresh(actor=None) == 0


def test_a_failing_notification_keeps_the_alert_for_a_retry(make_order, clock, hl, run_tasks, ent):
    from yiwang.hotline import support
    from yiwang.notify.models import Template

    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    support.ensure_templates()  # an administrator then breaks the warning template
    Template.objects.filter(code="hotline.sla_warning").update(body="{{ no_such_variable }}")
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 46)) == {"orders": 1, "alerts": 0}
    assert not SlaAlert.objects.filter(order=order).exists()
    assert _stored(order) == bj(2026, 11, 2, 9, 51)  # looked at again five minutes later
    Template.objects.filter(code="hotline.sla_warning").update(body="{{ number }} 预警")
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 51)) == {"orders": 1, "alerts": 1}
    assert SlaAlert.objects.get(order=order).level == SlaLevel.YELLOW
    assert len(notify.inbox_recent(hl.handler)) == 1
    assert _stored(order) == bj(2026, 11, 2, 9, 54)


def test_order_without_running_clock_and_outside_the_calendar(make_order, clock, ent):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order(**ent)
    order.status = "replied"
    assert next_check_at(order, None) is None
    order.status = "dispatched"
    # every level already passed: nothing left to check
    assert next_check_at(order, None, now=bj(2026, 12, 1, 9, 0)) is None


def test_orders_reaching_a_level_together_make_one_digest_per_recipient(
    make_order, clock, hl, run_tasks, ent
):
    clock.set(bj(2026, 11, 2, 9, 0))
    orders = [make_order(**ent) for _ in range(3)]
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 46)) == {"orders": 3, "alerts": 3}
    assert SlaAlert.objects.filter(level=SlaLevel.YELLOW, notified=True).count() == 3
    [message] = notify.inbox_recent(hl.handler)
    for order in orders:
        assert order.number in message.subject
    with run_tasks():
        assert sla_sweep(now=bj(2026, 11, 2, 9, 47)) == {"orders": 0, "alerts": 0}
    assert len(notify.inbox_recent(hl.handler)) == 1
