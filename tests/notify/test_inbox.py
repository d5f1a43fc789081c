"""The in-app inbox of staff and citizens: delivered at once, read by the recipient only."""

from __future__ import annotations

import pytest

from yiwang.core.errors import NotFound
from yiwang.core.models import AuditLog
from yiwang.notify import facade
from yiwang.notify.choices import MessageStatus
from yiwang.notify.models import Message
from yiwang.notify.services import inbox_mark_all_read, inbox_mark_read, notification_send

CTX = {"name": "张三", "number": "ZH-1"}


def test_inbox_for_staff_and_citizen(hello_template, citizen, org_tree, make_staff, run_tasks):
    clerk = make_staff(org_tree["xz_dept"])
    with run_tasks():
        ids = facade.send(
            template_code="test.hello", recipients=[citizen, clerk], context=CTX, link="/cases/1/"
        )
    assert len(ids) == 2
    for user in (citizen, clerk):
        message = Message.objects.get(recipient=user)
        assert message.status == MessageStatus.DELIVERED
        assert message.sent_at is not None
        assert facade.inbox_unread_count(user) == 1
        [item] = facade.inbox_recent(user)
        assert item.subject == "您好，张三" and item.link == "/cases/1/" and not item.is_read


def test_send_is_audited(hello_template, citizen, platform_admin):
    [message] = notification_send(
        actor=platform_admin, template_code="test.hello", recipients=[citizen], context=CTX
    )
    log = AuditLog.objects.get(action="notify.send")
    assert log.actor == platform_admin
    assert log.changes["template"] == "test.hello"
    assert log.changes["message_ids"] == [message.pk]
    assert log.changes["by_status"] == {"inbox.delivered": 1}
    assert message.sender == platform_admin


def test_mark_read_only_by_recipient(hello_template, citizen, org_tree, make_staff):
    other = make_staff(org_tree["city_dept"])
    [message] = notification_send(
        actor=None, template_code="test.hello", recipients=[citizen], context=CTX
    )
    with pytest.raises(NotFound):
        inbox_mark_read(actor=other, message=message)
    message = inbox_mark_read(actor=citizen, message=message)
    assert message.status == MessageStatus.READ and message.read_at is not None
    assert facade.inbox_unread_count(citizen) == 0
    assert (
        AuditLog.objects.filter(
            action="notify.inbox.read", object_id=str(message.pk), actor=citizen
        ).count()
        == 1
    )
    # Reading twice is harmless and not audited again.
    first_read = message.read_at
    assert inbox_mark_read(actor=citizen, message=message).read_at == first_read
    assert AuditLog.objects.filter(action="notify.inbox.read").count() == 1


def test_mark_all_read(hello_template, citizen, org_tree, make_staff):
    clerk = make_staff(org_tree["xz_dept"])
    for n in range(3):
        notification_send(
            actor=None,
            template_code="test.hello",
            recipients=[citizen, clerk],
            context={"name": "x", "number": n},
        )
    assert inbox_mark_all_read(actor=citizen) == 3
    assert facade.inbox_unread_count(citizen) == 0
    assert facade.inbox_unread_count(clerk) == 3  # someone else's inbox is untouched
    assert inbox_mark_all_read(actor=citizen) == 0
    assert AuditLog.objects.get(action="notify.inbox.read_all").changes == {"count": 3}


def test_recent_is_newest_first_and_limited(hello_template, citizen):
    for n in range(5):
        notification_send(
            actor=None,
            template_code="test.hello",
            recipients=[citizen],
            context={"name": "x", "number": n},
        )
    items = facade.inbox_recent(citizen, limit=3)
    assert [i.body for i in items] == [f"x，您的事项 {n} 已办结。" for n in (4, 3, 2)]


def test_anonymous_has_an_empty_inbox(db):
    from django.contrib.auth.models import AnonymousUser

    assert facade.inbox_unread_count(AnonymousUser()) == 0
    assert facade.inbox_recent(AnonymousUser()) == []
