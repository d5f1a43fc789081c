"""notify.send_many: many notifications in one go, same dedupe semantics as notify.send."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditLog
from yiwang.notify import facade as notify
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import Message

CTX = {"name": "张三", "number": "ZH-1"}


def item(recipients, channels=(Channel.INBOX,), key="k-1", code="test.hello", **kwargs):
    return notify.Outgoing(
        template_code=code,
        recipients=recipients,
        channels=list(channels),
        context=kwargs.pop("context", CTX),
        dedupe_key=key,
        **kwargs,
    )


def test_many_items_are_stored_with_one_audit_record(hello_template, citizen):
    ids = notify.send_many(
        [
            item([citizen], key="a", link="/x/"),
            item([citizen], channels=[Channel.SMS, Channel.EMAIL], key="a"),
            item([citizen], key="b", context={"name": "李四", "number": "ZH-2"}),
        ]
    )
    assert [len(x) for x in ids] == [1, 2, 1]
    inbox_a = Message.objects.get(pk=ids[0][0])
    assert inbox_a.status == MessageStatus.DELIVERED and inbox_a.link == "/x/"
    assert inbox_a.subject == "您好，张三" and inbox_a.dedupe_key == "a"
    assert Message.objects.get(pk=ids[2][0]).body == "李四，您的事项 ZH-2 已办结。"
    sms = Message.objects.get(pk=ids[1][0])
    assert sms.channel == Channel.SMS and sms.status == MessageStatus.PENDING
    [log] = AuditLog.objects.filter(action="notify.send_many")
    assert log.changes["created"] == 4 and log.changes["items"] == 3


def test_a_dedupe_key_never_notifies_twice(hello_template, citizen):
    first = notify.send_many([item([citizen], key="same")])
    assert len(first[0]) == 1
    # Again, and twice within one batch: nothing new for the same key, recipient and channel.
    again = notify.send_many([item([citizen], key="same"), item([citizen], key="same")])
    assert again == [[], []]
    # The same key on another channel, or another key, is a new message.
    other = notify.send_many(
        [item([citizen], [Channel.SMS], key="same"), item([citizen], key="other")]
    )
    assert [len(x) for x in other] == [1, 1]
    within = notify.send_many([item([citizen], key="new"), item([citizen], key="new")])
    assert [len(x) for x in within] == [1, 0]
    assert Message.objects.filter(dedupe_key="same").count() == 2
    # notify.send sees the keys send_many stored, and the other way round.
    assert (
        notify.send(
            template_code="test.hello", recipients=[citizen], context=CTX, dedupe_key="same"
        )
        == []
    )
    notify.send(template_code="test.hello", recipients=[citizen], context=CTX, dedupe_key="s2")
    assert notify.send_many([item([citizen], key="s2")]) == [[]]


def test_an_invalid_item_stores_nothing_unless_skipped(hello_template, citizen):
    items = [item([citizen], key="ok"), item([citizen], key="bad", code="test.missing")]
    with pytest.raises(InvalidInput) as exc:
        notify.send_many(items)
    assert exc.value.code == "notify.unknown_template"
    assert not Message.objects.exists()
    broken = item([citizen], key="bad2", context={"number": "ZH-3"})  # {{ name }} missing
    unusable = item(["not an address"], key="bad3")
    results = notify.send_many([*items, broken, unusable], skip_invalid=True)
    assert len(results[0]) == 1
    assert all(isinstance(r, InvalidInput) for r in results[1:])
    assert results[1].code == "notify.unknown_template"
    assert results[3].code == "notify.invalid_recipient"
    assert list(Message.objects.values_list("dedupe_key", flat=True)) == ["ok"]


def test_unknown_channel_is_rejected(hello_template, citizen):
    with pytest.raises(InvalidInput) as exc:
        notify.send_many([item([citizen], channels=["pigeon"])])
    assert exc.value.code == "notify.unknown_channel"
    assert notify.send_many([]) == []
    assert not AuditLog.objects.filter(action="notify.send_many").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_it_stores_once(hello_template, citizen):
    # No caller's transaction: the rows go in without a savepoint, with the same dedupe.
    from django.db import transaction

    assert not transaction.get_connection().in_atomic_block
    assert [len(x) for x in notify.send_many([item([citizen], [Channel.INBOX, Channel.SMS])])] == [
        2
    ]
    assert notify.send_many([item([citizen], [Channel.INBOX, Channel.SMS])]) == [[]]
    assert Message.objects.filter(dedupe_key="k-1").count() == 2
