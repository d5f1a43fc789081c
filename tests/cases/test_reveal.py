"""显示完整信息 on a department's case page: ``POST /cases/inbox/<number>/reveal/`` shows the
applicant's full ID number and phone to a handler of the holding organisation with
``cases.reveal_pii`` — audited without the values, never cached, limited per hour — while
every other page keeps showing them masked."""

from __future__ import annotations

import json

import pytest

from tests.cases.conftest import FOOD_FORM, food_files, id_number
from yiwang.cases import services
from yiwang.cases.services import reveal
from yiwang.core.choices import AuditResult, Role
from yiwang.core.models import AuditLog

pytestmark = pytest.mark.django_db

FULL_ID = id_number(1)  # 张晓梅's
PHONE = "13800138000"


@pytest.fixture
def case(cs):
    return services.application_submit(
        actor=cs.citizen, item_id=cs.food.pk, form=FOOD_FORM, files=food_files()
    )


def _reveal(client, number, **headers):
    return client.post(f"/cases/inbox/{number}/reveal/", **headers)


def _reveals():
    return AuditLog.objects.filter(action="cases.pii_reveal").order_by("id")


def test_a_handler_of_the_holding_department_sees_the_full_values(client, cs, case):
    client.force_login(cs.handler)
    response = _reveal(client, case.number)
    assert response.status_code == 200
    html = response.content.decode()
    assert FULL_ID in html and PHONE in html and "张晓梅" in html
    assert 'data-testid="full-id-number"' in html and "<html" in html  # a page without htmx
    assert "no-store" in response["Cache-Control"]
    [row] = _reveals()
    assert row.actor_id == cs.handler.pk and row.result == AuditResult.SUCCESS
    assert row.object_type == "cases.case" and row.object_id == str(case.pk)
    assert row.changes == {"number": case.number, "fields": ["id_number", "phone"]}


def test_the_audit_row_holds_no_plain_value(client, cs, case):
    client.force_login(cs.handler)
    assert _reveal(client, case.number).status_code == 200
    [row] = _reveals()
    stored = json.dumps(
        [row.changes, row.object_repr, row.actor_label, row.object_type], ensure_ascii=False
    )
    assert FULL_ID not in stored and PHONE not in stored
    assert FULL_ID[-8:] not in stored and PHONE[-4:] not in stored


def test_htmx_gets_the_fragment(client, cs, case):
    client.force_login(cs.handler)
    response = _reveal(client, case.number, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert FULL_ID in html and PHONE in html
    assert "no-store" in response["Cache-Control"]


def test_a_legal_persons_case_reveals_the_phone_only(client, cs):
    case = services.application_submit(
        actor=cs.enterprise, item_id=cs.food.pk, form=FOOD_FORM, files=food_files()
    )
    client.force_login(cs.handler)
    html = _reveal(client, case.number).content.decode()
    assert "13900139000" in html and 'data-testid="full-id-number"' not in html
    assert _reveals().get().changes["fields"] == ["phone"]


def test_another_department_gets_404(client, cs, case):
    client.force_login(cs.dm_handler)  # a handler with the permission, of 斗门区
    assert _reveal(client, case.number).status_code == 404
    assert _reveal(client, "SQ20990101999999").status_code == 404  # no such case
    assert _reveal(client, "not-a-number").status_code == 404
    assert not _reveals().exists()


def test_a_bundle_parent_is_not_held_as_such(client, cs, make_staff):
    """The parent of a 一件事 bundle is handled through its sub-cases: 404 like its page."""
    from tests.cases.test_notifications import _bundle_files

    parent = services.bundle_submit(
        actor=cs.enterprise,
        bundle_code="LE10",
        form=FOOD_FORM,
        files=_bundle_files(),
        district_id=cs.xz.pk,
    )
    client.force_login(cs.handler)
    assert client.get(f"/cases/inbox/{parent.number}/").status_code == 404
    assert _reveal(client, parent.number).status_code == 404
    assert _reveal(client, f"{parent.number}-02").status_code == 200  # 食品经营许可 of 香洲区


def test_without_the_permission_403(client, cs, case, make_staff):
    client.force_login(cs.leader)  # holds the city's cases (sees the page) but may not reveal
    assert client.get(f"/cases/inbox/{case.number}/").status_code == 200
    assert _reveal(client, case.number).status_code == 403
    client.force_login(cs.citizen)  # the applicant: not a department page at all
    assert _reveal(client, case.number).status_code == 403
    client.force_login(make_staff(cs.xz_dept, Role.SERVICE_EDITOR))
    assert _reveal(client, case.number).status_code == 403
    assert not _reveals().exists()


def test_anonymous_is_sent_to_sign_in(client, case):
    response = _reveal(client, case.number)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not _reveals().exists()


def test_get_is_405(client, cs, case):
    client.force_login(cs.handler)
    assert client.get(f"/cases/inbox/{case.number}/reveal/").status_code == 405
    assert not _reveals().exists()


def test_the_service_refuses_like_the_page(cs, case):
    from yiwang.core.errors import Forbidden, NotFound

    with pytest.raises(Forbidden):
        reveal.case_pii_reveal(actor=cs.leader, number=case.number)
    with pytest.raises(NotFound):
        reveal.case_pii_reveal(actor=cs.dm_handler, number=case.number)
    shown = reveal.case_pii_reveal(actor=cs.handler, number=case.number)
    assert (shown.id_number, shown.phone) == (FULL_ID, PHONE)


def test_over_the_hourly_limit_429_with_a_clear_message(english_client, cs, case, monkeypatch):
    monkeypatch.setattr(reveal, "REVEAL_LIMIT", 2)
    english_client.force_login(cs.handler)
    for _ in range(2):
        assert _reveal(english_client, case.number).status_code == 200
    response = _reveal(english_client, case.number, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 429 and "no-store" in response["Cache-Control"]
    assert "2 times this hour" in html and "Try again later" in html
    assert FULL_ID not in html and PHONE not in html
    rows = list(_reveals())
    assert [r.result for r in rows] == [AuditResult.SUCCESS] * 2 + [AuditResult.FAILURE]
    assert rows[-1].changes["refused"] == "rate_limited"
    # the limit is per user: another handler of the department still may
    from yiwang.core.services.accounts import staff_user_create

    colleague = staff_user_create(
        actor=None,
        username="xz-colleague",
        display_name="同事",
        organisation=cs.xz_dept,
        password="Yiwang#2026pass",
        roles=[Role.CASE_HANDLER],
    )
    english_client.force_login(colleague)
    assert _reveal(english_client, case.number).status_code == 200


def test_list_and_case_pages_stay_masked(client, cs, case):
    client.force_login(cs.handler)
    for url in ("/cases/inbox/", f"/cases/inbox/{case.number}/"):
        html = client.get(url).content.decode()
        assert FULL_ID not in html and PHONE not in html, url
    detail = client.get(f"/cases/inbox/{case.number}/").content.decode()
    assert case.id_number_masked in detail and "138****8000" in detail
    assert 'data-testid="reveal"' in detail and f"/cases/inbox/{case.number}/reveal/" in detail
    assert _reveal(client, case.number).status_code == 200
    # revealing once changes nothing on the pages afterwards
    html = client.get(f"/cases/inbox/{case.number}/").content.decode()
    assert FULL_ID not in html and PHONE not in html
    # the leader's copy of the page has no reveal button
    client.force_login(cs.leader)
    assert 'data-testid="reveal"' not in client.get(f"/cases/inbox/{case.number}/").content.decode()
