"""Notices to the applicant (and the agent who filed for them) at each step of a case: 接件,
受理 (also deemed), 不予受理, 补正, 视为撤回, 延期, 决定, 办结 and 送达 — in the inbox (read through
``notify.facade.inbox_recent``) and by SMS through the local outbox provider; one notice per
change of a bundle's parent, nothing per sub-case; and a failing notice never undoes the
case's change."""

from __future__ import annotations

import logging

import pytest

from tests.cases.conftest import FOOD_FORM, at, food_files, id_number, jpeg, pdf
from yiwang.cases import notifications, services
from yiwang.cases.choices import CaseStatus
from yiwang.cases.models import Case
from yiwang.core.choices import Role
from yiwang.notify import facade as notify
from yiwang.notify.models import Message, SmsOutbox, Template

pytestmark = pytest.mark.django_db


def notices(user) -> list:
    """The user's inbox messages about cases, oldest first (好差评 invitations left out)."""
    return [m for m in reversed(notify.inbox_recent(user, limit=100)) if "/cases/" in m.link]


def texts() -> list[SmsOutbox]:
    return list(SmsOutbox.objects.order_by("id"))


def _submit(cs, actor=None, **kwargs) -> Case:
    return services.application_submit(
        actor=actor or cs.citizen,
        item_id=cs.food.pk,
        form=kwargs.pop("form", FOOD_FORM),
        files=food_files(),
        **kwargs,
    )


@pytest.fixture
def submitted(cs, clock, run_tasks):
    clock.set(at(2026, 11, 2, 9, 0))  # a Monday
    with run_tasks():
        return _submit(cs)


def _no_personal_data(text: str) -> None:
    assert id_number(1) not in text and "张晓梅" not in text


# --- one application, step by step ---------------------------------------------------------


def test_receipt_goes_to_the_inbox_and_by_sms_with_the_case_number(cs, submitted):
    number = submitted.number
    [notice] = notices(cs.citizen)
    assert notice.subject == f"办件 {number} 已接收"
    assert number in notice.body and "食品经营许可" in notice.body
    assert notice.link == f"/cases/mine/{number}/" and notice.link in notice.body
    assert "2026-11-09 17:30" in notice.body  # to be accepted (or corrected) by
    _no_personal_data(notice.body)
    [sms] = texts()
    assert sms.phone == "13800138000" and number in sms.text and "食品经营许可" in sms.text
    _no_personal_data(sms.text)
    # the departments hear nothing through the applicant's notices; nor does anyone else
    assert notices(cs.handler) == [] and notices(cs.other) == []


def test_acceptance(cs, submitted, clock, run_tasks):
    clock.set(at(2026, 11, 3, 10, 0))
    with run_tasks():
        case = services.case_accept(actor=cs.handler, number=submitted.number)
    _received, accepted = notices(cs.citizen)
    assert accepted.subject == f"办件 {case.number} 已受理"
    assert "2026-11-03 10:00" in accepted.body  # accepted at
    assert "2026-11-09 17:30" in accepted.body  # decision due (5 working days after receipt)
    assert [s.text for s in texts()][1].count(case.number) == 1


def test_refusal_gives_the_reason_where_to_go_and_the_remedy(cs, submitted, run_tasks):
    with run_tasks():
        services.case_refuse(
            actor=cs.handler,
            number=submitted.number,
            reason="申请事项不属于本机关职权范围",
            refer_to="珠海市交通运输局",
        )
    refused = notices(cs.citizen)[-1]
    assert refused.subject == f"办件 {submitted.number} 不予受理"
    assert "申请事项不属于本机关职权范围" in refused.body
    assert "请向珠海市交通运输局提出申请" in refused.body
    assert "行政复议" in refused.body
    sms = texts()[-1].text
    assert "不予受理" in sms and "职权范围" not in sms  # reasons stay off SMS


