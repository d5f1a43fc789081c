"""Django admin of applications. Cases, materials and their timeline are read-only here (every
change goes through the audited services); application forms are saved through
``form_definition_save``; clock policies are versioned (a change adds a version)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yiwang.cases import formdefs
from yiwang.cases import permissions as perms
from yiwang.cases.models import Case, CaseEvent, ClockPolicy, FormDefinition, Material
from yiwang.cases.services import form_definition_save
from yiwang.cases.services.common import policy_forget
from yiwang.core import admin_base
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import DomainError
from yiwang.core.permissions import has_perm


class ReadOnlyAdmin(admin_base.ReadOnlyAdmin):
    view_permission = perms.VIEW


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "status",
        "item_name",
        "organisation",
        "applicant_name",
        "masked_identity",
        "masked_phone",
        "submitted_at",
        "deadline",
        "warning_level",
    )
    list_filter = ("status", "warning_level", "decision", "joint")
    search_fields = ("number", "item_name")
    exclude = ("phone", "id_number_encrypted")
    inlines = [CaseEventInline]

    @admin.display(description=_("identity"))
    def masked_identity(self, obj):
        return obj.masked_identity

    @admin.display(description=_("contact phone"))
    def masked_phone(self, obj):
        return obj.masked_phone


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ("case", "slot", "material_name", "name", "content_type", "size", "uploaded_at")
    search_fields = ("case__number",)


class FormDefinitionForm(forms.ModelForm):
    class Meta:
        model = FormDefinition
        fields = ("basic_code", "title", "fields", "material_conditions", "active")

    def clean(self):
        data = super().clean()
        for error in formdefs.definition_errors(
            data.get("fields"), data.get("material_conditions") or []
        ):
            field = error["field"].split(".")[0]
            self.add_error(field if field in self.fields else None, error["message"])
        return data


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    form = FormDefinitionForm
    list_display = ("basic_code", "title", "active", "updated_at")
    search_fields = ("basic_code", "title")

    def _may(self, request) -> bool:
        return has_perm(request.user, perms.MANAGE_FORMS)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = form_definition_save(
                actor=request.user,
                basic_code=obj.basic_code,
                title=obj.title,
                fields=obj.fields,
                material_conditions=obj.material_conditions,
                active=obj.active,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk


@admin.register(ClockPolicy)
class ClockPolicyAdmin(admin.ModelAdmin):
    """A saved change is a new version; the previous one is kept (inactive)."""

    list_display = (
        "version",
        "yellow_working_days",
        "acceptance_days",
        "correction_days",
        "delivery_days",
        "max_upload_mb",
        "active",
    )
    readonly_fields = ("version", "active", "created_at")

    def _may(self, request) -> bool:
        return has_perm(request.user, perms.MANAGE_POLICY)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        previous = ClockPolicy.objects.filter(active=True).order_by("-version").first()
        latest = ClockPolicy.objects.order_by("-version").values_list("version", flat=True).first()
        ClockPolicy.objects.filter(active=True).update(active=False)
        obj.pk = None
        obj.version = (latest or 0) + 1
        obj.active = True
        obj.save()
        policy_forget()
        audit_record(
            actor=request.user,
            action="cases.clock_policy.revise",
            obj=obj,
            before=snapshot(previous) if previous else None,
            after=snapshot(obj),
        )
