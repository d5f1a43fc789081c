"""Admin pages for calendars, days and covered years; every save goes through the services.

Access needs ``worktime.manage_calendar`` (platform administrators). Each calendar has an
"Import a year (CSV)" page that calls :func:`~yiwang.worktime.services.calendar_year_import`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError
from yiwang.core.permissions import has_perm
from yiwang.worktime import csv_import, services
from yiwang.worktime.models import Calendar, CalendarDay, CalendarYear
from yiwang.worktime.permissions import MANAGE_CALENDAR

OFFICE_FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")


class ManageCalendarPermission:
    """Admin access follows the yiwang permission code, not Django's model permissions."""

    def _allowed(self, request) -> bool:
        return has_perm(request.user, MANAGE_CALENDAR)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request, *args) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Header date,kind,note; kind is holiday or workday.")
    )
    year = forms.IntegerField(
        label=_("year"), required=False, help_text=_("Optional: the year the file holds.")
    )


@admin.register(Calendar)
class CalendarAdmin(ManageCalendarPermission, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "time_zone",
        "office_hours",
        "covered",
        "version",
        "import_link",
    )
    readonly_fields = ("version", "updated_at")
    fields = ("code", "name", "time_zone", *OFFICE_FIELDS, "version", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The code is permanent once other modules compute with it.
        return (*self.readonly_fields, "code") if obj else self.readonly_fields

    @admin.display(description=_("office hours"))
    def office_hours(self, obj: Calendar) -> str:
        return (
            f"{obj.morning_start:%H:%M}–{obj.morning_end:%H:%M}, "
            f"{obj.afternoon_start:%H:%M}–{obj.afternoon_end:%H:%M}"
        )

    @admin.display(description=_("covered years"))
    def covered(self, obj: Calendar) -> str:
        years = sorted(obj.years.values_list("year", flat=True))
        if not years:
            return "—"
        contiguous = years == list(range(years[0], years[-1] + 1))
        return f"{years[0]}–{years[-1]}" if contiguous else ", ".join(map(str, years))

    @admin.display(description=_("import"))
    def import_link(self, obj: Calendar) -> str:
        url = reverse("admin:worktime_calendar_import", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Import a year (CSV)"))

    def save_model(self, request, obj, form, change):
        if change:
            updated = services.calendar_update(
                actor=request.user,
                calendar=obj,
                **{
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in ("name", "time_zone", *OFFICE_FIELDS)
                },
            )
            obj.version = updated.version
        else:
            created = services.calendar_create(
                actor=request.user,
                code=obj.code,
                name=obj.name,
                time_zone=obj.time_zone,
                **{name: getattr(obj, name) for name in OFFICE_FIELDS},
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.calendar_delete(actor=request.user, calendar=obj)

    def delete_queryset(self, request, queryset):
        for calendar in queryset:
            services.calendar_delete(actor=request.user, calendar=calendar)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [
            path("<int:pk>/import/", view, name="worktime_calendar_import"),
            *super().get_urls(),
        ]

    def import_view(self, request, pk: int):
        if not self._allowed(request):
            raise PermissionDenied
        calendar = get_object_or_404(Calendar, pk=pk)
        errors: list[dict] = []
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    text = csv_import.decode(upload.read())
                    summary = services.calendar_year_import(
                        actor=request.user,
                        calendar=calendar,
                        text=text,
                        year=form.cleaned_data["year"],
                        source_name=upload.name,
                    )
                except DomainError as exc:
                    errors = exc.errors or [{"message": exc.message}]
                else:
                    messages.success(
                        request,
                        gettext(
                            "%(code)s %(year)s imported: %(holidays)s holidays, %(workdays)s "
                            "make-up working days."
                        )
                        % {
                            "code": summary.calendar,
                            "year": summary.year,
                            "holidays": summary.holidays,
                            "workdays": summary.workdays,
                        },
                    )
                    return redirect("admin:worktime_calendar_changelist")
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "calendar": calendar,
            "form": form,
            "import_errors": errors,
            "title": gettext("Import a year into %(calendar)s") % {"calendar": calendar},
        }
        return TemplateResponse(request, "admin/worktime/calendar/import.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(ManageCalendarPermission, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "note", "calendar")
    list_filter = ("calendar", "kind")
    date_hierarchy = "date"
    search_fields = ("note",)
    ordering = ("-date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return obj.date.strftime("%a")

    def save_model(self, request, obj, form, change):
        if change:
            services.calendar_day_update(
                actor=request.user, day=obj, date=obj.date, kind=obj.kind, note=obj.note
            )
        else:
            day = services.calendar_day_set(
                actor=request.user,
                calendar=obj.calendar,
                date=obj.date,
                kind=obj.kind,
                note=obj.note,
            )
            obj.pk = day.pk

    def delete_model(self, request, obj):
        services.calendar_day_delete(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_delete(actor=request.user, day=day)


@admin.register(CalendarYear)
class CalendarYearAdmin(ManageCalendarPermission, admin.ModelAdmin):
    list_display = ("year", "calendar", "source", "note", "updated_at")
    list_filter = ("calendar", "source")
    ordering = ("-year",)

    def get_readonly_fields(self, request, obj=None):
        return ("calendar", "year", "source") if obj else ()

    def save_model(self, request, obj, form, change):
        record = services.calendar_year_declare(
            actor=request.user,
            calendar=obj.calendar,
            year=obj.year,
            note=obj.note,
            source=obj.source,
        )
        obj.pk = record.pk

    def delete_model(self, request, obj):
        services.calendar_year_withdraw(actor=request.user, record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            services.calendar_year_withdraw(actor=request.user, record=record)
