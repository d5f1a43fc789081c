"""The notify API: permission cases, cursor pagination, unread filter, query counts."""

from __future__ import annotations

import pytest

from yiwang.notify.choices import Channel
from yiwang.notify.models import Message
from yiwang.notify.services import notification_send

INBOX = "/api/v1/notify/inbox"


def deliver_inbox(users, n=1):
    for i in range(n):
        notification_send(
            actor=None,
            template_code="test.hello",
            recipients=users,
            context={"name": "张三", "number": i},
            link=f"/cases/{i}/",
        )


@pytest.fixture
def clerk(org_tree, make_staff):
    return make_staff(org_tree["xz_dept"])


def test_anonymous_gets_401_problem(client, db):
    for method, path in [
        ("get", INBOX),
        ("post", f"{INBOX}/1/read"),
        ("post", f"{INBOX}/read-all"),
        ("get", "/api/v1/notify/messages"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "unauthenticated"


def test_own_inbox_with_cursor_and_unread_filter(client, hello_template, citizen, clerk):
    deliver_inbox([citizen, clerk], n=5)
    client.force_login(citizen)
    first = client.get(INBOX, {"limit": 2}).json()
    assert [i["body"] for i in first["items"]] == [
        "张三，您的事项 4 已办结。",
        "张三，您的事项 3 已办结。",
    ]
    assert first["unread_count"] == 5 and first["items"][0]["link"] == "/cases/4/"
    assert first["items"][0]["is_read"] is False
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(INBOX, {"limit": 2, "cursor": cursor}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    mine = list(
        Message.objects.filter(recipient=citizen).order_by("-id").values_list("id", flat=True)
    )
    assert seen == mine  # every own message once, nobody else's

    response = client.post(f"{INBOX}/{mine[0]}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    unread = client.get(INBOX, {"unread": "true"}).json()
    assert unread["unread_count"] == 4 and mine[0] not in [i["id"] for i in unread["items"]]
    read = client.get(INBOX, {"unread": "false"}).json()
    assert [i["id"] for i in read["items"]] == [mine[0]]


def test_other_users_message_is_404(client, hello_template, citizen, clerk):
    deliver_inbox([citizen])
    theirs = Message.objects.get(recipient=citizen)
    client.force_login(clerk)
    response = client.post(f"{INBOX}/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_missing_and_foreign_messages_answer_alike(client, hello_template, citizen, clerk):
    deliver_inbox([citizen])
    theirs = Message.objects.get(recipient=citizen)
    client.force_login(clerk)
    foreign = client.post(f"{INBOX}/{theirs.pk}/read").json()
    missing = client.post(f"{INBOX}/{theirs.pk + 1000}/read").json()
    for key in ("status", "code", "title", "detail"):
        assert foreign[key] == missing[key]


def test_read_all(client, hello_template, citizen, clerk):
    deliver_inbox([citizen, clerk], n=3)
    client.force_login(clerk)
    assert client.post(f"{INBOX}/read-all").json() == {"updated": 3}
    assert client.get(INBOX).json()["unread_count"] == 0
    client.force_login(citizen)
    assert client.get(INBOX).json()["unread_count"] == 3


def test_bad_cursor_is_422(client, citizen):
    client.force_login(citizen)
    response = client.get(INBOX, {"cursor": "!!!"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


def test_inbox_list_query_count_is_flat(
    client, hello_template, citizen, django_assert_max_num_queries
):
    deliver_inbox([citizen], n=2)
    client.force_login(citizen)
    with django_assert_max_num_queries(6) as few:
        client.get(INBOX)
    deliver_inbox([citizen], n=30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(INBOX, {"limit": 50}).json()["items"]) == 32


def test_message_status_for_administrators(client, hello_template, citizen, clerk, platform_admin):
    notification_send(
        actor=clerk,
        template_code="test.hello",
        recipients=[citizen],
        channels=[Channel.EMAIL, Channel.SMS],
        context={"name": "张三", "number": "13812345678"},
    )
    client.force_login(clerk)
    assert client.get("/api/v1/notify/messages").status_code == 403
    client.force_login(citizen)
    assert client.get("/api/v1/notify/messages").status_code == 403
    client.force_login(platform_admin)
    response = client.get("/api/v1/notify/messages", {"channel": "sms"})
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["address"] == "138****5678"  # masked
    assert item["status"] == "pending" and item["attempts"] == 0
    detail = client.get(f"/api/v1/notify/messages/{item['id']}").json()
    assert detail["channel"] == "sms"
    email = client.get("/api/v1/notify/messages", {"channel": "email"}).json()["items"][0]
    assert email["address"] == "Z***@example.cn"
    assert client.get("/api/v1/notify/messages", {"status": "bogus"}).status_code == 422


def test_message_status_scoped_to_the_subtree(
    client, hello_template, citizen, org_tree, make_staff
):
    from yiwang.core.choices import Role

    xz_clerk = make_staff(org_tree["xz_dept"])
    dm_admin = make_staff(org_tree["dm"], Role.PLATFORM_ADMIN)
    xz_admin = make_staff(org_tree["xz"], Role.PLATFORM_ADMIN)
    [message] = notification_send(
        actor=xz_clerk,
        template_code="test.hello",
        recipients=[citizen],
        channels=[Channel.EMAIL],
        context={"name": "x", "number": 1},
    )
    client.force_login(dm_admin)
    assert client.get("/api/v1/notify/messages").json()["items"] == []
    assert client.get(f"/api/v1/notify/messages/{message.pk}").status_code == 404
    client.force_login(xz_admin)
    assert client.get(f"/api/v1/notify/messages/{message.pk}").status_code == 200


def test_operations_are_documented(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    ops = {
        op["operationId"]: op
        for path in schema["paths"].values()
        for op in path.values()
        if path and isinstance(op, dict) and "operationId" in op
    }
    for op_id in (
        "notify_inbox_list",
        "notify_inbox_mark_read",
        "notify_inbox_mark_all_read",
        "notify_message_list",
        "notify_message_get",
    ):
        assert ops[op_id]["tags"] == ["notify"]
        assert ops[op_id]["summary"]
