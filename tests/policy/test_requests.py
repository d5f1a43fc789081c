"""Enterprise requests (企业诉求) from the enterprise service desk: a request becomes an
enterprise-lane 12345 work order through the hotline facade; its progress (dispatch, sign-for,
reply, the centre's approval — done through the hotline's own services) shows on the desk;
every user of the enterprise sees it, another enterprise's is 404; the hotline's field errors
(empty content, bad phone) land on the form; the API (create, list, detail)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD
from tests.policy.conftest import DEMO_USCC, OTHER_USCC
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.hotline import facade as hotline
from yiwang.hotline.models import WorkOrder

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"
CONTENT = "园区东侧道路每逢降雨即严重积水，货车无法进出厂区，请尽快疏通排水管网。"


@pytest.fixture
def en(client, pol):
    type(pol.ent_user).objects.filter(pk=pol.ent_user.pk).update(mobile="13926900001")
    pol.ent_user.refresh_from_db()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(pol.ent_user)
    return client


def _post(client, **overrides):
    data = {
        "uscc": DEMO_USCC,
        "category": "help",
        "title": "道路积水",
        "content": CONTENT,
        "contact_phone": "13926900001",
        "idem": "k1",
    }
    data.update(overrides)
    return client.post("/policy/desk/requests/", data)


def _api(client, method: str, url: str, body=None):
    if method == "get":
        return client.get(f"{API}{url}")
    return client.post(f"{API}{url}", data=json.dumps(body or {}), content_type="application/json")


def _advance(pol, number: str, make_staff) -> WorkOrder:
    """The hotline handles the order through its own services: dispatch, sign, start, reply,
    and the centre approves the reply."""
    from yiwang.core.choices import Role
    from yiwang.hotline.services import work_order_dispatch
    from yiwang.hotline.services import workflow as wf

    operator = make_staff(pol.city, Role.HOTLINE_OPERATOR, username="operator12345")
    order = WorkOrder.objects.get(number=number)
    order = work_order_dispatch(
        actor=operator, order_id=order.pk, version=order.version, lead_unit_id=pol.science.pk
    )
    v = wf.work_order_sign(actor=pol.handler, order_id=order.pk, version=order.version).version
    v = wf.work_order_start(actor=pol.handler, order_id=order.pk, version=v).version
    v = wf.work_order_reply(
        actor=pol.handler, order_id=order.pk, version=v, result="已联系城管部门疏通排水管网。"
    ).version
    return wf.work_order_review(actor=operator, order_id=order.pk, version=v, approve=True)


def test_the_form_defaults_to_the_users_mobile(en):
    page = en.get("/policy/desk/requests/").content.decode()
    assert 'value="13926900001"' in page and 'data-testid="desk-tab-requests"' in page
    assert 'data-testid="no-requests"' in page


def test_a_request_becomes_an_enterprise_lane_work_order(en, pol):
    response = _post(en)
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert response["Location"] == f"/policy/desk/requests/{order.number}/"
    assert order.lane == "enterprise" and order.channel == "enterprise"
    assert order.requester_kind == "enterprise"
    assert (order.enterprise_uscc, order.enterprise_name) == (DEMO_USCC, pol.demo.name)
    assert order.owner == pol.ent_user and order.contact_phone == "13926900001"
    assert order.content == CONTENT and order.category == "help"
    assert order.sign_deadline is not None or order.status == "received"
    page = en.get(response["Location"]).content.decode()
    assert order.number in page and "Enterprise lane" in page and "Received" in page
    assert "139****0001" in page and "13926900001" not in page


def test_a_double_submission_keeps_one_order(en):
    _post(en)
    response = _post(en)
    assert response.status_code == 302 and WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("content", "", "Describe the request (content)."),
     ("content", "   ", "Describe the request (content)."),
     ("contact_phone", "12345", "Enter a mainland mobile number"),
     ("contact_phone", "", "Enter a mainland mobile number"),
     ("content", "诉" * 5001, "at most")],
)  # fmt: skip
def test_bad_input_shows_the_hotlines_field_errors(en, field, value, message):
    response = _post(en, **{field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and f'id="id_{field}_error"' in page
    assert not WorkOrder.objects.exists()


def test_progress_through_the_hotline_shows_on_the_desk(en, pol, make_staff):
    _post(en)
    number = WorkOrder.objects.get().number
    page = en.get("/policy/desk/requests/").content.decode()
    assert f'data-number="{number}"' in page and "Received, awaiting dispatch" in page
    _advance(pol, number, make_staff)
    page = en.get("/policy/desk/requests/").content.decode()
    assert "Closed, awaiting callback" in page and "Reply approved" in page
    assert "市科技创新局" in page
    detail = en.get(f"/policy/desk/requests/{number}/").content.decode()
    for label in ("Received", "Dispatched", "Signed for", "Started", "Replied", "Reply approved"):
        assert label in detail
    assert "已联系城管部门疏通排水管网。" in detail
    assert pol.handler.display_name not in detail  # no staff names on the desk
    ref = hotline.enterprise_request_detail(actor=pol.ent_user, uscc=DEMO_USCC, number=number)
    assert ref.status == "closed" and ref.lane == "enterprise" and ref.step == 5
    assert [e.label for e in ref.timeline][:2] == ["Received", "Dispatched"]


def test_a_reply_not_yet_approved_is_not_shown(en, pol, make_staff):
    from yiwang.core.choices import Role
    from yiwang.hotline.services import work_order_dispatch
    from yiwang.hotline.services import workflow as wf

    _post(en)
    order = WorkOrder.objects.get()
    operator = make_staff(pol.city, Role.HOTLINE_OPERATOR, username="op2")
    order = work_order_dispatch(
        actor=operator, order_id=order.pk, version=order.version, lead_unit_id=pol.science.pk
    )
    v = wf.work_order_sign(actor=pol.handler, order_id=order.pk, version=order.version).version
    v = wf.work_order_start(actor=pol.handler, order_id=order.pk, version=v).version
    wf.work_order_reply(actor=pol.handler, order_id=order.pk, version=v, result="草拟的答复。")
    detail = en.get(f"/policy/desk/requests/{order.number}/").content.decode()
    assert "Replied, awaiting review" in detail and "草拟的答复。" not in detail


def test_every_user_of_the_enterprise_sees_its_requests(en, pol, client):
    from yiwang.core.services.accounts import enterprise_user_register

    _post(en)
    number = WorkOrder.objects.get().number
    colleague = enterprise_user_register(
        enterprise=pol.ent_user.enterprise_memberships.get().enterprise,
        username="ent0b",
        password=PASSWORD,
        display_name="同事",
    )
    en.force_login(colleague)
    assert f'data-number="{number}"' in en.get("/policy/desk/requests/").content.decode()
    assert en.get(f"/policy/desk/requests/{number}/").status_code == 200


def test_another_enterprises_request_is_404(en, pol):
    _post(en)
    number = WorkOrder.objects.get().number
    en.force_login(pol.other_user)
    assert en.get(f"/policy/desk/requests/{number}/").status_code == 404
    assert number not in en.get("/policy/desk/requests/").content.decode()
    assert en.get(f"/policy/desk/requests/?uscc={DEMO_USCC}").status_code == 404
    assert en.get("/policy/desk/requests/ZZ20260101-000001/").status_code == 404
    with pytest.raises(NotFound):
        hotline.enterprise_request_detail(actor=pol.other_user, uscc=DEMO_USCC, number=number)
    assert hotline.enterprise_requests(actor=pol.other_user, usccs=[DEMO_USCC]) == ([], 0)


def test_requests_the_user_raised_elsewhere_for_another_enterprise_are_not_listed(en, pol):
    """An order claiming the enterprise's credit code but filed by a non-member stays out."""
    from yiwang.hotline.services import work_order_create

    work_order_create(
        actor=pol.other_user,
        channel="enterprise",
        requester_kind="enterprise",
        category="complaint",
        requester_name="他人",
        contact_phone="13800000000",
        content="冒用信用代码的诉求内容。",
        enterprise_name=pol.demo.name,
        enterprise_uscc=DEMO_USCC,
    )
    assert hotline.enterprise_requests(actor=pol.ent_user, usccs=[DEMO_USCC]) == ([], 0)


