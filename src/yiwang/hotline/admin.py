"""Django admin of the hotline. Work orders and their timeline are read-only here (every
change goes through the audited services); policies and rules are versioned by services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yiwang.core import pii
from yiwang.core.errors import DomainError
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline.models import (
    DailyCounter,
    DispatchRule,
    SlaAlert,
    SlaPolicy,
    WorkOrder,
    WorkOrderEvent,
)
from yiwang.hotline.services import dispatch_rule_deactivate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, perms.VIEW) or request.user.is_superuser

    def has_module_permission(self, request):
        return self.has_view_permission(request)


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
