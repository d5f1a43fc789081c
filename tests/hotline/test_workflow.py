"""The department workflow: transitions, concurrency, scoping, returns, extensions, pauses."""

from __future__ import annotations

import os

import pytest

from tests.hotline.conftest import bj
from yiwang.core.errors import Conflict, Forbidden, NotFound
from yiwang.hotline.choices import Status
from yiwang.hotline.models import WorkOrder, WorkOrderEvent
from yiwang.hotline.services import (
    work_order_callback,
    work_order_extension_request,
    work_order_extension_review,
    work_order_merge,
    work_order_pause,
    work_order_reassign,
    work_order_reply,
    work_order_resume,
    work_order_return,
    work_order_return_review,
    work_order_review,
    work_order_sign,
    work_order_start,
    work_order_urge,
)
from yiwang.notify import facade as notify


def _fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def _replied(order, hl):
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_start(actor=hl.handler, order_id=order.pk, version=order.version)
    return work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="已查处，责令下架。"
    )


def test_illegal_transition_is_409_with_code(make_order, hl):
    order = make_order()
    with pytest.raises(Conflict) as exc:
        work_order_reply(actor=hl.handler, order_id=order.pk, version=order.version, result="x")
    assert exc.value.code == "hotline.illegal_transition"
    assert exc.value.status == 409


def test_two_transitions_with_the_same_version_one_wins(make_order, hl, make_staff):
    from yiwang.core.choices import Role

    colleague = make_staff(hl.xz_dept, Role.CASE_HANDLER)
    order = make_order()
    seen = order.version
    work_order_sign(actor=hl.handler, order_id=order.pk, version=seen)
    with pytest.raises(Conflict) as exc:
        work_order_sign(actor=colleague, order_id=order.pk, version=seen)
    assert exc.value.code == "hotline.concurrent_change"
    assert WorkOrderEvent.objects.filter(order=order, action="sign").count() == 1


def test_lost_race_inside_the_update_is_409(make_order, hl):
    """The conditional UPDATE itself refuses a stale version (a racer that passed the check)."""
    from yiwang.hotline import support as common

    order = make_order()
    WorkOrder.objects.filter(pk=order.pk).update(version=order.version + 1)
    with pytest.raises(Conflict) as exc:
        common.apply_change(order=order, actor=hl.handler, action="sign", changes={})
    assert exc.value.code == "hotline.concurrent_change"


def test_unit_acting_on_another_units_order_is_404(make_order, hl):
    order = make_order()
    with pytest.raises(NotFound):
        work_order_sign(actor=hl.dm_handler, order_id=order.pk, version=order.version)


def test_leader_reads_but_cannot_act(make_order, hl):
    order = make_order()
    with pytest.raises(Forbidden):
        work_order_sign(actor=hl.leader, order_id=order.pk, version=order.version)


def test_review_send_back_and_approve(make_order, hl):
    order = _replied(make_order(), hl)
    order = work_order_review(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        approve=False,
        note="答复不完整",
    )
    assert order.status == Status.IN_PROGRESS
    order = work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="补充"
    )
    order = work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    assert order.status == Status.CLOSED and order.callback_deadline is not None


def test_unsatisfied_callback_reopens_once(make_order, hl, run_tasks):
    order = _replied(make_order(), hl)
    order = work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    with run_tasks():
        order = work_order_callback(
            actor=hl.operator,
            order_id=order.pk,
            version=order.version,
            rating="dissatisfied",
            solved=False,
        )
    assert order.status == Status.IN_PROGRESS and order.reopen_count == 1
    assert any(
        "重" in m.subject or order.number in m.subject for m in notify.inbox_recent(hl.handler)
    )
    order = work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="重办"
    )
    order = work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    order = work_order_callback(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        rating="very_dissatisfied",
        solved=False,
    )
    assert order.status == Status.CALLED_BACK and order.rating == "very_dissatisfied"


def test_return_accept_waits_for_redispatch_and_reject_goes_back(make_order, hl):
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_return(
        actor=hl.handler, order_id=order.pk, version=order.version, reason="非本单位职责"
    )
    assert order.status == Status.RETURN_REQUESTED
    order = work_order_return_review(
        actor=hl.operator, order_id=order.pk, version=order.version, accept=False
    )
    assert order.status == Status.SIGNED
    order = work_order_return(
        actor=hl.handler, order_id=order.pk, version=order.version, reason="仍非本单位"
    )
    order = work_order_return_review(
        actor=hl.operator, order_id=order.pk, version=order.version, accept=True
    )
    assert order.status == Status.RECEIVED and order.lead_unit_id is None
    assert order.reply_deadline is not None  # the requester's clock is not reset


def test_reassign_moves_the_order_to_another_unit(make_order, hl):
    order = make_order()
    reply_deadline = order.reply_deadline
    order = work_order_reassign(
        actor=hl.operator, order_id=order.pk, version=order.version, lead_unit_id=hl.dm_dept.pk
    )
    assert order.lead_unit_id == hl.dm_dept.pk and order.status == Status.DISPATCHED
    assert order.reply_deadline == reply_deadline
    with pytest.raises(NotFound):
        work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    work_order_sign(actor=hl.dm_handler, order_id=order.pk, version=order.version)