def test_the_facade_refuses_an_enterprise_the_user_does_not_act_for(pol):
    with pytest.raises(NotFound):
        hotline.enterprise_request_submit(
            actor=pol.ent_user,
            uscc=OTHER_USCC,
            enterprise_name="x",
            category="help",
            content=CONTENT,
            contact_phone="13926900001",
        )
    with pytest.raises(InvalidInput) as exc:
        hotline.enterprise_request_submit(
            actor=pol.ent_user,
            uscc=DEMO_USCC,
            enterprise_name=pol.demo.name,
            category="nonsense",
            content=CONTENT,
            contact_phone="13926900001",
        )
    assert exc.value.errors[0]["field"] == "category"
    assert not WorkOrder.objects.exists()


def test_desk_request_pages_refuse_staff_and_anonymous(client, pol):
    client.force_login(pol.officer)
    assert client.get("/policy/desk/requests/").status_code == 403
    assert client.post("/policy/desk/requests/", {"content": CONTENT}).status_code == 403
    client.logout()
    assert client.get("/policy/desk/requests/").status_code == 302
    assert not WorkOrder.objects.exists()


def test_the_list_query_count_does_not_grow(en, pol):
    for n in range(2):
        _post(en, idem=f"a{n}")
    few = _steady(en, "/policy/desk/requests/")
    assert few <= 20
    for n in range(2, 8):
        _post(en, idem=f"a{n}")
    assert _steady(en, "/policy/desk/requests/") == few
    page = en.get("/policy/desk/requests/").content.decode()
    assert page.count('data-testid="request-row"') == 8


