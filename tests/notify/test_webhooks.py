"""Webhooks to a real local HTTP server: signed, verified, retried with backoff, then failed."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from tests.notify.conftest import set_policy
from yiwang.core.choices import AuditResult
from yiwang.core.errors import NotFound
from yiwang.core.models import AuditLog
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import Message
from yiwang.notify.services import (
    message_deliver,
    message_resend,
    notification_send,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from yiwang.notify.webhooks import sign, verify_signature

CTX = {"name": "张三", "number": "ZH-1"}


def send_webhook(**kwargs):
    return notification_send(
        actor=None, template_code="test.hello", context=CTX, channels=[Channel.WEBHOOK], **kwargs
    )


def test_signed_post_verified_by_the_receiver(hello_template, endpoint, receiver, run_tasks):
    with run_tasks():
        [message] = send_webhook(link="/cases/1/", payload={"case_id": 1})
    [request] = receiver.requests
    assert request["verified"] is True
    headers = request["headers"]
    assert headers["X-Yiwang-Event"] == "test.hello"
    assert headers["X-Yiwang-Delivery"] == str(message.pk)
    assert headers["X-Yiwang-Signature"].startswith("sha256=")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(request["body"])
    assert document["id"] == message.pk and document["event"] == "test.hello"
    assert document["subject"] == "您好，张三" and document["data"] == {"case_id": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.provider_message_id == "HTTP 200"


def test_wrong_secret_is_rejected_by_the_receiver_and_retried(
    hello_template, endpoint, receiver, run_tasks
):
    receiver.secret = "whsec_not-the-right-one"
    with run_tasks():
        [message] = send_webhook()
    assert receiver.requests[0]["verified"] is False
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.last_error == "webhook: HTTP 401 from receiver"


def test_target_that_times_out_is_retried_then_failed(
    hello_template, endpoint, receiver, run_tasks
):
    set_policy(Channel.WEBHOOK, timeout_seconds=0.3, max_attempts=3, backoff_seconds=[60, 300])
    receiver.delay = 1.5
    with run_tasks():
        [message] = send_webhook()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error == "webhook: timed out after 0.3 s"
    first_retry = message.next_attempt_at
    assert first_retry > timezone.now() + dt.timedelta(seconds=50)

    assert message_deliver(message_id=message.pk) == "not_due"
    now = first_retry + dt.timedelta(seconds=1)
    assert message_deliver(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == now + dt.timedelta(seconds=300)

    now = message.next_attempt_at + dt.timedelta(seconds=1)
    assert message_deliver(message_id=message.pk, now=now) == "failed"
    message.refresh_from_db()
    # Nothing lost: the row is still there, with the reason and every attempt counted.
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert message.last_error == "webhook: timed out after 0.3 s"
    assert message.next_attempt_at is None
    assert len(receiver.requests) == 3
    assert all(r["verified"] for r in receiver.requests)
    # Same delivery id on every attempt, so the receiver can drop duplicates.
    assert {r["headers"]["X-Yiwang-Delivery"] for r in receiver.requests} == {str(message.pk)}
    log = AuditLog.objects.get(action="notify.message.failed", object_id=str(message.pk))
    assert log.result == AuditResult.FAILURE and log.changes["attempts"] == 3
    assert message_deliver(message_id=message.pk, now=now) == "skipped"


def test_failed_webhook_is_delivered_after_resend(
    hello_template, endpoint, receiver, platform_admin, run_tasks
):
    set_policy(Channel.WEBHOOK, max_attempts=1)
    receiver.status = 503
    with run_tasks():
        [message] = send_webhook()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "webhook: HTTP 503 from receiver"
    receiver.status = 204
    with run_tasks():
        message_resend(actor=platform_admin, message=message)
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 1


def test_unreachable_target_is_retried(hello_template, org_tree, platform_admin, run_tasks):
    webhook_endpoint_create(
        actor=platform_admin,
        organisation=org_tree["city"],
        name="down",
        url="http://127.0.0.1:9/nothing-listens",
        events=["*"],
    )
    with run_tasks():
        [message] = send_webhook()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.last_error.startswith("webhook: connection failed")


def test_only_subscribed_active_endpoints_of_the_scope(
    hello_template, org_tree, platform_admin, receiver
):
    def make(org, name, events, active=True):
        return webhook_endpoint_create(
            actor=platform_admin,
            organisation=org_tree[org],
            name=name,
            url=receiver.url,
            events=events,
            is_active=active,
        )[0]

    city = make("city", "city-all", ["*"])
    xz = make("xz", "xz-hello", ["test.hello"])
    make("dm", "dm-hello", ["test.hello"])
    make("xz", "xz-other", ["other.event"])
    make("xz", "xz-off", ["*"], active=False)
    everyone = send_webhook()
    assert {m.webhook.name for m in everyone} == {"city-all", "xz-hello", "dm-hello"}
    scoped = send_webhook(organisation=org_tree["street"])  # a 拱北街道 event
    assert {m.webhook_id for m in scoped} == {city.pk, xz.pk}


def test_deactivated_endpoint_fails_without_retries(hello_template, endpoint, platform_admin):
    [message] = send_webhook()
    webhook_endpoint_update(
        actor=platform_admin,
        endpoint=endpoint,
        name=endpoint.name,
        url=endpoint.url,
        events=endpoint.events,
        is_active=False,
    )
    assert message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.attempts == 1 and "deactivated" in message.last_error


def test_secret_is_encrypted_and_rotation_is_audited(
    hello_template, endpoint, receiver, platform_admin, run_tasks
):
    assert receiver.secret.startswith("whsec_")
    assert receiver.secret not in endpoint.secret_encrypted
    receiver.secret = webhook_endpoint_rotate_secret(actor=platform_admin, endpoint=endpoint)
    with run_tasks():
        send_webhook()
    assert receiver.requests[-1]["verified"] is True
    log = AuditLog.objects.get(action="notify.webhook.rotate_secret")
    assert receiver.secret not in json.dumps(log.changes)


def test_endpoint_outside_the_admins_subtree_is_not_found(org_tree, make_staff):
    from yiwang.core.choices import Role

    district_admin = make_staff(org_tree["dm"], Role.PLATFORM_ADMIN)
    with pytest.raises(NotFound):
        webhook_endpoint_create(
            actor=district_admin,
            organisation=org_tree["xz"],
            name="x",
            url="https://example.cn/hook",
            events=["*"],
        )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.cn/x", "javascript:x"])
def test_only_http_urls(org_tree, platform_admin, url):
    from yiwang.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        webhook_endpoint_create(
            actor=platform_admin, organisation=org_tree["city"], name="x", url=url, events=["*"]
        )
    assert exc.value.errors[0]["field"] == "url"


def test_verify_signature_rules():
    body = b'{"id":1}'
    now = time.time()
    ts = str(int(now))
    good = sign("s3cret", ts, body)
    assert verify_signature(secret="s3cret", body=body, timestamp=ts, signature=good)
    assert not verify_signature(secret="s3cret", body=body + b" ", timestamp=ts, signature=good)
    assert not verify_signature(secret="other", body=body, timestamp=ts, signature=good)
    assert not verify_signature(
        secret="s3cret", body=body, timestamp=str(int(now) + 1), signature=good
    )
    old = str(int(now) - 3600)
    assert not verify_signature(
        secret="s3cret", body=body, timestamp=old, signature=sign("s3cret", old, body)
    )
    assert not verify_signature(secret="s3cret", body=body, timestamp=None, signature=good)
    assert not verify_signature(secret="s3cret", body=body, timestamp="abc", signature=good)


def test_message_rows_keep_the_url_for_the_record(hello_template, endpoint, receiver):
    [message] = send_webhook()
    assert message.address == receiver.url
    assert message.masked_address.endswith("/…") and "hooks" not in message.masked_address
    assert Message.objects.filter(webhook=endpoint).count() == 1
