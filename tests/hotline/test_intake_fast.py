"""The fast intake path: cached dispatch catalogue (and its invalidation), lazily registered
templates, one bulk notification per dispatch."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.core.models import AuditLog
from yiwang.hotline.choices import Status
from yiwang.hotline.models import DispatchRule
from yiwang.hotline.services import dispatch_rule_deactivate, dispatch_rule_revise
from yiwang.hotline.suggestions import forget_rules
from yiwang.notify import facade as notify
from yiwang.notify.models import Message, Template


def _rule_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "hotline_dispatchrule" in q["sql"]]


def test_routing_reads_the_catalogue_once_per_process(make_order, hl):
    first = make_order()
    assert first.lead_unit_id == hl.xz_dept.pk
    with CaptureQueriesContext(connection) as queries:
        second = make_order(contact_phone="13800138001")
    assert second.lead_unit_id == hl.xz_dept.pk and second.status == Status.DISPATCHED
    assert _rule_queries(queries) == []
    # The in-memory order is what was stored (no re-read needed by the caller).
    second_db = type(second).objects.get(pk=second.pk)
    for field in ("status", "version", "lead_unit_id", "sla_check_at", "sign_deadline", "number"):
        assert getattr(second, field) == getattr(second_db, field), field


def test_a_rule_revision_applies_to_the_next_order_at_once(make_order, hl):
    assert make_order().lead_unit_id == hl.xz_dept.pk  # catalogue now cached
    dispatch_rule_revise(actor=None, rule_id=hl.rule_food_xz.pk, lead_unit_id=hl.housing.pk)
    order = make_order(contact_phone="13800138002")
    assert order.lead_unit_id == hl.housing.pk
    assert order.dispatch_rule_id != hl.rule_food_xz.pk
    # Co-units of the revised rule are kept and set on the order.
    dispatch_rule_revise(actor=None, rule_id=hl.rule_housing.pk, co_unit_ids=[hl.dm_dept.pk])
    order = make_order(content="小区物业乱收费", address="", contact_phone="13800138003")
    assert list(order.co_units.values_list("pk", flat=True)) == [hl.dm_dept.pk]


def test_a_deactivated_rule_no_longer_routes(make_order, hl):
    make_order()
    for rule in (hl.rule_food_xz, hl.rule_food_dm):
        dispatch_rule_deactivate(actor=None, rule_id=rule.pk)
    order = make_order(contact_phone="13800138004")
    assert order.status == Status.RECEIVED and order.lead_unit_id is None


def test_an_edit_by_another_process_applies_once_its_token_is_gone(make_order, hl):
    make_order()
    # Another process changed the catalogue: its rule service deletes the shared token.
    DispatchRule.objects.filter(pk=hl.rule_food_xz.pk).update(lead_unit_id=hl.dm_dept.pk)
    forget_rules(hl.city.pk)
    assert make_order(contact_phone="13800138005").lead_unit_id == hl.dm_dept.pk


def test_missing_templates_are_registered_on_first_use(make_order, hl, run_tasks):
    Template.objects.filter(code__startswith="hotline.").delete()
    with run_tasks():
        order = make_order()
    assert Template.objects.filter(code="hotline.order_dispatched").exists()
    [item] = notify.inbox_recent(hl.handler)
    assert order.number in item.subject


def test_dispatch_notification_is_one_bulk_send(make_order, hl, run_tasks):
    type(hl.handler).objects.filter(pk=hl.handler.pk).update(mobile="13912345678")
    with run_tasks():
        order = make_order()
    key = f"hotline:{order.pk}:dispatch:{order.version}"
    rows = Message.objects.filter(dedupe_key=key)
    assert sorted(rows.values_list("channel", flat=True)) == ["inbox", "sms"]
    assert AuditLog.objects.filter(action="notify.send_many").count() == 1
    # A retried notification sends nothing new.
    from yiwang.hotline.support import notify_dispatched

    notify_dispatched(order.pk, order.version)
    assert Message.objects.filter(dedupe_key=key).count() == 2


def test_an_order_routed_at_intake_is_inserted_dispatched(make_order, hl):
    make_order()  # catalogue and policy now cached
    with CaptureQueriesContext(connection) as queries:
        order = make_order(contact_phone="13800138006")
    writes = [q["sql"] for q in queries if 'hotline_workorder"' in q["sql"].split(" WHERE")[0]]
    assert [w.split()[0] for w in writes if not w.startswith("SELECT")] == ["INSERT"]
    assert not [q for q in queries if "hotline_slapolicy" in q["sql"]]
    stored = type(order).objects.get(pk=order.pk)
    assert (stored.status, stored.version, stored.lead_unit_id) == (
        Status.DISPATCHED,
        2,
        hl.xz_dept.pk,
    )
    assert stored.sla_policy_id and stored.sign_deadline and stored.reply_deadline
    assert stored.sla_check_at == order.sla_check_at is not None
    events = list(stored.events.order_by("at", "id").values_list("action", "to_status"))
    assert events == [("create", Status.RECEIVED), ("dispatch", Status.DISPATCHED)]
    audits = AuditLog.objects.filter(object_type="hotline.workorder", object_id=str(order.pk))
    by_action = {a.action: a.changes for a in audits}
    assert set(by_action) == {"hotline.order.create", "hotline.order.dispatch"}
    assert by_action["hotline.order.create"]["status"] == [None, Status.RECEIVED]
    assert by_action["hotline.order.create"]["id"] == [None, order.pk]
    assert by_action["hotline.order.dispatch"]["status"] == [Status.RECEIVED, Status.DISPATCHED]
    assert by_action["hotline.order.dispatch"]["version"] == [1, 2]


def test_a_policy_revision_applies_to_the_next_dispatch_at_once(make_order, hl):
    from yiwang.hotline.services.sla import sla_policy_revise

    first = make_order()
    policy = first.sla_policy
    sla_policy_revise(
        actor=hl.operator,
        lane=policy.lane,
        category=policy.category,
        expected_version=policy.version,
        sign_hours=policy.sign_hours + 1,
        handle_days=policy.handle_days,
        callback_days=policy.callback_days,
        yellow_ratio=policy.yellow_ratio,
        red_ratio=policy.red_ratio,
    )
    second = make_order(contact_phone="13800138007")
    assert second.sla_policy.version == policy.version + 1
    assert type(first).objects.get(pk=first.pk).sla_policy_id == policy.pk  # first keeps its own