def _steady(client, url: str) -> int:
    """The fewer queries of two warm requests (the calendar's periodic version check, a
    background ticker, may add one to either)."""
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return min(counts)


# --- API ----------------------------------------------------------------------------------------


def test_api_create_list_detail(en, pol, make_staff):
    body = {"category": "help", "content": CONTENT, "idempotency_key": "api-1"}
    response = _api(en, "post", "/desk/requests", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["lane"] == "enterprise" and created["status"] == "received"
    assert WorkOrder.objects.get().contact_phone == "13926900001"  # the user's mobile
    replay = _api(en, "post", "/desk/requests", body)
    assert replay.status_code == 200 and replay.json()["number"] == created["number"]
    listed = _api(en, "get", "/desk/requests").json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == created["number"]
    assert listed["items"][0]["last_event"]["label"] == "Received"
    _advance(pol, created["number"], make_staff)
    detail = _api(en, "get", f"/desk/requests/{created['number']}").json()
    assert detail["status"] == "closed" and detail["reply"] == "已联系城管部门疏通排水管网。"
    assert [e["label"] for e in detail["timeline"]][-1] == "Reply approved"


def test_api_bad_input_and_permissions(en, pol, client):
    response = _api(en, "post", "/desk/requests", {"category": "help", "content": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "content"
    body = {"category": "help", "content": CONTENT, "contact_phone": "12"}
    response = _api(en, "post", "/desk/requests", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_phone"
    body = {"category": "help", "content": CONTENT, "uscc": OTHER_USCC}
    assert _api(en, "post", "/desk/requests", body).status_code == 404
    assert not WorkOrder.objects.exists()
    number = _api(en, "post", "/desk/requests", {"category": "help", "content": CONTENT}).json()[
        "number"
    ]
    en.force_login(pol.other_user)
    assert _api(en, "get", f"/desk/requests/{number}").status_code == 404
    assert _api(en, "get", "/desk/requests").json() == {"items": [], "total": 0}
    assert _api(en, "get", f"/desk/requests?uscc={DEMO_USCC}").status_code == 404
    en.force_login(pol.officer)
    assert _api(en, "get", "/desk/requests").status_code == 403
    assert (
        _api(en, "post", "/desk/requests", {"category": "help", "content": CONTENT}).status_code
        == 403
    )
    en.logout()
    assert _api(en, "get", "/desk/requests").status_code == 401
