"""Django admin of the registry: read-only (every change goes through the audited services —
the officer's pages, the API, imports)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.core import admin_base
from yiwang.registry import permissions as perms
from yiwang.registry.models import Enterprise, ImportJob, ProfileChange


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("uscc", "name", "district", "industry", "scale", "status", "version")
    list_filter = ("scale", "status")
    search_fields = ("uscc", "name")
    list_select_related = ("district",)
    raw_id_fields = ("city", "district", "street")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    view_permission = perms.MANAGE
    list_display = ("file_name", "source", "status", "rows", "created", "updated", "failed",
                    "created_at")  # fmt: skip
    list_filter = ("status", "source")
    exclude = ("errors",)


@admin.register(ProfileChange)
class ProfileChangeAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "field", "source", "job", "at")
    list_filter = ("source", "field")
    raw_id_fields = ("enterprise", "job")
    list_select_related = ("enterprise",)
