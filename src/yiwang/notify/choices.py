"""Enumerations of the notification app: delivery channels and message statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # stored, waiting for (another) delivery attempt
    SENDING = "sending", _("Sending")  # claimed by one worker, attempt in progress
    SENT = "sent", _("Sent")  # accepted by the provider (SMTP server, SMS gateway)
    DELIVERED = "delivered", _("Delivered")  # confirmed: in the inbox, or a webhook's 2xx
    FAILED = "failed", _("Failed")  # gave up after the channel's maximum attempts
    READ = "read", _("Read")  # inbox message opened by its recipient


# Channels whose messages leave the platform through a provider and are queued for a worker.
EXTERNAL_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.WEBHOOK})
# A message in one of these states is finished: the worker never touches it again.
FINAL_STATUSES = frozenset(
    {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.READ}
)
