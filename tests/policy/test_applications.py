"""快申快享: the prefilled application (the profile values the rule reads, the materials), the
enterprise's confirmation (due in 60 working days, prefill stored, audited), the refusals
(not qualifying 422 with the failing conditions, 免申即享 409, not published 404, applied
before 409 — the unique constraint —, window closed 409), the officers' queue (overdue in
red) with approve / reject / pay, and the API's 403 / 404 / 409 / 422."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.policy.conftest import OTHER_USCC
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.notify.models import Message
from yiwang.policy import services
from yiwang.policy.choices import ApplicationStatus
from yiwang.policy.models import PolicyItem, QuickApplication
from yiwang.policy.selectors_desk import application_prefill
from yiwang.policy.services.applications import (
    application_decide,
    application_pay,
    application_submit,
)
from yiwang.worktime import facade as worktime

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"
RULE = 'holds "high_tech" and ratio(rd_spend, revenue) >= 0.05 and employees <= 500'


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def item(make_item):
    """An item the demo enterprise qualifies for (the other one does not)."""
    return make_item(RULE, title="研发投入强度奖励", materials=["研发费用专项审计报告", "承诺书"])


def _post(client, url, body=None):
    return client.post(f"{API}{url}", data=json.dumps(body or {}), content_type="application/json")


# --- the prefill ----------------------------------------------------------------------------------


def test_the_prefill_shows_the_values_the_rule_reads_and_the_materials(pol, item):
    prefill = application_prefill(actor=pol.ent_user, item_id=item.pk)
    assert prefill.eligible and prefill.application is None
    values = {f.name: f.value for f in prefill.fields}
    assert values["employees"] == "80 persons"
    assert values["revenue"] == "3000 10,000 yuan" and values["rd_spend"] == "200 10,000 yuan"
    assert "High-tech enterprise" in values["qualifications"]
    ratio = [f for f in prefill.fields if f.name.startswith("ratio:")]
    assert ratio and ratio[0].value == "6.67%"
    assert prefill.materials == ["研发费用专项审计报告", "承诺书"]
    # where each value comes from, and since when (the registry's record of the field)
    employees = next(f for f in prefill.fields if f.name == "employees")
    assert employees.source and employees.recorded_at is not None


def test_the_apply_page_prefills_and_submits(en, pol, item):
    en.force_login(pol.ent_user)
    url = f"/policy/desk/apply/{item.pk}/"
    response = en.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="employees"' in html and "80 persons" in html
    assert "研发费用专项审计报告" in html and 'data-testid="confirm-apply"' in html
    response = en.post(url, {"note": "请尽快审核"})
    assert response.status_code == 302 and "/policy/desk/applications/" in response["Location"]
    application = QuickApplication.objects.get(item=item, enterprise_id=pol.demo.pk)
    assert application.note == "请尽快审核"
    html = en.get("/policy/desk/applications/").content.decode()
    assert f'data-application="{application.pk}"' in html
    # applying again: refused, the page says why
    response = en.post(url, {"note": ""})
    assert response.status_code == 409
    assert QuickApplication.objects.filter(item=item).count() == 1


def test_submit_stores_the_application_due_in_60_working_days(pol, item):
    application = application_submit(actor=pol.ent_user, item_id=item.pk, note="")
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.version == item.version and application.confirmed_by == pol.ent_user
    due = worktime.add_working_days(application.submitted_at, 60).deadline
    assert application.due_at == due
    assert application.due_at - application.submitted_at > dt.timedelta(days=80)
    names = [f["name"] for f in application.prefill["fields"]]
    assert "employees" in names and "qualifications" in names
    assert application.prefill["materials"] == ["研发费用专项审计报告", "承诺书"]
    assert AuditLog.objects.filter(
        action="policy.application.submit", object_id=str(application.pk)
    ).exists()


# --- refusals -------------------------------------------------------------------------------------


def test_not_qualifying_is_422_with_the_failing_conditions(pol, item):
    with pytest.raises(InvalidInput) as exc:
        application_submit(actor=pol.other_user, item_id=item.pk)
    assert exc.value.code == "policy.not_qualified"
    messages = " ".join(e["message"] for e in exc.value.errors)
    assert "High-tech enterprise" in messages and "R&D spend" in messages
    assert not QuickApplication.objects.exists()


def test_a_exempt_item_is_409(pol, make_item):
    exempt = make_item('holds "high_tech"', title="免申即享奖励", exempt_application=True)
    with pytest.raises(Conflict) as exc:
        application_submit(actor=pol.ent_user, item_id=exempt.pk)
    assert exc.value.code == "policy.exempt_item"


def test_an_item_that_is_not_published_is_404(pol, item, make_item):
    draft = make_item(RULE, publish=False, title="草稿事项")
    with pytest.raises(NotFound):
        application_submit(actor=pol.ent_user, item_id=draft.pk)
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    with pytest.raises(NotFound):
        application_submit(actor=pol.ent_user, item_id=item.pk)
    with pytest.raises(NotFound):
        application_submit(actor=pol.ent_user, item_id=999999)


def test_applied_before_is_409_and_the_database_refuses_a_second_row(pol, item):
    first = application_submit(actor=pol.ent_user, item_id=item.pk)
    with pytest.raises(Conflict) as exc:
        application_submit(actor=pol.ent_user, item_id=item.pk)
    assert exc.value.code == "policy.applied_before"
    with pytest.raises(IntegrityError), transaction.atomic():
        QuickApplication.objects.create(
            item=item,
            enterprise_id=pol.demo.pk,
            version=item.version,
            submitted_at=first.submitted_at,
            due_at=first.due_at,
        )


def test_a_closed_window_is_409(pol, item):
    PolicyItem.objects.filter(pk=item.pk).update(
        window_start=pol.today - dt.timedelta(days=30), window_end=pol.today - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict) as exc:
        application_submit(actor=pol.ent_user, item_id=item.pk)
    assert exc.value.code == "policy.window_closed"


def test_another_enterprise_and_staff(pol, item):
    with pytest.raises(NotFound):
        application_submit(actor=pol.ent_user, item_id=item.pk, uscc=OTHER_USCC)
    with pytest.raises(Forbidden):
        application_submit(actor=pol.officer, item_id=item.pk)


@pytest.mark.parametrize("note", ["x" * 1001])
def test_a_too_long_note_is_422(pol, item, note):
    with pytest.raises(InvalidInput) as exc:
        application_submit(actor=pol.ent_user, item_id=item.pk, note=note)
    assert exc.value.errors[0]["field"] == "note"


def test_the_apply_page_refusals(en, pol, item, make_item):
    en.force_login(pol.other_user)
    url = f"/policy/desk/apply/{item.pk}/"
    response = en.get(url)
    assert response.status_code == 200
    assert 'data-testid="cannot-apply"' in response.content.decode()
    response = en.post(url, {"note": ""})
    assert response.status_code == 422
    assert 'data-testid="failed-conditions"' in response.content.decode()
    exempt = make_item('holds "high_tech"', title="免申即享奖励", exempt_application=True)
    en.force_login(pol.ent_user)
    assert en.get(f"/policy/desk/apply/{exempt.pk}/").status_code == 409
    draft = make_item(RULE, publish=False, title="草稿")
    assert en.get(f"/policy/desk/apply/{draft.pk}/").status_code == 404
    assert en.get(f"{url}?uscc={OTHER_USCC}").status_code == 404
    en.force_login(pol.officer)
    assert en.get(url).status_code == 403


# --- officers -------------------------------------------------------------------------------------


@pytest.fixture
def submitted(pol, item):
    return application_submit(actor=pol.ent_user, item_id=item.pk, note="")


@pytest.fixture
def overdue(pol, make_item):
    """An application submitted long ago by the demo enterprise, past its due date."""
    old = make_item("employees > 1", title="稳岗补贴", amount_cap="5")
    application = application_submit(actor=pol.ent_user, item_id=old.pk)
    past = timezone.now() - dt.timedelta(days=120)
    QuickApplication.objects.filter(pk=application.pk).update(
        submitted_at=past, due_at=worktime.add_working_days(past, 60).deadline
    )
    return application


def test_the_queue_shows_the_scope_with_overdue_in_red(en, pol, submitted, overdue):
    en.force_login(pol.officer)
    response = en.get("/policy/manage/applications/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["a"].pk for r in rows] == [overdue.pk, submitted.pk]  # earliest due first
    assert [r["overdue"] for r in rows] == [True, False]
    html = response.content.decode()
    assert f'data-application="{overdue.pk}" data-overdue="true" class="table-danger"' in html
    assert response.context["overdue_count"] == 1
    only = en.get("/policy/manage/applications/?overdue=on").context["rows"]
    assert [r["a"].pk for r in only] == [overdue.pk]
    en.force_login(pol.other_officer)
    assert en.get("/policy/manage/applications/").context["rows"] == []
    en.force_login(pol.ent_user)
    assert en.get("/policy/manage/applications/").status_code == 403


def test_decide_and_pay(pol, submitted, django_capture_on_commit_callbacks):
    with pytest.raises(InvalidInput) as exc:
        application_decide(
            actor=pol.officer, application_id=submitted.pk, approve=True, amount="31"
        )
    assert exc.value.code == "policy.amount_over_cap"
    with pytest.raises(InvalidInput):
        application_decide(actor=pol.officer, application_id=submitted.pk, approve=True)
    with pytest.raises(Conflict):
        application_pay(actor=pol.officer, application_id=submitted.pk)
    with django_capture_on_commit_callbacks(execute=True):
        approved = application_decide(
            actor=pol.officer, application_id=submitted.pk, approve=True, amount="30"
        )
    assert approved.status == ApplicationStatus.APPROVED and approved.amount == Decimal("30")
    assert approved.decided_by == pol.officer and approved.decided_at is not None
    assert Message.objects.filter(
        recipient=pol.ent_user, template_code="policy.application_approved", channel="inbox"
    ).exists()
    with pytest.raises(Conflict):
        application_decide(
            actor=pol.officer, application_id=submitted.pk, approve=False, reason="重复"
        )
    with django_capture_on_commit_callbacks(execute=True):
        paid = application_pay(actor=pol.officer, application_id=submitted.pk)
    assert paid.status == ApplicationStatus.PAID and paid.paid_at is not None
    assert Message.objects.filter(template_code="policy.application_paid").exists()
    actions = set(
        AuditLog.objects.filter(object_id=str(submitted.pk)).values_list("action", flat=True)
    )
    assert {"policy.application.approve", "policy.application.pay"} <= actions


def test_reject_needs_a_reason(pol, submitted):
    with pytest.raises(InvalidInput) as exc:
        application_decide(actor=pol.officer, application_id=submitted.pk, approve=False)
    assert exc.value.errors[0]["field"] == "reason"
    rejected = application_decide(
        actor=pol.officer, application_id=submitted.pk, approve=False, reason="材料不全"
    )
    assert rejected.status == ApplicationStatus.REJECTED and rejected.reason == "材料不全"
    with pytest.raises(Conflict):
        application_pay(actor=pol.officer, application_id=submitted.pk)


def test_decisions_need_policy_manage_on_the_item(pol, submitted):
    with pytest.raises(Forbidden):
        application_decide(actor=pol.ent_user, application_id=submitted.pk, approve=True)
    with pytest.raises(Forbidden):
        application_decide(actor=pol.leader, application_id=submitted.pk, approve=True)
    with pytest.raises(NotFound):
        application_decide(
            actor=pol.other_officer, application_id=submitted.pk, approve=True, amount="1"
        )


def test_decide_through_the_page(en, pol, submitted):
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/manage/applications/{submitted.pk}/decide/",
        {"decision": "approve", "amount": "12.5", "revision": submitted.revision},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.APPROVED and submitted.amount == Decimal("12.5")
    en.post(f"/policy/manage/applications/{submitted.pk}/pay/")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.PAID
    en.force_login(pol.other_officer)
    assert en.post(f"/policy/manage/applications/{submitted.pk}/pay/").status_code == 404


# --- the API --------------------------------------------------------------------------------------


def test_api_prefill_and_apply(client, pol, item, make_item):
    client.force_login(pol.ent_user)
    body = client.get(f"{API}/desk/apply/{item.pk}").json()
    assert body["eligible"] and body["application"] is None
    assert {f["name"] for f in body["fields"]} >= {"employees", "qualifications"}
    response = _post(client, f"/desk/apply/{item.pk}", {"note": "API"})
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "submitted" and created["prefill"]["fields"]
    assert _post(client, f"/desk/apply/{item.pk}").status_code == 409
    listed = client.get(f"{API}/desk/applications").json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    exempt = make_item('holds "high_tech"', title="免申即享", exempt_application=True)
    assert client.get(f"{API}/desk/apply/{exempt.pk}").status_code == 409
    assert _post(client, f"/desk/apply/{exempt.pk}").status_code == 409
    draft = make_item(RULE, publish=False, title="草稿")
    assert _post(client, f"/desk/apply/{draft.pk}").status_code == 404
    assert _post(client, f"/desk/apply/{item.pk}", {"uscc": OTHER_USCC}).status_code == 404
    assert client.get(f"{API}/desk/applications?uscc={OTHER_USCC}").status_code == 404
    client.force_login(pol.other_user)
    response = _post(client, f"/desk/apply/{item.pk}")
    assert response.status_code == 422
    assert response.json()["code"] == "policy.not_qualified"
    assert response.json()["errors"]
    client.force_login(pol.officer)
    assert _post(client, f"/desk/apply/{item.pk}").status_code == 403


def test_api_queue_decide_pay(client, pol, submitted, overdue):
    client.force_login(pol.officer)
    body = client.get(f"{API}/manage/applications").json()
    assert [a["id"] for a in body["items"]] == [overdue.pk, submitted.pk]
    assert body["overdue"] == 1 and body["items"][0]["overdue"] is True
    url = f"/manage/applications/{submitted.pk}"
    response = _post(client, f"{url}/decide", {"decision": "approve", "amount": "99"})
    assert response.status_code == 422
    response = _post(client, f"{url}/decide", {"decision": "reject", "reason": ""})
    assert response.status_code == 422
    response = _post(client, f"{url}/decide", {"decision": "approve", "amount": "30"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert _post(client, f"{url}/decide", {"decision": "approve", "amount": "1"}).status_code == 409
    response = _post(client, f"{url}/pay")
    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert _post(client, f"{url}/pay").status_code == 409
    client.force_login(pol.other_officer)
    assert client.get(f"{API}/manage/applications").json()["items"] == []
    assert _post(client, f"/manage/applications/{overdue.pk}/pay").status_code == 404
    client.force_login(pol.ent_user)
    assert client.get(f"{API}/manage/applications").status_code == 403
    assert _post(client, f"/manage/applications/{overdue.pk}/pay").status_code == 403


def test_queue_query_count_does_not_grow(
    en, pol, make_item, submitted, overdue, django_assert_max_num_queries
):
    for n in range(6):
        application_submit(actor=pol.ent_user, item_id=make_item(f"employees > {n + 2}").pk)
    en.force_login(pol.officer)
    en.get("/policy/manage/applications/")  # warm-up (session, permissions)
    with django_assert_max_num_queries(14):
        response = en.get("/policy/manage/applications/")
    assert len(response.context["rows"]) == 8


def test_an_enterprise_without_a_registry_file_gets_422(client, pol, item):
    from tests.conftest import PASSWORD
    from tests.policy.conftest import uscc_for
    from yiwang.core.services.accounts import enterprise_account_create, enterprise_user_register

    account = enterprise_account_create(actor=None, uscc=uscc_for(7100), name="珠海新设有限公司")
    user = enterprise_user_register(
        enterprise=account, username="ent-new", password=PASSWORD, display_name="新企业经办人"
    )
    with pytest.raises(InvalidInput) as exc:
        application_submit(actor=user, item_id=item.pk)
    assert exc.value.code == "policy.no_registry_file"
    client.force_login(user)
    assert client.get(f"{API}/desk/apply/{item.pk}").status_code == 422
    assert client.get("/policy/desk/").status_code == 200  # the inbox says there is no file
