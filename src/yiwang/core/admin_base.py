"""Base classes for the apps' Django admin pages (a core kernel module, like ``audit``)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.core.permissions import has_perm


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model that only the audited services change: the admin shows it and nothing more.
    Readable by superusers and holders of ``view_permission`` (a permission code, or a tuple
    of codes any one of which is enough)."""

    view_permission: str | tuple[str, ...] = ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        codes = self.view_permission
        codes = (codes,) if isinstance(codes, str) else codes
        return request.user.is_superuser or any(has_perm(request.user, c) for c in codes if c)

    def has_module_permission(self, request):
        return self.has_view_permission(request)
