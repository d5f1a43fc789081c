"""Delivery of stored messages over email, SMS and webhooks, with retries and a sweep.

A worker claims a message with one conditional UPDATE (``pending`` → ``sending``), so two
workers holding the same id never both send it, and a message that was sent is never sent
again. The provider call runs outside any transaction. A failure puts the message back to
``pending`` with ``next_attempt_at`` moved by the channel's backoff schedule, until the
channel's maximum attempts, then ``failed`` with ``last_error``. The periodic sweep queues due
messages and reclaims attempts whose worker died; delivery is therefore at-least-once, and
receivers de-duplicate on the message id (``X-Yiwang-Delivery``, the email ``Message-ID``).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.choices import AuditResult
from yiwang.notify import webhooks
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import ChannelPolicy, Message
from yiwang.notify.ratelimit import rate_limit_take, window_end
from yiwang.notify.services.configuration import channel_policy_get
from yiwang.notify.services.sending import enqueue_delivery
from yiwang.notify.sms import SmsError, sms_provider

logger = logging.getLogger(__name__)

# Longer than any provider timeout (ChannelPolicy allows at most 120 s): a message still
# "sending" after this lost its worker.
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# A queued task not run after this is presumed lost (queue flushed, Redis restarted).
REQUEUE_AFTER = dt.timedelta(minutes=10)
SWEEP_BATCH = 1000
MAX_ERROR_LENGTH = 2000


class DeliveryError(Exception):
    """A provider did not take the message; ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _send_email(message: Message, policy: ChannelPolicy) -> tuple[str, str]:
    message_id = f"<notify-{message.pk}@{DNS_NAME}>"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        headers={"Message-ID": message_id, "X-Yiwang-Delivery": str(message.pk)},
        connection=get_connection(timeout=policy.timeout_seconds),
    )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from None
    return message_id, MessageStatus.SENT


def _send_sms(message: Message, policy: ChannelPolicy) -> tuple[str, str]:
    try:
        provider_id = sms_provider().send(message.address, message.body)
    except SmsError as exc:
        raise DeliveryError(f"sms: {exc}") from None
    return str(provider_id or ""), MessageStatus.SENT


def _send_webhook(message: Message, policy: ChannelPolicy) -> tuple[str, str]:
    endpoint = message.webhook
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("webhook: the endpoint was deactivated", permanent=True)
    document = {
        "id": message.pk,
        "event": message.template_code,
        "created_at": message.created_at.isoformat(),
        "subject": message.subject,
        "body": message.body,
        "link": message.link,
        "data": message.payload,
    }
    try:
        response = webhooks.post(
            url=endpoint.url,
            secret=endpoint.secret,
            event=message.template_code,
            delivery_id=str(message.pk),
            document=document,
            timeout=policy.timeout_seconds,
        )
    except webhooks.WebhookError as exc:
        raise DeliveryError(f"webhook: {exc}") from None
    return f"HTTP {response.status}", MessageStatus.DELIVERED


_SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms, Channel.WEBHOOK: _send_webhook}


