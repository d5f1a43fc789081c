"""The hotline's staff and requester pages through the Django test client: who may open what,
every form's bad input, escaping, stale versions, SLA colours, the workbench task provider."""

from __future__ import annotations

import re

import pytest

from tests.hotline.conftest import HTML, bj
from tests.portal import conftest as portal_fixtures
from tests.portal.conftest import valid_uscc
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.services import (
    knowledge_article_create,
    work_order_close,
    work_order_create,
    work_order_reply,
    work_order_review,
    work_order_sign,
)

citizen = portal_fixtures.citizen
enterprise_user = portal_fixtures.enterprise_user

STALE = "Someone else changed this order in the meantime"
NO_RULE_TEXT = "路灯不亮已经三天了，晚上出行很不方便。"


@pytest.fixture
def as_user(english_client):
    def login(user):
        english_client.force_login(user)
        return english_client

    return login


def _intake_data(**overrides):
    data = {
        "contact_phone": "13800138000",
        "requester_name": "王五",
        "category": "complaint",
        "content": NO_RULE_TEXT,
        "address": "珠海市香洲区凤凰北路1号",
        "requester_kind": "citizen",
        "idem": "",
    }
    data.update(overrides)
    return data


def _body(response) -> str:
    return response.content.decode()


def _order_count() -> int:
    return WorkOrder.objects.count()


# --- access --------------------------------------------------------------------------------


def test_each_page_renders_for_its_role(as_user, hl, make_order):
    order = make_order()
    client = as_user(hl.operator)
    for url in ("/hotline/intake/", "/hotline/board/", "/hotline/inbox/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/hotline/orders/{order.pk}/").status_code == 200
    client = as_user(hl.handler)
    assert client.get("/hotline/inbox/").status_code == 200
    assert client.get(f"/hotline/orders/{order.pk}/").status_code == 200
    client = as_user(hl.xz_leader)
    assert client.get("/hotline/inbox/").status_code == 200
    body = _body(client.get(f"/hotline/orders/{order.pk}/"))
    assert 'data-testid="actions"' not in body  # leaders read only


def test_wrong_role_gets_403_and_anonymous_is_sent_to_sign_in(
    as_user, client, hl, citizen, enterprise_user
):
    assert client.get("/hotline/intake/").status_code == 302
    assert "/accounts/login/" in client.get("/hotline/board/")["Location"]
    assert client.get("/hotline/mine/").status_code == 302
    handler = as_user(hl.handler)
    for url in ("/hotline/intake/", "/hotline/intake/assist/", "/hotline/board/", "/hotline/new/"):
        assert handler.get(url).status_code == 403, url
    leader = as_user(hl.xz_leader)
    assert leader.get("/hotline/board/").status_code == 403
    operator = as_user(hl.operator)
    assert operator.get("/hotline/new/").status_code == 403
    assert operator.get("/hotline/mine/").status_code == 403
    for public in (citizen, enterprise_user):
        c = as_user(public)
        for url in ("/hotline/intake/", "/hotline/inbox/", "/hotline/board/", "/hotline/orders/1/"):
            assert c.get(url).status_code == 403, url


