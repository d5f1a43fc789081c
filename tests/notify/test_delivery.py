"""Email and SMS delivery through the real queue, dedupe, rate limits, retries and the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import drain_tasks
from tests.notify.conftest import set_policy
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.models import AuditLog
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import Message, SmsOutbox
from yiwang.notify.services import (
    message_deliver,
    message_resend,
    message_sweep,
    notification_send,
)
from yiwang.notify.services.delivery import REQUEUE_AFTER, STALE_SENDING_AFTER
from yiwang.notify.sms import SmsError, SmsProvider
from yiwang.notify.tasks import notify_sweep_task

CTX = {"name": "张三", "number": "ZH-1"}


def send(recipients, channels, **kwargs):
    return notification_send(
        actor=None,
        template_code="test.hello",
        context=CTX,
        recipients=recipients,
        channels=channels,
        **kwargs,
    )


def test_email_through_the_queue(hello_template, citizen, run_tasks):
    with run_tasks():
        [message] = send([citizen], [Channel.EMAIL])
        assert message.status == MessageStatus.PENDING  # stored before anything is sent
    [email] = mail.outbox
    assert email.to == ["ZhangSan@example.cn"]  # domain normalised
    assert email.subject == "您好，张三"
    assert email.body == "张三，您的事项 ZH-1 已办结。"
    assert email.extra_headers["X-Yiwang-Delivery"] == str(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1 and message.sent_at is not None
    assert message.provider_message_id.startswith(f"<notify-{message.pk}@")
    assert AuditLog.objects.filter(action="notify.message.sent", object_id=str(message.pk)).exists()


def test_sms_lands_in_the_outbox_table(hello_template, citizen, run_tasks):
    with run_tasks():
        [message] = send([citizen, "+86 139-0000-1111"], [Channel.SMS])[:1]
    rows = list(SmsOutbox.objects.order_by("id"))
    assert [r.phone for r in rows] == ["13812345678", "13900001111"]
    assert rows[0].text == "张三，您的事项 ZH-1 已办结。"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == f"outbox-{rows[0].pk}"


def test_one_send_many_channels_in_one_transaction(hello_template, citizen, run_tasks):
    with run_tasks():
        messages = send([citizen, "ops@example.cn"], [Channel.INBOX, Channel.EMAIL, Channel.SMS])
    assert sorted((m.channel, m.recipient_key) for m in messages) == [
        ("email", "addr:ops@example.cn"),
        ("email", f"user:{citizen.pk}"),
        ("inbox", f"user:{citizen.pk}"),
        ("sms", f"user:{citizen.pk}"),
    ]
    assert len(mail.outbox) == 2 and SmsOutbox.objects.count() == 1
    assert AuditLog.objects.filter(action="notify.send").count() == 1


def test_user_without_address_gets_a_failed_row_not_silence(
    hello_template, org_tree, make_staff, run_tasks
):
    clerk = make_staff(org_tree["xz_dept"])  # no email, no mobile
    with run_tasks():
        [message] = send([clerk], [Channel.EMAIL])
    assert message.status == MessageStatus.FAILED
    assert "no valid email" in message.last_error
    assert mail.outbox == []


def test_bad_addresses_are_refused(hello_template):
    with pytest.raises(InvalidInput) as exc:
        send(["not-an-address"], [Channel.EMAIL])
    assert exc.value.code == "notify.invalid_recipient"
    with pytest.raises(InvalidInput) as exc:
        send(["13812345678"], [Channel.EMAIL])  # a phone number cannot receive email
    assert exc.value.code == "notify.recipient_channel_mismatch"
    with pytest.raises(InvalidInput) as exc:
        send(["a@b.cn"], ["fax"])
    assert exc.value.code == "notify.unknown_channel"
    assert not Message.objects.exists()


def test_dedupe_key_never_notifies_twice(hello_template, citizen, run_tasks):
    with run_tasks():
        first = send([citizen], [Channel.INBOX, Channel.EMAIL], dedupe_key="case:1:done")
        again = send(
            [citizen, "x@example.cn"], [Channel.INBOX, Channel.EMAIL], dedupe_key="case:1:done"
        )
    assert len(first) == 2
    assert [m.address for m in again] == ["x@example.cn"]  # only the new recipient
    assert Message.objects.filter(recipient=citizen).count() == 2
    assert len(mail.outbox) == 2
    assert AuditLog.objects.filter(action="notify.send").first().changes["duplicates"] == 2
    # Another event (another key) does reach the citizen again.
    assert len(send([citizen], [Channel.INBOX], dedupe_key="case:2:done")) == 1


def test_dedupe_survives_a_race(hello_template, citizen):
    """Two senders that missed each other's uncommitted rows: the constraint keeps one."""
    from yiwang.notify.services.sending import _insert

    [winner] = send([citizen], [Channel.INBOX], dedupe_key="race")
    loser = Message(
        channel=Channel.INBOX,
        recipient=citizen,
        recipient_key=winner.recipient_key,
        template_code="test.hello",
        dedupe_key="race",
        status=MessageStatus.DELIVERED,
    )
    newcomer = Message(
        channel=Channel.EMAIL,
        address="y@example.cn",
        recipient_key="addr:y@example.cn",
        template_code="test.hello",
        dedupe_key="race",
    )
    created = _insert([loser, newcomer], deduplicated=True)
    assert created == [newcomer]
    assert Message.objects.filter(channel=Channel.INBOX).count() == 1