def test_correction_lists_every_correction_and_the_date_to_resubmit_by(
    cs, submitted, clock, run_tasks
):
    clock.set(at(2026, 11, 3, 10, 0))
    with run_tasks():
        case = services.case_request_correction(
            actor=cs.handler,
            number=submitted.number,
            items=[
                {"material": "M03", "reason": "申请书未签字"},
                {"material": "M04", "reason": "布局图不清晰"},
                {"reason": "经营场所地址与证明不一致"},
            ],
            note="请一并提交",
        )
    names = {s["code"]: s["name"] for s in case.slots}
    notice = notices(cs.citizen)[-1]
    assert notice.subject == f"办件 {case.number} 需要补正材料"
    assert f"1. {names['M03']}：申请书未签字" in notice.body
    assert f"2. {names['M04']}：布局图不清晰" in notice.body
    assert "3. 经营场所地址与证明不一致" in notice.body
    assert "说明：请一并提交" in notice.body
    assert "2026-12-01 17:30" in notice.body  # 20 working days
    sms = texts()[-1].text
    assert "2026-12-01 17:30" in sms and "申请书未签字" not in sms
    # the applicant's own resubmission is not notified back to them
    with run_tasks():
        services.case_resubmit(
            actor=cs.citizen, number=case.number, files={"M03": pdf(), "M04": pdf()}
        )
    assert len(notices(cs.citizen)) == 2


def test_extension_gives_the_new_deadline_and_the_reason(cs, submitted, clock, run_tasks):
    clock.set(at(2026, 11, 3, 10, 0))
    services.case_accept(actor=cs.handler, number=submitted.number)
    with run_tasks():
        case = services.case_extend(
            actor=cs.handler,
            number=submitted.number,
            reason="需要现场核查经营场所",
            approver="局长 陈某",
        )
    _received, extended = notices(cs.citizen)  # the acceptance ran outside run_tasks: no notice
    assert extended.subject == f"办件 {case.number} 办理时限已延长"
    assert "延长 10 日" in extended.body and "需要现场核查经营场所" in extended.body
    assert "2026-11-09 17:30" in extended.body  # before
    assert "2026-11-23 17:30" in extended.body  # after: +10 working days
    assert "陈某" not in extended.body  # the approver is the authority's head, not named
    sms = texts()[-1]
    assert len(texts()) == 2 and "2026-11-23 17:30" in sms.text and "现场核查" not in sms.text


def test_denial_gives_the_reasons_and_the_remedy(cs, submitted, run_tasks):
    services.case_accept(actor=cs.handler, number=submitted.number)
    with run_tasks():
        services.case_decide(
            actor=cs.handler,
            number=submitted.number,
            decision="deny",
            reasons="经营场所与居住场所未有效隔离",
        )
    _received, decided = notices(cs.citizen)
    assert decided.subject == f"办件 {submitted.number} 已作出决定"
    assert "结果：不予（理由：经营场所与居住场所未有效隔离）" in decided.body
    assert "行政复议" in decided.body
    with run_tasks():
        services.case_complete(actor=cs.handler, number=submitted.number)
    completed = notices(cs.citizen)[-1]
    assert completed.subject == f"办件 {submitted.number} 已办结"
    assert "领取方式" not in completed.body  # nothing to collect after a denial


def test_approval_completion_says_how_to_get_the_result_then_delivery(
    cs, submitted, clock, run_tasks
):
    clock.set(at(2026, 11, 3, 10, 0))
    services.case_accept(actor=cs.handler, number=submitted.number)
    with run_tasks():
        services.case_decide(actor=cs.handler, number=submitted.number, decision="approve")
        services.case_complete(actor=cs.handler, number=submitted.number)
    _received, decided, completed = notices(cs.citizen)
    assert "已作出决定：\n结果：准予" in decided.body and "行政复议" not in decided.body
    result = cs.food.current.result.get("name")
    places = [p if isinstance(p, str) else p["name"] for p in cs.food.current.places]
    assert result and places
    assert f"审批结果：{result}" in completed.body
    assert f"可到{'、'.join(places)}窗口领取“{result}”" in completed.body
    assert "邮寄送达或电子证照" in completed.body
    assert "2026-11-17 17:30" in completed.body  # deliver by: 10 working days after 3 Nov
    with run_tasks():
        services.case_deliver(actor=cs.handler, number=submitted.number, method="mail")
    delivered = notices(cs.citizen)[-1]
    assert delivered.subject == f"办件 {submitted.number} 审批结果已送达"
    assert "送达方式：邮寄送达" in delivered.body
    # one SMS per notice, all to the application's mobile, none with personal data
    sms = texts()
    assert len(sms) == 4 and {s.phone for s in sms} == {"13800138000"}
    for s in sms:
        _no_personal_data(s.text)
        assert submitted.number in s.text and len(s.text) <= 140  # two SMS segments at most