def test_other_units_order_is_404_on_detail_and_actions(as_user, hl, make_order):
    order = make_order()  # 香洲 food → 香洲区市场监督管理局
    client = as_user(hl.dm_handler)
    assert client.get(f"/hotline/orders/{order.pk}/").status_code == 404
    response = client.post(
        f"/hotline/orders/{order.pk}/act/", {"action": "sign", "version": order.version}
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "dispatched"
    assert as_user(hl.operator).get("/hotline/orders/999999/").status_code == 404


def test_requester_sees_only_own_orders(as_user, hl, citizen, enterprise_user):
    mine, _ = work_order_create(
        actor=citizen,
        channel="web",
        category="consult",
        requester_name="张三",
        contact_phone="13812345678",
        content="咨询社保转移",
    )
    other = as_user(enterprise_user)
    assert other.get(f"/hotline/mine/{mine.pk}/").status_code == 404
    assert mine.number not in _body(other.get("/hotline/mine/"))
    own = as_user(citizen)
    assert own.get(f"/hotline/mine/{mine.pk}/").status_code == 200
    assert mine.number in _body(own.get("/hotline/mine/"))


def test_workbench_navigation_and_task_provider(as_user, hl, make_order):
    make_order()
    body = _body(as_user(hl.handler).get("/workbench/"))
    assert "/hotline/inbox/" in body and "/hotline/intake/" not in body
    assert "1 order to sign for" in body
    body = _body(as_user(hl.operator).get("/workbench/"))
    for url in ("/hotline/intake/", "/hotline/board/", "/hotline/inbox/"):
        assert url in body


# --- intake ----------------------------------------------------------------------------------


def test_intake_screen_is_keyboard_first(as_user, hl):
    body = _body(as_user(hl.operator).get("/hotline/intake/"))
    assert re.search(r'name="contact_phone"[^>]*autofocus', body)
    order = [body.index(f'name="{n}"') for n in ("contact_phone", "requester_name", "category")]
    order += [body.index(f'name="{n}"') for n in ("content", "address")]
    assert order == sorted(order)
    assert 'data-testid="shortcut-hint"' in body and "Alt</kbd>+<kbd>S" in body
    assert "hotline/workbench.js" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_phone": "12345"}, "contact_phone", "mainland mobile number"),
        ({"contact_phone": ""}, "contact_phone", "This field is required"),
        ({"content": "   "}, "content", "This field is required"),
        ({"requester_name": ""}, "requester_name", "This field is required"),
        ({"category": "gossip"}, "category", "Select a valid choice"),
        (
            {"requester_kind": "enterprise", "enterprise_name": "某公司", "enterprise_uscc": "X"},
            "enterprise_uscc",
            "",
        ),
        ({"requester_kind": "enterprise", "enterprise_uscc": ""}, "enterprise_name", "name"),
        ({"emergency": "on", "transferred_to": ""}, "transferred_to", "110"),
        ({"exclusion_reason": "aliens"}, "exclusion_reason", "Select a valid choice"),
        ({"content": "长" * 5001}, "content", "5000"),
    ],
)
def test_intake_bad_input_is_shown_next_to_the_field(as_user, hl, overrides, field, message):
    before = _order_count()
    response = as_user(hl.operator).post("/hotline/intake/", _intake_data(**overrides))
    assert response.status_code == 200
    body = _body(response)
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert _order_count() == before


def test_intake_with_confirmed_suggestion_dispatches_to_that_unit(as_user, hl):
    client = as_user(hl.operator)
    response = client.post(
        "/hotline/intake/", _intake_data(dispatch_unit_id=str(hl.housing.pk), idem="k1")
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.status == "dispatched" and order.lead_unit_id == hl.housing.pk
    assert order.channel == "phone"
    page = _body(client.get(response["Location"]))
    assert order.number in page and 'data-testid="intake-created"' in page
    # a double submit with the same form key registers nothing new
    again = client.post(
        "/hotline/intake/", _intake_data(dispatch_unit_id=str(hl.housing.pk), idem="k1")
    )
    assert again.status_code == 302 and _order_count() == 1


def test_intake_unknown_unit_is_a_form_error(as_user, hl):
    response = as_user(hl.operator).post(
        "/hotline/intake/", _intake_data(dispatch_unit_id="999999")
    )
    assert response.status_code == 200
    assert "Choose a unit of this city." in _body(response)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dispatch_unit_id": "abc"}, "Enter a whole number."),
        ({"article_id": "abc"}, "Enter a whole number."),
        ({"article_id": "999999"}, "article"),
    ],
)
def test_intake_bad_hidden_choices_are_shown(as_user, hl, overrides, message):
    response = as_user(hl.operator).post("/hotline/intake/", _intake_data(**overrides))
    assert response.status_code == 200
    body = _body(response)
    assert 'data-testid="form-errors"' in body or "is-invalid" in body
    assert message in body
    assert _order_count() == 0


