"""SMS gateways behind one interface; ``YIWANG_SMS_PROVIDER`` chooses the implementation.

``outbox`` (the default) stores each text in :class:`~yiwang.notify.models.SmsOutbox`, visible
in the admin, which is what the demo and the tests use. A real gateway is a subclass of
:class:`SmsProvider` named by its dotted path, e.g. ``mycity.sms.AliyunSmsProvider``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway refused or failed to take a message; the text says why (retried)."""


class SmsProvider(ABC):
    """Send one text to one mobile number; return the gateway's message id or raise SmsError."""

    @abstractmethod
    def send(self, phone: str, text: str) -> str: ...


class OutboxSmsProvider(SmsProvider):
    """Demo gateway: the "sent" text is a row of the SMS outbox table."""

    def send(self, phone: str, text: str) -> str:
        from yiwang.notify.models import SmsOutbox

        row = SmsOutbox.objects.create(phone=phone, text=text)
        return f"outbox-{row.pk}"


_providers: dict[str, SmsProvider] = {}


def sms_provider() -> SmsProvider:
    """The configured provider (one instance per process and setting value)."""
    name = settings.YIWANG_SMS_PROVIDER or "outbox"
    provider = _providers.get(name)
    if provider is None:
        if name == "outbox":
            provider = OutboxSmsProvider()
        else:
            try:
                cls = import_string(name)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"YIWANG_SMS_PROVIDER={name!r} cannot be imported: {exc}"
                ) from exc
            if not (isinstance(cls, type) and issubclass(cls, SmsProvider)):
                raise ImproperlyConfigured(
                    f"YIWANG_SMS_PROVIDER={name!r} is not a yiwang.notify.sms.SmsProvider subclass"
                )
            provider = cls()
        _providers[name] = provider
    return provider