def test_an_illegal_action_notifies_no_one(cs, submitted, run_tasks):
    from yiwang.core.errors import Conflict

    with run_tasks(), pytest.raises(Conflict):
        services.case_complete(actor=cs.handler, number=submitted.number)
    assert len(notices(cs.citizen)) == 1 and len(texts()) == 1


# --- who gets it --------------------------------------------------------------------------


def test_an_agent_and_the_applicant_both_get_the_notices(cs, clock, run_tasks):
    clock.set(at(2026, 11, 2, 9, 0))
    with run_tasks():
        case = _submit(cs, actor=cs.handler, applicant_id=cs.citizen.pk)
        services.case_accept(actor=cs.handler, number=case.number)
    for user in (cs.citizen, cs.handler):
        subjects = [n.subject for n in notices(user)]
        assert subjects == [f"办件 {case.number} 已接收", f"办件 {case.number} 已受理"]
    assert [s.phone for s in texts()] == ["13800138000", "13800138000"]  # the applicant only


def test_no_sms_without_a_mobile_number(cs, clock, run_tasks):
    clock.set(at(2026, 11, 2, 9, 0))
    with run_tasks():
        case = _submit(cs, actor=cs.other, form={**FOOD_FORM, "phone": "0756-2212345"})
    assert case.phone == "0756-2212345"  # a landline; the account has no mobile either
    assert len(notices(cs.other)) == 1 and texts() == []
    assert not Message.objects.filter(channel="sms").exists()


def test_sms_goes_to_the_applications_mobile_before_the_accounts(cs, clock, run_tasks):
    clock.set(at(2026, 11, 2, 9, 0))
    with run_tasks():
        _submit(cs, form={**FOOD_FORM, "phone": "139 0000 1111"})
    assert [s.phone for s in texts()] == ["13900001111"]


# --- the clock sweep ----------------------------------------------------------------------


def test_deemed_acceptance_and_lapse_are_notified(cs, clock, run_tasks):
    clock.set(at(2026, 11, 2, 9, 0))
    first = _submit(cs)
    second = _submit(cs)
    services.case_request_correction(
        actor=cs.handler, number=second.number, items=[{"reason": "补充说明"}]
    )
    with run_tasks():
        services.case_sweep(now=at(2026, 11, 9, 18, 0))  # the acceptance limit passed
    [accepted] = notices(cs.citizen)
    assert accepted.subject == f"办件 {first.number} 已受理"
    assert "2026-11-02 09:00" in accepted.body  # accepted as of receipt
    with run_tasks():
        services.case_sweep(now=at(2026, 12, 2, 9, 0))  # the correction deadline passed
    lapsed = notices(cs.citizen)[-1]
    assert Case.objects.get(pk=second.pk).status == CaseStatus.WITHDRAWN
    assert lapsed.subject == f"办件 {second.number} 因逾期未补正视为撤回"
    assert "2026-11-30 17:30" in lapsed.body  # the deadline that passed
    with run_tasks():
        services.case_sweep(now=at(2026, 12, 3, 9, 0))
    assert len(notices(cs.citizen)) == 2  # nothing new


# --- a bundle: one notice per change of the parent ------------------------------------------


def _bundle_files():
    from yiwang.cases import slots
    from yiwang.catalog import facade as catalog

    bundle = catalog.bundle_get(code="LE10")
    items = [catalog.published_items_of_basic(basic_code=c)[0] for c in bundle.item_codes]
    return {
        s.code: (jpeg(f"{s.code}.jpg") if s.shared else pdf(f"{s.code}.pdf"))
        for s in slots.bundle_slots(bundle.shared_materials, [i.materials for i in items])
        if s.required
    }


