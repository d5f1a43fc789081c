"""Django admin of the core models, governed by yiwang roles rather than Django model perms.

``RoleAdmin`` maps the admin's view/change/add/delete checks onto our permission codes, so the
三权分立 split holds in the admin too: a platform administrator manages organisations and users
but cannot open the audit log; an audit administrator reads the log and nothing else.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.models import (
    ApiClient,
    ApiToken,
    AuditLog,
    CitizenProfile,
    Division,
    EnterpriseAccount,
    EnterpriseMember,
    Organisation,
    RoleAssignment,
    SecurityPolicy,
    User,
)
from yiwang.core.permissions import has_perm


class RoleAdmin(admin.ModelAdmin):
    """Admin whose permissions come from yiwang permission codes; saves are audited."""

    view_perm: str = "core.manage_organisation"
    change_perm: str | None = None
    read_only: bool = False

    def has_module_permission(self, request):
        return has_perm(request.user, self.view_perm)

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, self.view_perm)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and has_perm(request.user, self.change_perm or self.view_perm)

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.label_lower}.save",
            obj=obj,
            before=before,
            after=snapshot(obj),
        )

    def delete_model(self, request, obj):
        before = snapshot(obj)
        pk = obj.pk
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.label_lower}.delete",
            object_type=obj._meta.label_lower,
            object_id=pk,
            before=before,
        )


@admin.register(Division)
class DivisionAdmin(RoleAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
    list_filter = ("level",)
    read_only = True
    view_perm = "core.view_organisation"


@admin.register(Organisation)
class OrganisationAdmin(RoleAdmin):
    list_display = ("indented_name", "kind", "division", "uscc", "code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "uscc")
    raw_id_fields = ("parent", "division")
    readonly_fields = ("path", "depth")
    # Tree changes must keep the materialised path in step: they go through the services.
    read_only = True
    view_perm = "core.view_organisation"

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ("role", "granted_at")
    readonly_fields = ("granted_at",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(RoleAdmin):
    list_display = (
        "username",
        "display_name",
        "kind",
        "organisation",
        "masked_mobile",
        "is_active",
        "locked_until",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("username", "display_name")
    raw_id_fields = ("organisation",)
    fields = (
        "username",
        "display_name",
        "kind",
        "organisation",
        "email",
        "is_active",
        "failed_logins",
        "locked_until",
        "password_changed_at",
        "last_login",
    )
    readonly_fields = ("username", "kind", "failed_logins", "password_changed_at", "last_login")
    inlines = [RoleInline]
    view_perm = "core.view_user"
    change_perm = "core.manage_user"
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False  # accounts are created through the services (password policy, roles)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: audit records keep pointing at the person

    @admin.action(description=_("Unlock selected accounts"))
    def unlock(self, request, queryset):
        from yiwang.core.services.security import user_unlock

        for user in queryset:
            user_unlock(actor=request.user, user=user)
        self.message_user(request, _("Accounts unlocked."), messages.SUCCESS)


@admin.register(CitizenProfile)
class CitizenAdmin(RoleAdmin):
    list_display = ("real_name", "id_number_masked", "user", "verified_at")
    search_fields = ("real_name",)
    fields = ("user", "real_name", "id_number_masked", "verified_at")
    readonly_fields = fields
    read_only = True
    view_perm = "core.view_user"


class MemberInline(admin.TabularInline):
    model = EnterpriseMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(EnterpriseAccount)
class EnterpriseAdmin(RoleAdmin):
    list_display = ("name", "uscc", "district", "created_at")
    search_fields = ("name", "uscc")
    inlines = [MemberInline]
    view_perm = "core.view_user"
    change_perm = "core.manage_user"


@admin.register(ApiClient)
class ApiClientAdmin(RoleAdmin):
    list_display = ("name", "organisation", "is_active", "created_at")
    readonly_fields = ("service_user",)
    view_perm = "core.manage_api_client"

    def has_add_permission(self, request):
        return False  # created with roles through api_client_create


@admin.register(ApiToken)
class ApiTokenAdmin(RoleAdmin):
    list_display = (
        "client",
        "name",
        "prefix",
        "scopes",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = (
        "client",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    exclude = ("digest",)
    view_perm = "core.manage_api_client"
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the secret is shown once by api_token_create (workbench / CLI)

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, "core.manage_api_client") or has_perm(
            request.user, "core.revoke_api_token"
        )

    has_module_permission = has_view_permission

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        from yiwang.core.services.tokens import api_token_revoke

        for token in queryset:
            api_token_revoke(actor=request.user, token=token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(RoleAdmin):
    list_display = (
        "__str__",
        "min_password_length",
        "max_failed_logins",
        "lockout_minutes",
        "idle_timeout_minutes",
        "staff_password_max_age_days",
        "updated_at",
    )
    view_perm = "core.manage_security_policy"

    def save_model(self, request, obj, form, change):
        from django.core.cache import cache

        super().save_model(request, obj, form, change)
        cache.delete("core:security_policy")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(RoleAdmin):
    list_display = (
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "result",
        "ip",
        "request_id",
    )
    list_filter = ("result", "channel", "object_type")
    search_fields = ("action", "actor_label", "object_id", "request_id")
    date_hierarchy = "occurred_at"
    view_perm = "audit.view"
    read_only = True

    def get_queryset(self, request):
        from yiwang.core.selectors import audit_list

        return audit_list(actor=request.user)
