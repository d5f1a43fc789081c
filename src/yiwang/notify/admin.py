"""Django admin of the notification app. Every change goes through the services (audited);
messages and the SMS outbox are read-only, personal data is masked in lists."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from yiwang.core import admin_base, pii
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.notify.models import ChannelPolicy, Message, SmsOutbox, Template, WebhookEndpoint
from yiwang.notify.rendering import template_check
from yiwang.notify.services import (
    channel_policy_update,
    message_resend,
    template_create,
    template_update,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


def _can_manage(request) -> bool:
    return has_perm(request.user, "notify.manage")


def _can_view(request) -> bool:
    return _can_manage(request) or has_perm(request.user, "notify.view_message")


class ManagedAdmin(admin.ModelAdmin):
    """Configuration models: changed only by holders of ``notify.manage``."""

    def has_module_permission(self, request):
        return _can_view(request)

    def has_view_permission(self, request, obj=None):
        return _can_view(request)

    def has_add_permission(self, request):
        return _can_manage(request)

    def has_change_permission(self, request, obj=None):
        return _can_manage(request)

    def has_delete_permission(self, request, obj=None):
        return False  # referenced by messages; deactivate instead


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = ("notify.manage", "notify.view_message")


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ("code", "name", "subject", "body")

    def _check(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        try:
            template_check(field=field, source=value)
        except InvalidInput as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        return value

    def clean_subject(self):
        return self._check("subject")

    def clean_body(self):
        return self._check("body")


@admin.register(Template)
class TemplateAdmin(ManagedAdmin):
    form = TemplateForm
    list_display = ("code", "name", "version", "updated_at")
    search_fields = ("code", "name")
    readonly_fields = ("version", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Modules refer to a template by its code: it cannot change once created.
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = template_update(
                actor=request.user,
                template=obj,
                subject=data["subject"],
                body=data["body"],
                name=data["name"],
            )
        else:
            saved = template_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                subject=data["subject"],
                body=data["body"],
            )
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "channel",
        "template_code",
        "recipient",
        "masked_address",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "channel", "template_code")
    search_fields = ("=id", "template_code", "=dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = (
        "channel",
        "status",
        "template_code",
        "template_version",
        "recipient",
        "masked_address",
        "webhook",
        "masked_subject",
        "masked_body",
        "link",
        "dedupe_key",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
        "read_at",
        "sender",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("address"))
    def masked_address(self, obj: Message) -> str:
        return obj.masked_address

    @admin.display(description=gettext_lazy("subject"))
    def masked_subject(self, obj: Message) -> str:
        return pii.mask_text(obj.subject)

    @admin.display(description=gettext_lazy("body"))
    def masked_body(self, obj: Message) -> str:
        return pii.mask_text(obj.body)

    @admin.action(description=gettext_lazy("Send the selected failed messages again"))
    def resend(self, request, queryset):
        done = 0
        for message in queryset:
            try:
                message_resend(actor=request.user, message=message)
            except DomainError as exc:
                self.message_user(request, f"#{message.pk}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message queued again.", "%(count)d messages queued again.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyAdmin):
    list_display = ("id", "masked_phone", "short_text", "created_at")
    fields = ("masked_phone", "masked_text", "created_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("mobile phone"))
    def masked_phone(self, obj: SmsOutbox) -> str:
        return pii.mask_phone(obj.phone)

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, obj: SmsOutbox) -> str:
        return Truncator(pii.mask_text(obj.text)).chars(60)

    @admin.display(description=gettext_lazy("text"))
    def masked_text(self, obj: SmsOutbox) -> str:
        return pii.mask_text(obj.text)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events_text = forms.CharField(
        label=gettext_lazy("event codes"),
        required=False,
        help_text=gettext_lazy("Template codes separated by commas; * receives every event"),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("organisation", "name", "url", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["events_text"].initial = ", ".join(self.instance.events)

    def clean_events_text(self) -> list[str]:
        raw = self.cleaned_data.get("events_text", "")
        return sorted({part.strip() for part in raw.replace("，", ",").split(",") if part.strip()})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ManagedAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "organisation", "url", "event_list", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    list_select_related = ("organisation",)
    readonly_fields = ("secret_display", "created_at", "updated_at")
    actions = ["rotate_secret"]

    @admin.display(description=gettext_lazy("event codes"))
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events)

    @admin.display(description=gettext_lazy("signing secret"))
    def secret_display(self, obj: WebhookEndpoint) -> str:
        return f"{obj.secret_hint}…" if obj.pk else _("generated when saved, shown once")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = webhook_endpoint_update(
                actor=request.user,
                endpoint=obj,
                name=data["name"],
                url=data["url"],
                events=data["events_text"],
                is_active=data["is_active"],
            )
        else:
            saved, secret = webhook_endpoint_create(
                actor=request.user,
                organisation=data["organisation"],
                name=data["name"],
                url=data["url"],
                events=data["events_text"],
                is_active=data["is_active"],
            )
            self.message_user(
                request,
                _(
                    "Signing secret of %(name)s (shown only now, give it to the receiving "
                    "system): %(secret)s"
                )
                % {"name": saved.name, "secret": secret},
                messages.WARNING,
            )
        obj.pk = saved.pk

    @admin.action(description=gettext_lazy("Generate a new signing secret"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
            self.message_user(
                request,
                _("New signing secret of %(name)s (shown only now): %(secret)s")
                % {"name": endpoint.name, "secret": secret},
                messages.WARNING,
            )


class ChannelPolicyForm(forms.ModelForm):
    class Meta:
        model = ChannelPolicy
        fields = ("channel", "max_per_minute", "max_attempts", "backoff_seconds", "timeout_seconds")


@admin.register(ChannelPolicy)
class ChannelPolicyAdmin(ManagedAdmin):
    form = ChannelPolicyForm
    list_display = (
        "channel",
        "max_per_minute",
        "max_attempts",
        "backoff_seconds",
        "timeout_seconds",
        "updated_at",
    )

    def get_readonly_fields(self, request, obj=None):
        return ("channel", "updated_at") if obj is not None else ("updated_at",)

    def save_model(self, request, obj, form, change):
        saved = channel_policy_update(
            actor=request.user,
            channel=obj.channel,
            max_per_minute=obj.max_per_minute,
            max_attempts=obj.max_attempts,
            backoff_seconds=obj.backoff_seconds,
            timeout_seconds=obj.timeout_seconds,
        )
        obj.pk = saved.pk
