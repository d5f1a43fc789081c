"""Admin pages of the notification app: masked lists, edits through the audited services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditLog
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import ChannelPolicy, Message, SmsOutbox, Template, WebhookEndpoint
from yiwang.notify.services import notification_send


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def test_every_changelist_masks_personal_data(admin_client_, hello_template, citizen, run_tasks):
    with run_tasks():
        notification_send(
            actor=None,
            template_code="test.hello",
            recipients=[citizen],
            channels=[Channel.INBOX, Channel.SMS, Channel.EMAIL],
            context={"name": "张三", "number": "1"},
        )
    for model in (Template, Message, SmsOutbox, WebhookEndpoint, ChannelPolicy):
        url = reverse(f"admin:notify_{model._meta.model_name}_changelist")
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "13812345678" not in html
    sms_list = admin_client_.get(reverse("admin:notify_smsoutbox_changelist")).content.decode()
    assert "138****5678" in sms_list
    message = Message.objects.get(channel=Channel.SMS)
    detail = admin_client_.get(reverse("admin:notify_message_change", args=[message.pk]))
    assert detail.status_code == 200 and "13812345678" not in detail.content.decode()


def test_template_edit_in_admin_is_versioned_and_audited(admin_client_, hello_template):
    url = reverse("admin:notify_template_change", args=[hello_template.pk])
    response = admin_client_.post(
        url, {"name": "办结", "subject": "新主题 {{ name }}", "body": "{{ name }} {{ number }}"}
    )
    assert response.status_code == 302
    hello_template.refresh_from_db()
    assert hello_template.version == 2 and hello_template.subject == "新主题 {{ name }}"
    assert AuditLog.objects.filter(action="notify.template.update").exists()
    broken = admin_client_.post(url, {"name": "x", "subject": "{% if %}", "body": "y"})
    assert broken.status_code == 200  # the form shows the syntax error
    assert "syntax" in broken.content.decode().lower()


def test_webhook_secret_shown_once_and_never_listed(admin_client_, org_tree):
    response = admin_client_.post(
        reverse("admin:notify_webhookendpoint_add"),
        {
            "organisation": org_tree["xz"].pk,
            "name": "香洲区系统",
            "url": "https://xz.example.cn/hook",
            "events_text": "test.hello, hotline.x",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["hotline.x", "test.hello"]
    assert endpoint.secret in response.content.decode()  # the one time it is shown
    listing = admin_client_.get(reverse("admin:notify_webhookendpoint_changelist"))
    assert endpoint.secret not in listing.content.decode()
    change = admin_client_.get(reverse("admin:notify_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in change.content.decode()
    assert AuditLog.objects.filter(action="notify.webhook.create").exists()


def test_channel_policy_edit_goes_through_the_service(admin_client_):
    policy = ChannelPolicy.objects.get(channel=Channel.SMS)  # created by the data migration
    url = reverse("admin:notify_channelpolicy_change", args=[policy.pk])
    response = admin_client_.post(
        url,
        {
            "max_per_minute": 10,
            "max_attempts": 3,
            "backoff_seconds": "[30, 90]",
            "timeout_seconds": 4,
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.max_per_minute, policy.backoff_seconds) == (10, [30, 90])
    log = AuditLog.objects.get(action="notify.channel_policy.update")
    assert log.changes["max_per_minute"] == [300, 10]
    bad = admin_client_.post(
        url,
        {
            "max_per_minute": 10,
            "max_attempts": 3,
            "backoff_seconds": '["soon"]',
            "timeout_seconds": 4,
        },
    )
    assert bad.status_code == 200 and "whole seconds" in bad.content.decode()


def test_resend_action(admin_client_, hello_template, citizen, settings, run_tasks):
    from tests.notify.conftest import set_policy

    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_delivery.BrokenSms"
    set_policy(Channel.SMS, max_attempts=1)
    with run_tasks():
        [failed] = notification_send(
            actor=None,
            template_code="test.hello",
            recipients=[citizen],
            channels=[Channel.SMS],
            context={"name": "x", "number": 1},
        )
    settings.YIWANG_SMS_PROVIDER = "outbox"
    with run_tasks():
        response = admin_client_.post(
            reverse("admin:notify_message_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == MessageStatus.SENT


def test_plain_staff_cannot_use_the_admin_pages(client, org_tree, make_staff):
    clerk = make_staff(org_tree["xz_dept"])
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    response = client.get(reverse("admin:notify_template_changelist"))
    assert response.status_code == 403


@pytest.fixture(autouse=True)
def _english_pages(english_client):
    """These tests assert on the English source text of admin messages."""