def test_intake_without_confirmation_uses_the_catalogue(as_user, hl):
    as_user(hl.operator).post(
        "/hotline/intake/", _intake_data(content="小区物业乱收费，请查处。", idem="k2")
    )
    assert WorkOrder.objects.get().lead_unit_id == hl.housing.pk


def test_intake_emergency_and_exclusion(as_user, hl):
    client = as_user(hl.operator)
    client.post("/hotline/intake/", _intake_data(emergency="on", transferred_to="119", idem="e"))
    client.post("/hotline/intake/", _intake_data(exclusion_reason="court", idem="x"))
    statuses = sorted(WorkOrder.objects.values_list("status", flat=True))
    assert statuses == ["refused", "transferred"]


def test_direct_answer_from_an_article(as_user, hl):
    article = knowledge_article_create(
        actor=None,
        city_id=hl.city.pk,
        title="社保卡补办",
        body="携带身份证到任一社保网点办理。",
        category="consult",
        keywords=["社保卡"],
    )
    client = as_user(hl.operator)
    assist = _body(
        client.get(
            "/hotline/intake/assist/", {"content": "我的社保卡丢了怎么补办", "category": "consult"}
        )
    )
    assert 'data-testid="direct-answer"' in assist and "社保卡补办" in assist
    response = client.post(
        "/hotline/intake/",
        _intake_data(content="我的社保卡丢了怎么补办", category="consult", article_id=article.pk),
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.status == "closed" and order.knowledge_article_id == article.pk
    assert "社保网点" in order.reply_text


def test_assist_panel_suggests_the_rule_unit_and_warns_of_duplicates(as_user, hl, make_order):
    first = make_order()
    body = _body(
        as_user(hl.operator).get(
            "/hotline/intake/assist/",
            {
                "content": "香洲区凤凰北路超市出售过期食品，请查处。",
                "address": "珠海市香洲区凤凰北路1号",
                "contact_phone": "13800138000",
                "category": "complaint",
            },
        )
    )
    assert 'data-testid="suggestion"' in body and hl.xz_dept.name in body
    assert 'data-testid="assist-duplicates"' in body and first.number in body
    empty = _body(as_user(hl.operator).get("/hotline/intake/assist/", {"content": ""}))
    assert 'data-testid="suggestion"' not in empty


def test_created_page_offers_merge_into_duplicate(as_user, hl, make_order):
    first = make_order()
    client = as_user(hl.operator)
    response = client.post(
        "/hotline/intake/",
        _intake_data(content="香洲区凤凰北路超市出售过期食品，请查处。", idem="dup"),
    )
    page = _body(client.get(response["Location"]))
    assert 'data-testid="duplicates"' in page and f"Merge into {first.number}" in page
    second = WorkOrder.objects.exclude(pk=first.pk).get()
    merged = client.post(
        f"/hotline/orders/{second.pk}/act/",
        {"action": "merge", "version": second.version, "parent": first.number, "next": "/x"},
    )
    assert merged.status_code == 302
    second.refresh_from_db()
    assert second.status == "merged" and second.parent_id == first.pk


def test_html_in_content_is_escaped_everywhere(as_user, hl, make_order, citizen):
    order = make_order(content=f"物业 {HTML}", title=HTML, address=HTML)
    for user, url in (
        (hl.operator, f"/hotline/orders/{order.pk}/"),
        (hl.operator, "/hotline/board/"),
        (hl.housing_handler, "/hotline/inbox/"),
    ):
        body = _body(as_user(user).get(url))
        assert "<script>alert" not in body and "<img src=x" not in body, url
    assert "&lt;script&gt;" in _body(as_user(hl.operator).get(f"/hotline/orders/{order.pk}/"))
    response = as_user(hl.operator).post("/hotline/intake/", _intake_data(contact_phone=HTML))
    assert "<script>alert" not in _body(response)
    response = as_user(citizen).post(
        "/hotline/new/",
        {
            "category": "complaint",
            "content": HTML,
            "requester_name": "张三",
            "contact_phone": "13812345678",
            "idem": "h",
        },
    )
    mine = WorkOrder.objects.get(owner=citizen)
    body = _body(as_user(citizen).get(f"/hotline/mine/{mine.pk}/"))
    assert "<script>alert" not in body and "&lt;script&gt;" in body


# --- detail and actions ----------------------------------------------------------------------


def test_unit_sees_confidential_requester_masked_centre_sees_all(as_user, hl, make_order):
    order = make_order(confidential=True)
    unit = _body(as_user(hl.handler).get(f"/hotline/orders/{order.pk}/"))
    assert "张三" not in unit and "13800138000" not in unit and "***" in unit
    centre = _body(as_user(hl.operator).get(f"/hotline/orders/{order.pk}/"))
    assert "张三" in centre and "13800138000" in centre
    plain = make_order()
    unit = _body(as_user(hl.handler).get(f"/hotline/orders/{plain.pk}/"))
    assert "138****8000" in unit and "13800138000" not in unit


def test_detail_offers_the_actions_of_role_and_status(as_user, hl, make_order):
    order = make_order()
    unit = _body(as_user(hl.handler).get(f"/hotline/orders/{order.pk}/"))
    assert 'data-testid="act-sign"' in unit and 'data-testid="act-return"' in unit
    assert 'data-testid="act-approve"' not in unit and 'data-testid="act-dispatch"' not in unit
    assert f'name="version" value="{order.version}"' in unit
    centre = _body(as_user(hl.operator).get(f"/hotline/orders/{order.pk}/"))
    assert 'data-testid="act-sign"' not in centre
    assert 'data-testid="act-dispatch"' in centre  # reassign
    assert 'data-testid="act-urge"' in centre and 'data-testid="act-merge"' in centre


def test_full_loop_through_the_action_forms(as_user, hl, make_order):
    order = make_order()
    url = f"/hotline/orders/{order.pk}/act/"
    unit = as_user(hl.handler)

    def act(client, **data):
        current = WorkOrder.objects.get(pk=order.pk)
        data.setdefault("version", current.version)
        response = client.post(url, data)
        assert response.status_code == 302
        return WorkOrder.objects.get(pk=order.pk)

    assert act(unit, action="sign").status == "signed"
    assert act(unit, action="start").status == "in_progress"
    assert act(unit, action="pause", reason="等待市民补充材料").status == "paused"
    assert act(unit, action="resume").status == "in_progress"
    current = act(unit, action="extension_request", days="2", reason="需现场核查")
    assert current.extension_pending_days == 2
    centre = as_user(hl.operator)
    assert act(centre, action="extension_approve").extension_count == 1
    unit = as_user(hl.handler)
    assert act(unit, action="reply", result="已现场查处，责令下架。").status == "replied"
    centre = as_user(hl.operator)
    assert act(centre, action="send_back", note="请补充处罚结果").status == "in_progress"
    unit = as_user(hl.handler)
    act(unit, action="reply", result="已立案处罚。")
    centre = as_user(hl.operator)
    assert act(centre, action="approve").status == "closed"
    done = act(centre, action="callback", rating="very_satisfied", solved="1")
    assert done.status == "called_back" and done.rating == "very_satisfied" and done.solved


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "reply", "result": "  "}, "Give a text of at most"),
        ({"action": "return", "reason": ""}, "Give a text of at most"),
        ({"action": "extension_request", "days": "abc", "reason": "x"}, "Enter a whole number"),
        ({"action": "extension_request", "days": "30", "reason": "x"}, "An extension is 1 to"),
        ({"action": "resume"}, "not allowed in status"),
        ({"action": "teleport"}, "Unknown action"),
        ({"action": "sign", "version": "x"}, "Enter a whole number"),
    ],
)
def test_bad_action_input_becomes_a_message(as_user, hl, make_order, data, message):
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    data = {"version": order.version, **data}
    client = as_user(hl.handler)
    response = client.post(f"/hotline/orders/{order.pk}/act/", data, follow=True)
    assert response.status_code == 200
    assert message in _body(response)
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_unit_cannot_take_centre_actions(as_user, hl, make_order):
    order = make_order()
    response = as_user(hl.handler).post(
        f"/hotline/orders/{order.pk}/act/",
        {"action": "urge", "version": order.version, "note": "快"},
        follow=True,
    )
    assert "You may not do this on a work order." in _body(response)
    assert WorkOrder.objects.get(pk=order.pk).urge_count == 0