def test_a_sent_message_is_never_sent_again(hello_template, citizen, platform_admin, run_tasks):
    with run_tasks():
        [message] = send([citizen], [Channel.EMAIL])
    assert message_deliver(message_id=message.pk) == "skipped"
    with run_tasks():
        from yiwang.notify.tasks import message_deliver_task

        message_deliver_task(message.pk)  # a duplicate task
    assert len(mail.outbox) == 1
    with pytest.raises(Conflict):
        message_resend(actor=platform_admin, message=message)


def test_claim_lets_only_one_worker_send(hello_template, citizen):
    [message] = send([citizen], [Channel.EMAIL])
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now()
    )
    assert message_deliver(message_id=message.pk) == "skipped"
    assert mail.outbox == []


class FlakySms(SmsProvider):
    calls = 0

    def send(self, phone, text):
        FlakySms.calls += 1
        if FlakySms.calls < 3:
            raise SmsError("gateway busy")
        return "gw-1"


def test_failures_back_off_then_succeed(hello_template, citizen, settings):
    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_delivery.FlakySms"
    FlakySms.calls = 0
    set_policy(Channel.SMS, max_attempts=5, backoff_seconds=[60, 300])
    [message] = send([citizen], [Channel.SMS])
    now = timezone.now()
    assert message_deliver(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error == "sms: gateway busy"
    assert message.next_attempt_at == now + dt.timedelta(seconds=60)
    assert message_deliver(message_id=message.pk, now=now) == "not_due"
    later = now + dt.timedelta(seconds=61)
    assert message_deliver(message_id=message.pk, now=later) == "retry"
    message.refresh_from_db()
    assert message.next_attempt_at == later + dt.timedelta(seconds=300)
    assert message_deliver(message_id=message.pk, now=later + dt.timedelta(seconds=301)) == "sent"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 3
    assert message.last_error == "" and message.provider_message_id == "gw-1"


class BrokenSms(SmsProvider):
    def send(self, phone, text):
        raise RuntimeError("bug in the gateway client")


def test_provider_bug_counts_as_failure_not_stuck(hello_template, citizen, settings):
    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_delivery.BrokenSms"
    set_policy(Channel.SMS, max_attempts=1)
    [message] = send([citizen], [Channel.SMS])
    assert message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "RuntimeError: bug in the gateway client" in message.last_error


def test_resend_a_failed_message(hello_template, citizen, settings, platform_admin, run_tasks):
    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_delivery.BrokenSms"
    set_policy(Channel.SMS, max_attempts=1)
    [message] = send([citizen], [Channel.SMS])
    message_deliver(message_id=message.pk)
    settings.YIWANG_SMS_PROVIDER = "outbox"
    with run_tasks():
        message = message_resend(actor=platform_admin, message=Message.objects.get(pk=message.pk))
        assert message.status == MessageStatus.PENDING and message.attempts == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and SmsOutbox.objects.count() == 1
    assert AuditLog.objects.filter(action="notify.message.resend", actor=platform_admin).exists()


def test_rate_limit_defers_instead_of_dropping(hello_template):
    set_policy(Channel.SMS, max_per_minute=2)
    phones = [f"1390000000{n}" for n in range(5)]
    messages = send(phones, [Channel.SMS])
    now = timezone.now().replace(second=10, microsecond=0)
    if now < timezone.now():
        now += dt.timedelta(minutes=1)  # a window that starts after the messages were stored
    outcomes = [message_deliver(message_id=m.pk, now=now) for m in messages]
    assert outcomes == ["sent", "sent", "deferred", "deferred", "deferred"]
    assert SmsOutbox.objects.count() == 2
    deferred = Message.objects.filter(status=MessageStatus.PENDING)
    next_window = now.replace(second=0) + dt.timedelta(minutes=1)
    assert {m.next_attempt_at for m in deferred} == {next_window}
    assert {m.attempts for m in deferred} == {0}  # a deferral is not a failed attempt
    later = next_window + dt.timedelta(seconds=1)
    outcomes = [message_deliver(message_id=m.pk, now=later) for m in deferred.order_by("id")]
    assert outcomes == ["sent", "sent", "deferred"]
    final = next_window + dt.timedelta(minutes=1, seconds=1)
    assert message_deliver(message_id=messages[-1].pk, now=final) == "sent"
    assert SmsOutbox.objects.count() == 5
    assert not Message.objects.exclude(status=MessageStatus.SENT).exists()


def test_rate_limit_counts_per_channel(hello_template, citizen):
    set_policy(Channel.SMS, max_per_minute=1)
    set_policy(Channel.EMAIL, max_per_minute=1)
    messages = send([citizen], [Channel.SMS, Channel.EMAIL])
    now = timezone.now()
    assert [message_deliver(message_id=m.pk, now=now) for m in messages] == ["sent", "sent"]


def test_sweep_delivers_what_a_stopped_worker_never_ran(hello_template, citizen, run_tasks):
    # Stored and committed, but the task never ran (worker stopped, queue lost).
    messages = send([citizen], [Channel.EMAIL, Channel.SMS])
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    now = timezone.now()
    with run_tasks():
        # The queued tasks are presumed alive for a while: no duplicates flood the queue.
        assert message_sweep(now=now)["queued"] == 0
    assert mail.outbox == []
    with run_tasks():
        assert message_sweep(now=now + REQUEUE_AFTER + dt.timedelta(seconds=1)) == {
            "queued": 2,
            "reclaimed": 0,
            "failed": 0,
        }
    assert len(mail.outbox) == 1 and SmsOutbox.objects.count() == 1
    assert set(
        Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)
    ) == {MessageStatus.SENT}


def test_sweep_picks_up_retries_when_due(hello_template, citizen, settings, run_tasks):
    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_delivery.FlakySms"
    FlakySms.calls = 1  # fails once more, then works
    with run_tasks():
        [message] = send([citizen], [Channel.SMS])
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.enqueued_at is None
    with run_tasks():
        assert message_sweep()["queued"] == 0  # not due for another minute
    # Time passes: the backoff is over.
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with run_tasks():
        notify_sweep_task.call_local()  # what Huey's scheduler runs every minute
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_sweep_reclaims_a_message_stuck_in_sending(hello_template, citizen, run_tasks):
    [message] = send([citizen], [Channel.EMAIL])
    stale = timezone.now() - STALE_SENDING_AFTER - dt.timedelta(minutes=1)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=stale)
    with run_tasks():
        result = message_sweep()
    assert result["reclaimed"] == 1 and result["queued"] == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert len(mail.outbox) == 1


def test_drain_with_nothing_queued(db):
    assert drain_tasks() == 0
