"""Django admin of 好差评: events, ratings and appeals are read-only (every change goes through
the audited services); the rating policy is edited here by the platform administrator, and
every save is audited."""

from __future__ import annotations

from django.contrib import admin

from yiwang.core import admin_base
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.permissions import has_perm
from yiwang.ratings import permissions as perms
from yiwang.ratings.models import Appeal, Rating, RatingPolicy, ServiceEvent


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = (
        "subject_app",
        "subject_key",
        "channel",
        "item_name",
        "organisation",
        "served_phone_masked",
        "served_at",
        "rate_deadline",
        "rated",
    )
    list_filter = ("channel", "subject_app", "rated")
    search_fields = ("subject_key", "item_code", "item_name")
    exclude = ("served_phone_digest", "served_phone_encrypted")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "district", "served_user")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("event", "level", "source", "handling", "excluded", "rated_at")
    list_filter = ("level", "source", "handling", "excluded")
    search_fields = ("event__subject_key", "event__item_name")
    list_select_related = ("event",)
    raw_id_fields = ("event", "rater")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("rating", "decision", "filed_at", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("rating__event",)
    raw_id_fields = ("rating", "filed_by", "decided_by")


@admin.register(RatingPolicy)
class RatingPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "rate_window_days",
        "verify_working_days",
        "rectify_working_days",
        "updated_at",
    )

    def has_module_permission(self, request):
        return has_perm(request.user, perms.MANAGE_POLICY)

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, perms.MANAGE_POLICY)

    def has_change_permission(self, request, obj=None):
        return has_perm(request.user, perms.MANAGE_POLICY)

    def has_add_permission(self, request):
        return has_perm(request.user, perms.MANAGE_POLICY) and not RatingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = snapshot(RatingPolicy.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.ratings.ratingpolicy.save",
            obj=obj,
            before=before,
            after=snapshot(obj),
        )