def test_stale_version_reloads_with_a_message(as_user, hl, make_order):
    order = make_order()
    seen = order.version
    work_order_sign(actor=hl.handler, order_id=order.pk, version=seen)
    response = as_user(hl.handler).post(
        f"/hotline/orders/{order.pk}/act/", {"action": "sign", "version": seen}, follow=True
    )
    body = _body(response)
    assert STALE in body
    assert response.redirect_chain[-1][0] == f"/hotline/orders/{order.pk}/"


def test_invalid_callback_rating_and_merge_parent(as_user, hl, make_order):
    other = make_order(content=NO_RULE_TEXT)
    client = as_user(hl.operator)
    response = client.post(
        f"/hotline/orders/{other.pk}/act/",
        {"action": "merge", "version": other.version, "parent": "NOPE-1"},
        follow=True,
    )
    assert "No order with this number." in _body(response)
    closed = make_order(content="咨询一下办事时间", category="consult")
    closed = work_order_close(
        actor=hl.operator, order_id=closed.pk, version=closed.version, answer="工作日9点"
    )
    response = client.post(
        f"/hotline/orders/{closed.pk}/act/",
        {"action": "callback", "version": closed.version, "rating": "meh", "solved": "1"},
        follow=True,
    )
    assert "Unknown rating." in _body(response)
    assert WorkOrder.objects.get(pk=closed.pk).status == "closed"


