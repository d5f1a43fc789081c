"""Django admin of the hotline. Work orders and their timeline are read-only here (every
change goes through the audited services); policies and rules are versioned by services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yiwang.core import admin_base, pii
from yiwang.core.errors import DomainError
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline.models import (
    Attachment,
    CrossCityTransfer,
    DailyCounter,
    DispatchRule,
    KnowledgeArticle,
    SlaAlert,
    SlaPolicy,
    WorkOrder,
    WorkOrderEvent,
)
from yiwang.hotline.services import dispatch_rule_deactivate
from yiwang.hotline.services import knowledge as knowledge_services


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "unit", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "status",
        "category",
        "lane",
        "channel",
        "masked_phone_col",
        "lead_unit",
        "received_at",
        "reply_deadline",
    )
    list_filter = ("status", "category", "lane", "channel", "emergency", "confidential")
    search_fields = ("number", "title")
    exclude = ("contact_phone",)
    readonly_fields = ("masked_phone_col",)
    inlines = [WorkOrderEventInline]
    list_select_related = ("lead_unit",)

    @admin.display(description=_("contact phone"))
    def masked_phone_col(self, obj):
        return pii.mask_phone(obj.contact_phone)


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ("order", "action", "from_status", "to_status", "unit", "at")
    list_filter = ("action",)
    list_select_related = ("order", "unit")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    list_display = (
        "lane",
        "category",
        "version",
        "sign_hours",
        "handle_days",
        "callback_days",
        "yellow_ratio",
        "red_ratio",
        "active",
    )
    list_filter = ("lane", "category", "active")


@admin.register(DispatchRule)
class DispatchRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "category", "district", "lead_unit", "priority", "version", "active")
    list_filter = ("active", "category")
    search_fields = ("name",)
    actions = ["deactivate"]

    @admin.action(description=_("Deactivate the selected rules"))
    def deactivate(self, request, queryset):
        if not has_perm(request.user, perms.MANAGE_CATALOGUE):
            self.message_user(request, _("Permission denied."), messages.ERROR)
            return
        for rule in queryset.filter(active=True):
            try:
                dispatch_rule_deactivate(actor=request.user, rule_id=rule.pk)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not has_perm(request.user, perms.MANAGE_CATALOGUE):
            actions.pop("deactivate", None)
        return actions


@admin.register(SlaAlert)
class SlaAlertAdmin(ReadOnlyAdmin):
    list_display = ("order", "clock", "level", "deadline", "notified", "created_at")
    list_filter = ("clock", "level", "notified")


@admin.register(DailyCounter)
class DailyCounterAdmin(ReadOnlyAdmin):
    list_display = ("city", "day", "last")


@admin.register(CrossCityTransfer)
class CrossCityTransferAdmin(ReadOnlyAdmin):
    """跨市联动 messages; ``failed`` rows (peer unreachable after every retry) show up here."""

    list_display = (
        "order",
        "direction",
        "peer",
        "remote_number",
        "state",
        "attempts",
        "updated_at",
    )
    list_filter = ("direction", "state", "peer")
    search_fields = ("order__number", "remote_number", "message_id")
    readonly_fields = ("last_error",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("order", "name", "content_type", "size", "created_at")
    search_fields = ("order__number", "sha256")
    exclude = ("file",)  # downloads go through the scoped API, not a public media URL


class KnowledgeArticleForm(forms.ModelForm):
    class Meta:
        model = KnowledgeArticle
        fields = ("title", "category", "keywords", "body", "unit", "source", "active")

    def clean(self):
        data = super().clean()
        city = getattr(self, "city_id", None)
        values = {k: data.get(k) for k in ("title", "body", "category", "keywords", "source")}
        values["unit_id"] = data["unit"].pk if data.get("unit") else None
        try:
            knowledge_services.clean_article_fields(values, city)
        except DomainError as exc:
            for err in exc.errors:
                field = "unit" if err["field"] == "unit_id" else err["field"]
                self.add_error(field if field in self.fields else None, err["message"])
        return data


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    """政府热线知识库, editable by the centre (``hotline.manage_knowledge``) of its own city;
    saves go through the audited services, articles are deactivated, never deleted."""

    form = KnowledgeArticleForm
    list_display = ("title", "category", "unit", "active", "use_count", "updated_at")
    list_filter = ("active", "category")
    search_fields = ("title",)
    raw_id_fields = ("unit",)
    actions = ["deactivate"]

    def _city(self, request):
        from yiwang.hotline.selectors import city_root_id

        return city_root_id(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("unit")
        if request.user.is_superuser:
            return qs
        return qs.filter(city_id=self._city(request))

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or has_perm(request.user, perms.VIEW)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return has_perm(request.user, perms.MANAGE_KNOWLEDGE) and self._city(request) is not None

    def has_change_permission(self, request, obj=None):
        return has_perm(request.user, perms.MANAGE_KNOWLEDGE)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.city_id = obj.city_id if obj is not None else self._city(request)
        return form

    def save_model(self, request, obj, form, change):
        fields = {k: form.cleaned_data.get(k) for k in ("title", "body", "category", "source")}
        fields["keywords"] = form.cleaned_data.get("keywords") or []
        unit = form.cleaned_data.get("unit")
        fields["unit_id"] = unit.pk if unit else None
        if change:
            saved = knowledge_services.knowledge_article_update(
                actor=request.user,
                article_id=obj.pk,
                active=bool(form.cleaned_data.get("active")),
                **fields,
            )
        else:
            saved = knowledge_services.knowledge_article_create(
                actor=request.user, city_id=self._city(request), **fields
            )
            if not form.cleaned_data.get("active", True):
                knowledge_services.knowledge_article_deactivate(
                    actor=request.user, article_id=saved.pk
                )
        obj.pk = saved.pk

    @admin.action(description=_("Deactivate the selected articles"))
    def deactivate(self, request, queryset):
        for article in queryset.filter(active=True):
            try:
                knowledge_services.knowledge_article_deactivate(
                    actor=request.user, article_id=article.pk
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not has_perm(request.user, perms.MANAGE_KNOWLEDGE):
            actions.pop("deactivate", None)
        return actions