def test_bundle_notices_are_of_the_parent_only(cs, clock, run_tasks, make_staff):
    city_handler = make_staff(cs.city, Role.CASE_HANDLER, username="city-handler")
    clock.set(at(2026, 11, 2, 9, 0))
    with run_tasks():
        parent = services.bundle_submit(
            actor=cs.enterprise,
            bundle_code="LE10",
            form=FOOD_FORM,
            files=_bundle_files(),
            district_id=cs.xz.pk,
        )
    subs = list(parent.sub_cases.order_by("number"))
    assert len(subs) == 5
    [received] = notices(cs.enterprise)
    assert received.subject == f"办件 {parent.number} 已接收"
    assert "开餐饮店一件事" in received.body and "市消防救援支队" in received.body

    clock.set(at(2026, 11, 3, 10, 0))
    # two departments ask for corrections, one after the other: each is told, naming its item
    for sub, reason in ((subs[0], "签名不清"), (subs[2], "平面图缺少消防通道")):
        with run_tasks():
            services.case_request_correction(
                actor=city_handler,
                number=sub.number,
                items=[{"material": "S01", "reason": reason}],
            )
    first, second = notices(cs.enterprise)[1:]
    assert first.subject == second.subject == f"办件 {parent.number} 需要补正材料"
    assert f"【{subs[0].item_name}】" in first.body and "签名不清" in first.body
    assert "平面图缺少消防通道" not in first.body
    # the second notice lists every open correction of the bundle
    assert "签名不清" in second.body and f"【{subs[2].item_name}】" in second.body

    clock.set(at(2026, 11, 4, 10, 0))
    with run_tasks():
        services.case_resubmit(actor=cs.enterprise, number=parent.number, files={"S01": jpeg()})
        for sub in subs:
            services.case_accept(actor=city_handler, number=sub.number)
        for sub in subs:
            services.case_decide(actor=city_handler, number=sub.number, decision="approve")
        for sub in subs:
            services.case_complete(actor=city_handler, number=sub.number)
        for sub in subs:
            services.case_deliver(actor=city_handler, number=sub.number, method="electronic")
    assert Case.objects.get(pk=parent.pk).status == CaseStatus.DELIVERED
    subjects = [n.subject for n in notices(cs.enterprise)]
    n = parent.number
    assert subjects == [
        f"办件 {n} 已接收",
        f"办件 {n} 需要补正材料",
        f"办件 {n} 需要补正材料",
        f"办件 {n} 已受理",
        f"办件 {n} 已作出决定",
        f"办件 {n} 已办结",
        f"办件 {n} 审批结果已送达",
    ]
    inbox = notices(cs.enterprise)
    assert all(m.link == f"/cases/mine/{n}/" for m in inbox)
    assert not any(f"{n}-0" in m.body or f"{n}-0" in m.subject for m in inbox)
    decided, completed = inbox[4], inbox[5]
    for sub in subs:  # each item's outcome in the one notice
        assert f"{sub.item_name}：准予" in decided.body
        assert f"{sub.item_name}：准予" in completed.body
    assert len(texts()) == 7 and all(n in s.text and f"{n}-0" not in s.text for s in texts())


# --- failures and repeats -------------------------------------------------------------------


def test_a_broken_template_does_not_undo_the_transition(cs, submitted, run_tasks, caplog):
    """Decision: notices are sent after the commit and a failure is logged, never raised — the
    acceptance is the legal act and stays; only its notice is missing (see the docs)."""
    Template.objects.filter(code="cases.accepted").update(body="{{ missing_variable }}")
    with caplog.at_level(logging.ERROR, logger="yiwang.cases.notifications"), run_tasks():
        case = services.case_accept(actor=cs.handler, number=submitted.number)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
    assert [n.subject for n in notices(cs.citizen)] == [f"办件 {case.number} 已接收"]
    assert "notice cases.accepted" in caplog.text and "missing_variable" in caplog.text
    # the SMS template is intact: that part of the notice still went out
    assert len(texts()) == 2 and "已受理" in texts()[-1].text


def test_a_broken_template_does_not_fail_the_department_page(
    cs, submitted, run_tasks, client, caplog
):
    Template.objects.filter(code__startswith="cases.accepted").update(body="{% if %}")
    client.force_login(cs.handler)
    with caplog.at_level(logging.ERROR), run_tasks():
        response = client.post(
            f"/cases/inbox/{submitted.number}/act/",
            {"action": "accept", "version": str(submitted.version)},
        )
    assert response.status_code == 302
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.ACCEPTED
    assert len(notices(cs.citizen)) == 1 and len(texts()) == 1


def test_sending_again_notifies_no_one_twice(cs, submitted, run_tasks):
    key = f"cases:{submitted.number}:received"
    with run_tasks():
        assert notifications.notify_case("cases.received", submitted.pk, key) is True
    assert len(notices(cs.citizen)) == 1 and len(texts()) == 1


def test_sms_templates_carry_no_free_text():
    for code, (_subject, body) in notifications.TEMPLATES.items():
        if code.endswith(".sms"):
            for name in ("reason", "reasons", "corrections", "note", "applicant", "phone"):
                assert name not in body, (code, name)