# --- inbox and board ---------------------------------------------------------------------------


def test_inbox_tabs_colours_and_countdown(as_user, hl, make_order):
    late = make_order(received_at=bj(2026, 11, 2, 9, 0))  # sign-for clock long overdue
    fresh = make_order(content="香洲区凤凰北路超市的食品过期了。")
    client = as_user(hl.handler)
    body = _body(client.get("/hotline/inbox/"))
    rows = re.findall(r'<tr class="([^"]*)" data-testid="order-row" data-number="([^"]+)"', body)
    assert [number for _cls, number in rows] == [late.number, fresh.number]  # by deadline
    assert "yw-overdue" in rows[0][0]
    assert 'data-level="overdue"' in body and "overdue by" in body
    assert re.search(r'data-deadline="2026-\d\d-\d\dT', body)
    assert 'hx-trigger="every 60s"' in body
    assert 'data-testid="tab-sign"' in body and 'id="yw-countdown-fmt"' in body
    partial = client.get("/hotline/inbox/?tab=sign", HTTP_HX_REQUEST="true")
    assert _body(partial).lstrip().startswith('<div id="inbox-list"')
    work_order_sign(actor=hl.handler, order_id=fresh.pk, version=fresh.version)
    doing = _body(client.get("/hotline/inbox/?tab=doing"))
    assert fresh.number in doing and late.number not in doing
    assert _body(client.get("/hotline/inbox/?tab=nonsense")).count('data-testid="order-row"') == 1
    other = _body(as_user(hl.dm_handler).get("/hotline/inbox/"))
    assert late.number not in other and 'data-testid="inbox-empty"' in other


def test_inbox_pagination_bad_page_falls_back(as_user, hl, make_order):
    make_order()
    response = as_user(hl.handler).get("/hotline/inbox/?page=abc")
    assert response.status_code == 200
    response = as_user(hl.handler).get("/hotline/inbox/?page=999")
    assert response.status_code == 200