def test_extension_before_expiry_is_approved_and_moves_the_deadline(make_order, hl, clock):
    clock.set(bj(2026, 11, 2, 9, 0))  # Monday
    order = make_order()
    assert order.reply_deadline == bj(2026, 11, 12, 17, 30)  # general complaint: 8 working days
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_extension_request(
        actor=hl.handler, order_id=order.pk, version=order.version, days=3, reason="需现场核查"
    )
    order = work_order_extension_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    assert order.reply_deadline == bj(2026, 11, 17, 17, 30)
    assert order.extension_count == 1


def test_extension_after_expiry_is_refused(make_order, hl, clock):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    clock.set(bj(2026, 11, 13, 9, 0))
    with pytest.raises(Conflict) as exc:
        work_order_extension_request(
            actor=hl.handler, order_id=order.pk, version=order.version, days=2, reason="来不及"
        )
    assert exc.value.code == "hotline.extension_after_expiry"


def test_extension_count_is_limited(make_order, hl, clock):
    clock.set(bj(2026, 11, 2, 9, 0))
    order = work_order_sign(actor=hl.handler, order_id=make_order().pk, version=2)
    for _ in range(2):
        order = work_order_extension_request(
            actor=hl.handler, order_id=order.pk, version=order.version, days=1, reason="核查"
        )
        order = work_order_extension_review(
            actor=hl.operator, order_id=order.pk, version=order.version, approve=True
        )
    with pytest.raises(Conflict) as exc:
        work_order_extension_request(
            actor=hl.handler, order_id=order.pk, version=order.version, days=1, reason="再延"
        )
    assert exc.value.code == "hotline.extension_limit"


def test_pause_and_resume_move_the_deadline_by_paused_working_time(make_order, hl, clock):
    clock.set(bj(2026, 11, 2, 9, 0))  # Monday
    order = make_order()
    deadline = order.reply_deadline  # Thu 2026-11-12 17:30
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    clock.set(bj(2026, 11, 3, 10, 0))
    order = work_order_pause(
        actor=hl.handler, order_id=order.pk, version=order.version, reason="等群众补充材料"
    )
    assert order.status == Status.PAUSED
    clock.set(bj(2026, 11, 3, 15, 0))  # paused 10:00–12:00 + 14:00–15:00 = 3 working hours
    order = work_order_resume(actor=hl.handler, order_id=order.pk, version=order.version)
    assert order.status == Status.SIGNED
    assert order.paused_seconds == 3 * 3600
    # 17:30 Thu + 3 working hours = Fri 11:30
    assert deadline == bj(2026, 11, 12, 17, 30)
    assert order.reply_deadline == bj(2026, 11, 13, 11, 30)


def test_urge_notifies_without_changing_status(make_order, hl, run_tasks):
    order = make_order()
    with run_tasks():
        order = work_order_urge(
            actor=hl.operator, order_id=order.pk, version=order.version, note="请加快办理"
        )
    assert order.status == Status.DISPATCHED and order.urge_count == 1
    subjects = [m.subject for m in notify.inbox_recent(hl.handler)]
    assert any("督办" in s for s in subjects)
    with pytest.raises(Forbidden):
        work_order_urge(actor=hl.handler, order_id=order.pk, version=order.version, note="x")


def test_merge_child_into_parent(make_order, hl):
    parent = make_order()
    child = make_order(contact_phone="13900002222")
    child = work_order_merge(
        actor=hl.operator, order_id=child.pk, version=child.version, parent_id=parent.pk
    )
    assert child.status == Status.MERGED and child.parent_id == parent.pk
    assert list(_fresh(parent).children.all()) == [child]
    with pytest.raises(Conflict):
        work_order_merge(
            actor=hl.operator,
            order_id=parent.pk,
            version=_fresh(parent).version,
            parent_id=child.pk,
        )


def test_every_transition_is_audited_and_on_the_timeline(make_order, hl):
    from yiwang.core.models import AuditLog

    order = _replied(make_order(), hl)
    actions = list(WorkOrderEvent.objects.filter(order=order).values_list("action", flat=True))
    assert actions == ["create", "dispatch", "sign", "start", "reply"]
    logged = set(
        AuditLog.objects.filter(
            object_id=str(order.pk), action__startswith="hotline.order."
        ).values_list("action", flat=True)
    )
    assert {"hotline.order.sign", "hotline.order.start", "hotline.order.reply"} <= logged


@pytest.mark.skipif(
    not os.environ.get("YIWANG_DATABASE_URL", "").startswith("postgres"),
    reason="needs a server database with concurrent connections",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_truly_concurrent_signs_one_wins(migrated_data, hl, make_order):
    """Two threads sign with the same version at once: exactly one succeeds, the other 409.

    Runs on PostgreSQL (row locks make the second UPDATE wait and then match 0 rows); SQLite's
    shared in-memory test database serialises connections differently, so it is skipped there.
    """
    import threading

    from django.db import connections

    from yiwang.core.choices import Role
    from yiwang.core.services.accounts import staff_user_create

    colleague = staff_user_create(
        actor=None,
        username="xzh2",
        display_name="同事",
        organisation=hl.xz_dept,
        password="Yiwang#2026pass",
        roles=[Role.CASE_HANDLER],
    )
    order = make_order()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(user):
        try:
            barrier.wait()
            work_order_sign(actor=user, order_id=order.pk, version=order.version)
            results.append("ok")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in (hl.handler, colleague)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["hotline.concurrent_change", "ok"]
    assert WorkOrderEvent.objects.filter(order_id=order.pk, action="sign").count() == 1
