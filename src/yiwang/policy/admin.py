"""Django admin of policies: read-only (documents, items and FAQ change only through the audited
services and the officers' pages at /policy/)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.core import admin_base
from yiwang.policy import permissions as perms
from yiwang.policy.models import PolicyAttachment, PolicyDocument, PolicyFAQ, PolicyItem


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "document_number", "organisation", "issue_date", "status",
                    "listed_at", "listed_on_time")  # fmt: skip
    list_filter = ("status", "listed_on_time")
    search_fields = ("title", "document_number")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "created_by")


@admin.register(PolicyItem)
class PolicyItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "document", "kind", "status", "version", "exempt_application",
                    "published_at")  # fmt: skip
    list_filter = ("status", "kind", "exempt_application")
    search_fields = ("title", "rule_text")
    list_select_related = ("document",)
    raw_id_fields = ("document",)


@admin.register(PolicyAttachment)
class PolicyAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "document", "content_type", "size", "uploaded_at")
    raw_id_fields = ("document", "uploaded_by")


@admin.register(PolicyFAQ)
class PolicyFAQAdmin(ReadOnlyAdmin):
    list_display = ("question", "item", "public")
    list_filter = ("public",)
    raw_id_fields = ("item",)
