"""Notification data: templates, messages (one row per recipient and channel), the demo SMS
outbox, webhook endpoints and the per-channel delivery policy.

A :class:`Message` row is written before anything is sent; its ``status`` is the single source
of truth for delivery, so a stopped worker or a lost queue delays a message but never drops it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core import pii
from yiwang.notify.choices import Channel, MessageStatus

TEMPLATE_CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]*$",
    _("Use lower-case letters, digits, '.', '_' and '-' (for example hotline.order_assigned)."),
    code="invalid_template_code",
)

# Defaults per channel, used when no ChannelPolicy row exists and by the data migration that
# creates the rows administrators edit. Backoff: 1 min, 5 min, 30 min, 2 h, 6 h.
DEFAULT_BACKOFF = [60, 300, 1800, 7200, 21600]
DEFAULT_POLICIES: dict[str, dict] = {
    Channel.INBOX: {
        "max_per_minute": 0,
        "max_attempts": 1,
        "backoff_seconds": [],
        "timeout_seconds": 5.0,
    },
    Channel.EMAIL: {
        "max_per_minute": 600,
        "max_attempts": 6,
        "backoff_seconds": DEFAULT_BACKOFF,
        "timeout_seconds": 15.0,
    },
    Channel.SMS: {
        "max_per_minute": 300,
        "max_attempts": 5,
        "backoff_seconds": DEFAULT_BACKOFF,
        "timeout_seconds": 10.0,
    },
    Channel.WEBHOOK: {
        "max_per_minute": 600,
        "max_attempts": 6,
        "backoff_seconds": DEFAULT_BACKOFF,
        "timeout_seconds": 5.0,
    },
}


class Template(models.Model):
    """A notification text with ``{{ variables }}`` (Django template syntax), 通知模板.

    The same subject and body serve every channel (SMS sends the body only). Each edit through
    ``template_update`` increments ``version`` and is audited with before/after, and every
    message records the version it was rendered from.
    """

    code = models.CharField(
        _("code"),
        max_length=100,
        unique=True,
        validators=[TEMPLATE_CODE_VALIDATOR],
        help_text=_("Stable identifier used by modules, also the webhook event code"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("body"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Message(models.Model):
    """One notification to one recipient over one channel, with its delivery status."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        # Messages are the recipient's personal data: they go with the account.
        on_delete=models.CASCADE,
        related_name="notify_messages",
    )
    address = models.CharField(
        _("address"), max_length=500, blank=True, help_text=_("Email address, mobile or URL")
    )
    webhook = models.ForeignKey(
        "notify.WebhookEndpoint",
        verbose_name=_("webhook endpoint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # "user:12", "addr:a@b.cn", "webhook:3": who the dedupe constraint is about (never NULL,
    # because NULLs never collide in a unique constraint).
    recipient_key = models.CharField(max_length=520, editable=False)
    template_code = models.CharField(_("template"), max_length=100, db_index=True)
    template_version = models.PositiveIntegerField(_("template version"), default=1)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True, default="")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(
        _("enqueued at"),
        null=True,
        blank=True,
        help_text=_("When a delivery task was last queued; cleared when the task has run"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "channel", "recipient_key"],
                condition=~models.Q(dedupe_key=""),
                name="notify_message_dedupe",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel=Channel.INBOX) | models.Q(recipient__isnull=False),
                name="notify_message_inbox_has_recipient",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel=Channel.WEBHOOK) | models.Q(webhook__isnull=False),
                name="notify_message_webhook_has_endpoint",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "id"], name="notify_msg_inbox_idx"),
            models.Index(
                fields=["recipient", "id"],
                condition=models.Q(channel=Channel.INBOX, read_at__isnull=True),
                name="notify_msg_unread_idx",
            ),
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=[MessageStatus.PENDING, MessageStatus.SENDING]),
                name="notify_msg_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.template_code} → {self.get_channel_display()}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)


def mask_address(channel: str, address: str) -> str:
    """An address as lists and exports show it: ``138****5678``, ``z***@example.cn``, a host."""
    if not address:
        return ""
    if channel == Channel.SMS:
        return pii.mask_phone(address)
    if channel == Channel.EMAIL:
        local, _sep, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if channel == Channel.WEBHOOK:
        from urllib.parse import urlsplit

        parts = urlsplit(address)
        return f"{parts.scheme}://{parts.netloc}/…"
    return pii.mask_text(address)


class SmsOutbox(models.Model):
    """Text messages "sent" by the demo SMS provider (``YIWANG_SMS_PROVIDER=outbox``)."""

    phone = models.CharField(_("mobile phone"), max_length=20)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS outbox entry")
        verbose_name_plural = _("SMS outbox")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {pii.mask_phone(self.phone)}"


def validate_webhook_url(value: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationError(
            _("A webhook URL must start with http:// or https:// and name a host."),
            code="invalid_webhook_url",
        )


class WebhookEndpoint(models.Model):
    """A system of an organisation that receives events as signed HTTP POSTs.

    The signing secret is generated by ``webhook_endpoint_create`` (shown once to the
    administrator) and stored encrypted with the platform's data key, because the sender needs
    it to compute each HMAC signature.
    """

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    events = models.JSONField(
        _("event codes"),
        default=list,
        blank=True,
        help_text=_('Template codes this endpoint receives; "*" receives every event'),
    )
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(_("secret (first characters)"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organisation_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="notify_webhook_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.events, list) or not all(
            isinstance(e, str) and e for e in self.events
        ):
            raise ValidationError(
                {"events": _("Event codes must be a list of template codes.")},
                code="invalid_events",
            )

    @property
    def secret(self) -> str:
        return pii.decrypt(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = pii.encrypt(secret)
        self.secret_hint = secret[:4]

    def subscribes_to(self, event: str) -> bool:
        return "*" in self.events or event in self.events


class ChannelPolicy(models.Model):
    """Rate limit and retry rules of one channel, edited by the platform administrator."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, unique=True)
    max_per_minute = models.PositiveIntegerField(
        _("maximum messages per minute"), default=600, help_text=_("0 means unlimited")
    )
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=6)
    backoff_seconds = models.JSONField(
        _("backoff schedule (seconds)"),
        default=list,
        blank=True,
        help_text=_("Wait before the 2nd, 3rd, … attempt; the last value repeats"),
    )
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=5.0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel policy")
        verbose_name_plural = _("channel policies")
        ordering = ["channel"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_attempts__gte=1), name="notify_policy_attempts_min_1"
            ),
            models.CheckConstraint(
                condition=models.Q(timeout_seconds__gt=0) & models.Q(timeout_seconds__lte=120),
                name="notify_policy_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_channel_display())

    def clean(self) -> None:
        value = self.backoff_seconds
        if not isinstance(value, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and 0 < s <= 7 * 86400 for s in value
        ):
            raise ValidationError(
                {
                    "backoff_seconds": _(
                        "Give a list of whole seconds between 1 and 604800, e.g. [60, 300, 1800]."
                    )
                },
                code="invalid_backoff",
            )

    def backoff_after(self, attempts: int) -> int:
        """Seconds to wait after ``attempts`` failed attempts (the last step repeats)."""
        schedule = self.backoff_seconds or DEFAULT_BACKOFF
        return int(schedule[min(max(attempts, 1), len(schedule)) - 1])
