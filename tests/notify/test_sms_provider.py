"""The SMS provider interface and its configuration."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from yiwang.notify import sms
from yiwang.notify.models import SmsOutbox


class RecordingSms(sms.SmsProvider):
    sent: list = []

    def send(self, phone, text):
        RecordingSms.sent.append((phone, text))
        return "rec-1"


@pytest.fixture(autouse=True)
def _fresh_providers():
    sms._providers.clear()
    yield
    sms._providers.clear()


def test_outbox_is_the_default(db):
    provider = sms.sms_provider()
    assert isinstance(provider, sms.OutboxSmsProvider)
    assert provider.send("13812345678", "测试") == f"outbox-{SmsOutbox.objects.get().pk}"


def test_dotted_path(settings):
    settings.YIWANG_SMS_PROVIDER = "tests.notify.test_sms_provider.RecordingSms"
    assert sms.sms_provider().send("13812345678", "x") == "rec-1"


@pytest.mark.parametrize("path", ["no.such.Module", "yiwang.notify.sms.SmsError"])
def test_misconfiguration_names_the_variable(settings, path):
    settings.YIWANG_SMS_PROVIDER = path
    with pytest.raises(ImproperlyConfigured, match="YIWANG_SMS_PROVIDER"):
        sms.sms_provider()