def test_board_lists_queues_and_urges_overdue(as_user, hl, make_order):
    late = make_order(received_at=bj(2026, 11, 2, 9, 0))
    waiting = make_order(content=NO_RULE_TEXT)
    replied = make_order(content="香洲区凤凰北路超市的食品过期了。")
    replied = work_order_sign(actor=hl.handler, order_id=replied.pk, version=replied.version)
    replied = work_order_reply(
        actor=hl.handler, order_id=replied.pk, version=replied.version, result="已处理"
    )
    client = as_user(hl.operator)
    body = _body(client.get("/hotline/board/"))
    overdue = body.split('data-testid="section-overdue"')[1].split("</section>")[0]
    assert late.number in overdue and 'data-testid="urge"' in overdue
    received = body.split('data-testid="section-received"')[1].split("</section>")[0]
    assert waiting.number in received
    replies = body.split('data-testid="section-replies"')[1].split("</section>")[0]
    assert replied.number in replies
    response = client.post(
        f"/hotline/orders/{late.pk}/act/",
        {"action": "urge", "version": late.version, "note": "请尽快", "next": "/hotline/board/"},
    )
    assert response.status_code == 302 and response["Location"] == "/hotline/board/"
    assert WorkOrder.objects.get(pk=late.pk).urge_count == 1
    evil = client.post(
        f"/hotline/orders/{late.pk}/act/",
        {"action": "urge", "version": late.version + 1, "note": "x", "next": "https://evil.test/"},
    )
    assert evil["Location"] == f"/hotline/orders/{late.pk}/"


def test_board_after_approval_shows_callback_queue(as_user, hl, make_order):
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    order = work_order_reply(
        actor=hl.handler, order_id=order.pk, version=order.version, result="好"
    )
    order = work_order_review(
        actor=hl.operator, order_id=order.pk, version=order.version, approve=True
    )
    body = _body(as_user(hl.operator).get("/hotline/board/"))
    callbacks = body.split('data-testid="section-callbacks"')[1].split("</section>")[0]
    assert order.number in callbacks


# --- citizens and enterprises -----------------------------------------------------------------


def test_citizen_files_a_request_on_the_web_lane(as_user, hl, citizen):
    client = as_user(citizen)
    form = _body(client.get("/hotline/new/"))
    assert 'value="张三"' in form  # the verified real name is proposed
    response = client.post(
        "/hotline/new/",
        {
            "category": "complaint",
            "content": "小区物业乱收费。",
            "requester_name": "张三",
            "contact_phone": "13812345678",
            "idem": "c1",
        },
    )
    order = WorkOrder.objects.get(owner=citizen)
    assert response["Location"] == f"/hotline/mine/{order.pk}/"
    assert order.channel == "web" and order.lane == "general" and order.lead_unit_id
    assert order.number in _body(client.get("/hotline/mine/"))


