"""Writes of the notification app; every function is ``<entity>_<verb>(*, actor, ...)``."""

from yiwang.notify.services.configuration import (
    channel_policy_get,
    channel_policy_update,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from yiwang.notify.services.delivery import DeliveryError, message_deliver, message_sweep
from yiwang.notify.services.inbox import inbox_mark_all_read, inbox_mark_read
from yiwang.notify.services.sending import message_resend, notification_send
from yiwang.notify.services.templates import template_create, template_register, template_update

__all__ = [
    "DeliveryError",
    "channel_policy_get",
    "channel_policy_update",
    "inbox_mark_all_read",
    "inbox_mark_read",
    "message_deliver",
    "message_resend",
    "message_sweep",
    "notification_send",
    "template_create",
    "template_register",
    "template_update",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
]
