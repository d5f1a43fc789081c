"""Django admin of the catalogue: read-only (every change goes through the audited services,
which keep versions and the editorial workflow)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.catalog import permissions as perms
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.core import admin_base


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


@admin.register(BasicItem)
class BasicItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "department", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "department")


@admin.register(ImplementationItem)
class ImplementationItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "basic", "organisation", "operation", "current")
    list_select_related = ("basic", "organisation", "current")
    search_fields = ("code", "basic__name", "organisation__name")
    raw_id_fields = ("basic", "organisation", "current")


@admin.register(ImplementationVersion)
class ImplementationVersionAdmin(ReadOnlyAdmin):
    list_display = ("item", "number", "status", "promised_limit", "visits", "published_at")
    list_filter = ("status", "handling_type", "visits")
    list_select_related = ("item",)
    raw_id_fields = ("item", "created_by", "reviewed_by")