def test_enterprise_user_files_on_the_enterprise_lane(as_user, hl, enterprise_user):
    client = as_user(enterprise_user)
    assert 'data-testid="enterprise-lane"' in _body(client.get("/hotline/new/"))
    client.post(
        "/hotline/new/",
        {
            "category": "consult",
            "content": "企业社保缴费基数怎么调整？",
            "requester_name": "李四",
            "contact_phone": "13912345678",
            "idem": "e1",
        },
    )
    order = WorkOrder.objects.get(owner=enterprise_user)
    assert order.lane == "enterprise" and order.channel == "enterprise"
    assert order.enterprise_uscc == valid_uscc()
    assert order.requester_kind == "enterprise"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_phone": "123"}, "contact_phone"),
        ({"content": ""}, "content"),
        ({"category": "nope"}, "category"),
        ({"requester_name": ""}, "requester_name"),
        ({"content": "长" * 5001}, "content"),
    ],
)
def test_public_form_bad_input(as_user, hl, citizen, overrides, field):
    data = {
        "category": "complaint",
        "content": "路灯坏了",
        "requester_name": "张三",
        "contact_phone": "13812345678",
    }
    data.update(overrides)
    response = as_user(citizen).post("/hotline/new/", data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in _body(response)
    assert not WorkOrder.objects.filter(owner=citizen).exists()


def test_enterprise_user_without_enterprise_cannot_file(as_user, hl, enterprise_user):
    enterprise_user.enterprise_memberships.all().delete()
    response = as_user(enterprise_user).post(
        "/hotline/new/",
        {
            "category": "consult",
            "content": "x",
            "requester_name": "李四",
            "contact_phone": "13912345678",
        },
    )
    assert "not linked to an enterprise" in _body(response)
    assert not WorkOrder.objects.exists()


def test_requester_sees_reply_and_rating_form_of_a_closed_order(as_user, hl, citizen):
    order, _ = work_order_create(
        actor=citizen,
        channel="web",
        category="consult",
        requester_name="张三",
        contact_phone="13812345678",
        content="咨询办事时间",
    )
    order = work_order_close(
        actor=hl.operator, order_id=order.pk, version=order.version, answer="工作日9点至17点"
    )
    client = as_user(citizen)
    body = _body(client.get(f"/hotline/mine/{order.pk}/"))
    assert "工作日9点至17点" in body and 'data-testid="rating-form"' in body
    bad = client.post(f"/hotline/mine/{order.pk}/", {"rating": "meh", "version": order.version})
    assert bad.status_code == 200 and 'class="invalid-feedback d-block"' in _body(bad)
    response = client.post(
        f"/hotline/mine/{order.pk}/",
        {"rating": "satisfied", "solved": "1", "version": order.version},
        follow=True,
    )
    order.refresh_from_db()
    body = _body(response)
    assert order.status == "called_back" and order.rating == "satisfied" and order.solved
    assert "Thank you for your rating." in body
    # rated once: the form is gone and a second rating is refused
    again = client.post(
        f"/hotline/mine/{order.pk}/",
        {"rating": "dissatisfied", "solved": "", "version": order.version},
        follow=True,
    )
    order.refresh_from_db()
    assert order.rating == "satisfied" and "This request cannot be rated now." in _body(again)


def test_requester_cannot_rate_someone_elses_order(hl, citizen, enterprise_user):
    from yiwang.core.errors import NotFound
    from yiwang.hotline.services import work_order_callback

    order, _ = work_order_create(
        actor=citizen,
        channel="web",
        category="consult",
        requester_name="张三",
        contact_phone="13812345678",
        content="咨询办事时间",
    )
    order = work_order_close(
        actor=hl.operator, order_id=order.pk, version=order.version, answer="9点"
    )
    with pytest.raises(NotFound):
        work_order_callback(
            actor=enterprise_user,
            order_id=order.pk,
            version=order.version,
            rating="satisfied",
            solved=True,
        )


def test_rating_an_open_order_is_refused(as_user, hl, citizen):
    order, _ = work_order_create(
        actor=citizen,
        channel="web",
        category="complaint",
        requester_name="张三",
        contact_phone="13812345678",
        content="小区物业乱收费。",
    )
    response = as_user(citizen).post(
        f"/hotline/mine/{order.pk}/",
        {"rating": "satisfied", "solved": "1", "version": order.version},
        follow=True,
    )
    assert "This request cannot be rated now." in _body(response)


def _queries(client, url) -> int:
    """Queries of a page in the steady state: a first request warms what is written or cached
    once in a while (the session's sliding expiry, the shell's cached city name), so that only
    the rows on the page can make the later ones differ. The fewer of two requests counts:
    the working-time calendar checks its version when a background ticker says so
    (``worktime.registry``), one query that can land in any request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return min(counts)


def test_list_pages_do_not_grow_queries_per_row(as_user, hl, make_order):
    make_order()
    one = {
        url: _queries(as_user(hl.operator), url) for url in ("/hotline/inbox/", "/hotline/board/")
    }
    for _ in range(4):
        make_order()
    for url, count in one.items():
        assert _queries(as_user(hl.operator), url) <= count, url


def test_assist_panel_lists_the_catalogue_items_a_caller_asks_about(as_user, hl):
    # the catalogue's own search (catalog.facade), linked to the public guide
    from yiwang.catalog.data_check import load_demo
    from yiwang.catalog.services import catalogue_import

    catalogue_import(actor=None, data=load_demo())
    body = _body(
        as_user(hl.operator).get(
            "/hotline/intake/assist/",
            {"content": "我想开饭店，要办什么证？", "category": "consult"},
        )
    )
    assert 'data-testid="service-items"' in body
    assert "食品经营许可" in body and "/services/items/" in body
