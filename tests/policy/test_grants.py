"""免申即享 grants: the database prevents a double grant; the enterprise sees its own grants
(another enterprise's are 404, page and API); officers list an item's grants with filters and
totals, mark them paid one by one or in bulk with a payment reference, or revoke them —
approved → paid / revoked only (409 otherwise), audited, the enterprise notified — and the
permission cases (enterprise users 403, another department 404, leaders read only)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.policy.conftest import OTHER_USCC
from tests.policy.test_desk import make_grant
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.notify.models import Message
from yiwang.policy.choices import GrantStatus
from yiwang.policy.models import Grant
from yiwang.policy.services.grants import grant_pay, grant_revoke, grants_pay

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def exempt(make_item):
    return make_item("employees > 1", title="稳岗免申即享补贴", exempt_application=True)


@pytest.fixture
def grants(pol, exempt):
    """The exempt item's grants: the demo enterprise, the other one, and four sample
    enterprises (one already paid)."""
    from yiwang.registry.models import Enterprise

    demo = make_grant(exempt, pol.demo, amount="30")
    other = make_grant(exempt, pol.other, amount="30")
    sample = list(Enterprise.objects.filter(city_id=pol.city.pk).order_by("pk")[:4])
    more = [make_grant(exempt, e, amount="10") for e in sample[:3]]
    paid = make_grant(exempt, sample[3], amount="5", status=GrantStatus.PAID)
    return {"demo": demo, "other": other, "more": more, "paid": paid}


# --- the constraint -------------------------------------------------------------------------------


def test_a_double_grant_for_the_same_enterprise_and_item_is_refused_by_the_database(
    pol, exempt, grants
):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_grant(exempt, pol.demo, amount="1")
    assert Grant.objects.filter(item=exempt, enterprise_id=pol.demo.pk).count() == 1


# --- the enterprise's grants ----------------------------------------------------------------------


def test_the_enterprise_sees_its_own_grants(en, pol, grants):
    en.force_login(pol.ent_user)
    response = en.get("/policy/desk/grants/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-grant="{grants["demo"].pk}"' in html
    assert f'data-grant="{grants["other"].pk}"' not in html
    assert response.context["totals"].approved_count == 1


def test_another_enterprises_grants_are_404(en, client, pol, grants):
    en.force_login(pol.ent_user)
    assert en.get(f"/policy/desk/grants/?uscc={OTHER_USCC}").status_code == 404
    assert en.get(f"{API}/desk/grants?uscc={OTHER_USCC}").status_code == 404
    assert en.get(f"{API}/desk/grants/{grants['other'].pk}").status_code == 404
    body = en.get(f"{API}/desk/grants").json()
    assert [g["id"] for g in body["items"]] == [grants["demo"].pk]
    assert en.get(f"{API}/desk/grants/{grants['demo'].pk}").json()["amount"] == "30.00"


# --- paying and revoking --------------------------------------------------------------------------


def test_grant_pay_records_the_payment_audits_and_tells_the_enterprise(
    pol, grants, django_capture_on_commit_callbacks
):
    grant = grants["demo"]
    with django_capture_on_commit_callbacks(execute=True):
        paid = grant_pay(
            actor=pol.officer,
            grant_id=grant.pk,
            payment_reference="ZF2026-000123",
            revision=grant.revision,
        )
    assert paid.status == GrantStatus.PAID and paid.paid_at is not None
    assert paid.payment_reference == "ZF2026-000123" and paid.updated_by == pol.officer
    entry = AuditLog.objects.get(action="policy.grant.pay", object_id=str(grant.pk))
    assert entry.changes["status"] == ["approved", "paid"]
    assert entry.changes["payment_reference"] == ["", "ZF2026-000123"]
    notices = Message.objects.filter(
        recipient=pol.ent_user, template_code="policy.grant_paid", channel="inbox"
    )
    assert notices.count() == 1
    assert "30万元" in notices.get().body and "ZF2026-000123" in notices.get().body
    assert notices.get().link == "/policy/desk/grants/"


def test_only_approved_grants_move(pol, grants):
    with pytest.raises(Conflict):
        grant_pay(actor=pol.officer, grant_id=grants["paid"].pk, payment_reference="ZF-0001")
    with pytest.raises(Conflict):
        grant_revoke(actor=pol.officer, grant_id=grants["paid"].pk, reason="资格复核不通过")
    revoked = grant_revoke(actor=pol.officer, grant_id=grants["demo"].pk, reason="资格复核不通过")
    assert revoked.status == GrantStatus.REVOKED and revoked.note == "资格复核不通过"
    with pytest.raises(Conflict):
        grant_pay(actor=pol.officer, grant_id=grants["demo"].pk, payment_reference="ZF-0001")
    with pytest.raises(Conflict):  # a stale revision
        grant_pay(
            actor=pol.officer, grant_id=grants["other"].pk, payment_reference="ZF-0001", revision=9
        )


@pytest.mark.parametrize("reference", ["", "  ", "x" * 61])
def test_a_payment_reference_is_required(pol, grants, reference):
    with pytest.raises(InvalidInput) as exc:
        grant_pay(actor=pol.officer, grant_id=grants["demo"].pk, payment_reference=reference)
    assert exc.value.errors[0]["field"] == "payment_reference"


def test_grant_writes_need_policy_manage_on_the_item(pol, grants):
    with pytest.raises(Forbidden):
        grant_pay(actor=pol.ent_user, grant_id=grants["demo"].pk, payment_reference="ZF-0001")
    with pytest.raises(Forbidden):
        grant_pay(actor=pol.leader, grant_id=grants["demo"].pk, payment_reference="ZF-0001")
    with pytest.raises(NotFound):
        grant_pay(actor=pol.other_officer, grant_id=grants["demo"].pk, payment_reference="ZF-1")
    with pytest.raises(NotFound):
        grant_revoke(actor=pol.other_officer, grant_id=grants["demo"].pk, reason="不符合条件")
    assert Grant.objects.get(pk=grants["demo"].pk).status == GrantStatus.APPROVED


def test_grants_pay_in_bulk_all_or_nothing(pol, exempt, grants, make_item):
    ids = [g.pk for g in grants["more"]]
    with pytest.raises(Conflict):
        grants_pay(
            actor=pol.officer,
            item_id=exempt.pk,
            grant_ids=[*ids, grants["paid"].pk],
            payment_reference="PL-2026-01",
        )
    assert not Grant.objects.filter(pk__in=ids, status=GrantStatus.PAID).exists()
    other_item = make_item("employees > 3", title="另一事项", exempt_application=True)
    stray = make_grant(other_item, pol.demo)
    with pytest.raises(NotFound):
        grants_pay(
            actor=pol.officer,
            item_id=exempt.pk,
            grant_ids=[*ids, stray.pk],
            payment_reference="PL-2026-01",
        )
    with pytest.raises(InvalidInput):
        grants_pay(actor=pol.officer, item_id=exempt.pk, grant_ids=[], payment_reference="PL-1")
    paid = grants_pay(
        actor=pol.officer, item_id=exempt.pk, grant_ids=ids, payment_reference="PL-2026-01"
    )
    assert {g.pk for g in paid} == set(ids)
    assert set(Grant.objects.filter(pk__in=ids).values_list("status", "payment_reference")) == {
        ("paid", "PL-2026-01")
    }
    assert AuditLog.objects.filter(action="policy.grant.pay").count() == 3
    with pytest.raises(NotFound):
        grants_pay(
            actor=pol.other_officer, item_id=exempt.pk, grant_ids=ids, payment_reference="PL-1"
        )


# --- the officer's page ---------------------------------------------------------------------------


def test_officer_page_lists_grants_with_filters_and_totals(en, pol, exempt, grants):
    en.force_login(pol.officer)
    url = f"/policy/manage/items/{exempt.pk}/grants/"
    response = en.get(url)
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.approved_count, totals.approved_amount) == (5, Decimal("90.00"))
    assert (totals.paid_count, totals.paid_amount) == (1, Decimal("5.00"))
    assert response.context["page"].paginator.count == 6
    assert response.context["may_manage"]
    paid_only = en.get(f"{url}?status=paid")
    assert [g.pk for g in paid_only.context["page"].object_list] == [grants["paid"].pk]
    district = pol.demo.district_id
    by_district = en.get(f"{url}?district={district}")
    assert grants["demo"].pk in [g.pk for g in by_district.context["page"].object_list]
    assert all(g.enterprise.district_id == district for g in by_district.context["page"])


def test_officer_pays_and_revokes_through_the_page(en, pol, exempt, grants):
    en.force_login(pol.officer)
    url = f"/policy/manage/items/{exempt.pk}/grants/"
    response = en.post(
        f"/policy/manage/grants/{grants['demo'].pk}/pay/",
        {"payment_reference": "ZF-7788", "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    assert Grant.objects.get(pk=grants["demo"].pk).status == GrantStatus.PAID
    ids = [str(g.pk) for g in grants["more"]]
    response = en.post(
        f"/policy/manage/items/{exempt.pk}/grants/pay/",
        {"grant_ids": ids, "payment_reference": "PL-9"},
    )
    assert response.status_code == 302
    assert Grant.objects.filter(pk__in=ids, status=GrantStatus.PAID).count() == 3
    en.post(f"/policy/manage/grants/{grants['other'].pk}/revoke/", {"reason": "已注销"})
    assert Grant.objects.get(pk=grants["other"].pk).status == GrantStatus.REVOKED
    # paying a revoked grant: refused with a message, nothing changes
    response = en.post(
        f"/policy/manage/grants/{grants['other'].pk}/pay/", {"payment_reference": "ZF-1"}
    )
    assert response.status_code == 302
    assert Grant.objects.get(pk=grants["other"].pk).status == GrantStatus.REVOKED


def test_officer_pages_permissions(client, pol, exempt, grants):
    url = f"/policy/manage/items/{exempt.pk}/grants/"
    client.force_login(pol.ent_user)
    assert client.get(url).status_code == 403
    assert client.post(f"/policy/manage/grants/{grants['demo'].pk}/pay/").status_code == 403
    client.force_login(pol.other_officer)
    assert client.get(url).status_code == 404
    response = client.post(
        f"/policy/manage/grants/{grants['demo'].pk}/pay/", {"payment_reference": "ZF-1"}
    )
    assert response.status_code == 404
    client.force_login(pol.leader)
    response = client.get(url)
    assert response.status_code == 200 and not response.context["may_manage"]
    assert client.post(f"/policy/manage/grants/{grants['demo'].pk}/pay/").status_code == 403


# --- the officer's API ----------------------------------------------------------------------------


def _post(client, url, body):
    return client.post(f"{API}{url}", data=json.dumps(body), content_type="application/json")


def test_api_item_grants_pay_revoke(client, pol, exempt, grants):
    client.force_login(pol.officer)
    body = client.get(f"{API}/manage/items/{exempt.pk}/grants").json()
    assert len(body["items"]) == 6
    assert body["totals"]["approved_count"] == 5 and body["totals"]["paid_amount"] == "5.00"
    body = client.get(f"{API}/manage/items/{exempt.pk}/grants?status=paid").json()
    assert [g["id"] for g in body["items"]] == [grants["paid"].pk]
    response = _post(client, f"/manage/grants/{grants['demo'].pk}/pay", {"payment_reference": ""})
    assert response.status_code == 422
    response = _post(
        client, f"/manage/grants/{grants['demo'].pk}/pay", {"payment_reference": "ZF-2026-9"}
    )
    assert response.status_code == 200 and response.json()["status"] == "paid"
    response = _post(
        client, f"/manage/grants/{grants['demo'].pk}/pay", {"payment_reference": "ZF-2026-9"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "policy.cannot_pay"
    ids = [g.pk for g in grants["more"]]
    response = _post(
        client,
        f"/manage/items/{exempt.pk}/grants/pay",
        {"grant_ids": ids, "payment_reference": "PL-1"},
    )
    assert response.status_code == 200 and len(response.json()) == 3
    response = _post(client, f"/manage/grants/{grants['other'].pk}/revoke", {"reason": "已注销"})
    assert response.json()["status"] == "revoked"
    response = _post(client, f"/manage/grants/{grants['other'].pk}/revoke", {"reason": "已注销"})
    assert response.status_code == 409


def test_api_officer_permissions(client, pol, exempt, grants):
    client.force_login(pol.ent_user)
    assert client.get(f"{API}/manage/items/{exempt.pk}/grants").status_code == 403
    pay = {"payment_reference": "ZF-1"}
    assert _post(client, f"/manage/grants/{grants['demo'].pk}/pay", pay).status_code == 403
    client.force_login(pol.other_officer)
    assert client.get(f"{API}/manage/items/{exempt.pk}/grants").status_code == 404
    assert _post(client, f"/manage/grants/{grants['demo'].pk}/pay", pay).status_code == 404
    body = {"grant_ids": [grants["demo"].pk], "payment_reference": "PL-1"}
    assert _post(client, f"/manage/items/{exempt.pk}/grants/pay", body).status_code == 404


# --- the demo seed --------------------------------------------------------------------------------


def test_the_desk_seed_pays_60_percent_and_creates_applications_idempotently(
    pol, exempt, grants, make_item
):
    import random

    from django.utils import timezone

    from tests.policy.test_desk import make_push
    from yiwang.core.seed import _discover
    from yiwang.policy.models import QuickApplication
    from yiwang.policy.seed_desk import pay_grants, seed_applications

    order = {s.name: s.order for s in _discover()}
    assert order["policy.desk"] == 87 > order["policy.documents"]
    plain = make_item('holds "high_tech"', title="研发奖励")
    make_push(plain, pol.demo)  # the demo enterprise qualifies and has a user
    make_push(plain, pol.other)  # pushed but no longer qualifying: skipped
    now = timezone.now()
    assert pay_grants(random.Random(1), now=now) == 3  # 6 live grants: 60% → 4 paid
    assert Grant.objects.filter(status=GrantStatus.PAID).count() == 4
    paid = Grant.objects.filter(status=GrantStatus.PAID).exclude(pk=grants["paid"].pk)
    assert all(g.payment_reference.startswith("GK") and g.paid_at <= now for g in paid)
    assert seed_applications(random.Random(1), now=now) == 1
    application = QuickApplication.objects.get()
    assert (application.item_id, application.enterprise_id) == (plain.pk, pol.demo.pk)
    assert application.confirmed_by == pol.ent_user
    assert application.prefill["fields"] and application.due_at > application.submitted_at
    assert pay_grants(random.Random(2), now=now) == 0  # a second run adds nothing
    assert seed_applications(random.Random(2), now=now) == 0


def test_officer_grants_page_query_count_does_not_grow(
    en, pol, exempt, grants, django_assert_max_num_queries
):
    from yiwang.registry.models import Enterprise

    for enterprise in Enterprise.objects.filter(city_id=pol.city.pk).order_by("pk")[10:30]:
        make_grant(exempt, enterprise, amount="3")
    en.force_login(pol.officer)
    url = f"/policy/manage/items/{exempt.pk}/grants/"
    en.get(url)  # warm-up (session, permissions)
    with django_assert_max_num_queries(16):
        response = en.get(url)
    assert len(response.context["page"].object_list) == 26