def _finish(message: Message, claimed_at: dt.datetime, **fields) -> bool:
    """Record the attempt's outcome unless the sweep has reclaimed the message meanwhile."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claimed_at=claimed_at
        ).update(claimed_at=None, **fields)
    )


def _record_failure(
    message: Message, policy: ChannelPolicy, error: DeliveryError, now: dt.datetime
) -> str:
    attempts = message.attempts + 1
    text = str(error)[:MAX_ERROR_LENGTH]
    with transaction.atomic():
        if error.permanent or attempts >= policy.max_attempts:
            if _finish(
                message,
                now,
                status=MessageStatus.FAILED,
                attempts=attempts,
                last_error=text,
                next_attempt_at=None,
            ):
                audit_record(
                    actor=None,
                    action="notify.message.failed",
                    obj=message,
                    result=AuditResult.FAILURE,
                    changes={"channel": message.channel, "attempts": attempts, "error": text},
                )
            return "failed"
        _finish(
            message,
            now,
            status=MessageStatus.PENDING,
            attempts=attempts,
            last_error=text,
            next_attempt_at=now + dt.timedelta(seconds=policy.backoff_after(attempts)),
        )
    return "retry"


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Try to deliver one stored message; safe to call any number of times, from any worker.

    Returns what happened: ``sent``, ``retry``, ``failed``, ``deferred`` (rate limit),
    ``not_due`` (waiting for its backoff), ``skipped`` (already handled) or ``missing``.
    """
    now = now or timezone.now()
    message = (
        Message.objects.filter(pk=message_id)
        .only("id", "status", "channel", "next_attempt_at")
        .first()
    )
    if message is None:
        return "missing"
    if message.status != MessageStatus.PENDING or message.channel not in _SENDERS:
        return "skipped"
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        # Early (a duplicate task, or a resend racing a backoff): the sweep brings it back.
        Message.objects.filter(pk=message_id, status=MessageStatus.PENDING).update(enqueued_at=None)
        return "not_due"
    claimed = Message.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=message_id,
        status=MessageStatus.PENDING,
    ).update(status=MessageStatus.SENDING, claimed_at=now, enqueued_at=None)
    if claimed != 1:
        return "skipped"  # another worker claimed it first

    message = Message.objects.select_related("webhook").get(pk=message_id)
    policy = channel_policy_get(message.channel)
    if not rate_limit_take(channel=message.channel, limit=policy.max_per_minute, now=now):
        _finish(message, now, status=MessageStatus.PENDING, next_attempt_at=window_end(now))
        return "deferred"
    try:
        provider_id, status = _SENDERS[message.channel](message, policy)
    except DeliveryError as exc:
        return _record_failure(message, policy, exc, now)
    except Exception as exc:
        # A provider bug must not leave the message stuck in "sending": count it as a failure.
        logger.exception("notification %s: unexpected provider error", message.pk)
        return _record_failure(message, policy, DeliveryError(f"{type(exc).__name__}: {exc}"), now)
    with transaction.atomic():
        if _finish(
            message,
            now,
            status=status,
            attempts=message.attempts + 1,
            sent_at=now,
            provider_message_id=provider_id[:200],
            last_error="",
            next_attempt_at=None,
        ):
            audit_record(
                actor=None,
                action="notify.message.sent",
                obj=message,
                changes={
                    "channel": message.channel,
                    "status": status,
                    "attempts": message.attempts + 1,
                },
            )
    return "sent"


def _reclaim_stuck(now: dt.datetime, batch: int) -> tuple[int, int]:
    """Messages left in ``sending`` by a worker that died: retry them (or fail them)."""
    reclaimed = failed = 0
    stuck = list(
        Message.objects.filter(
            status=MessageStatus.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER
        )[:batch]
    )
    policies: dict[str, ChannelPolicy] = {}
    for message in stuck:
        policy = policies.setdefault(message.channel, channel_policy_get(message.channel))
        error = DeliveryError("the worker stopped during the attempt; its outcome is unknown")
        outcome = _record_failure(message, policy, error, message.claimed_at)
        if outcome == "failed":
            failed += 1
        else:
            # Due at once rather than after a backoff counted from the stale claim.
            Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
                next_attempt_at=now, enqueued_at=None
            )
            reclaimed += 1
    return reclaimed, failed


def message_sweep(*, now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Queue every due pending message whose task is not (or no longer) in the queue.

    Runs every minute (``notify.tasks.notify_sweep_task``). A message counts as queued for
    :data:`REQUEUE_AFTER` after its task was enqueued, so a busy queue is not flooded with
    duplicates while a lost task is still found.
    """
    now = now or timezone.now()
    reclaimed, failed = _reclaim_stuck(now, batch)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        if ids:
            Message.objects.filter(pk__in=ids).update(enqueued_at=now)
            transaction.on_commit(partial(enqueue_delivery, ids))
    if ids or reclaimed or failed:
        logger.info("notify sweep: queued %d, reclaimed %d, failed %d", len(ids), reclaimed, failed)
    return {"queued": len(ids), "reclaimed": reclaimed, "failed": failed}
