"""Working-time calendars (工作日历): per-date holidays and make-up working days, covered years.

A calendar day is a working day when it is Monday–Friday and not a holiday, or when it is a
make-up working day (调休上班). Only the exceptions are stored, one row per date. A year counts as
covered when a :class:`CalendarYear` row says its data is complete; uncovered years fall back to
Monday–Friday with a warning. Row-local rules live here; every write goes through
:mod:`yiwang.worktime.services`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.worktime.choices import DayKind, YearSource

# Years a calendar may hold data for (the engine covers at least 1990–2100, see engine.py).
MIN_YEAR = 1900
MAX_YEAR = 2200
NATIONAL_CALENDAR = "CN"


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not an IANA time zone name (e.g. Asia/Shanghai)."),
            code="invalid_time_zone",
            params={"value": value},
        ) from None


class Calendar(models.Model):
    """A working-time calendar (工作日历) with its office hours; ``CN`` is the national one."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$",
                _("Use letters, digits, '-' and '_' only."),
                code="invalid_calendar_code",
            )
        ],
        help_text=_("Short stable code used by the API and other modules, e.g. CN."),
    )
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    morning_start = models.TimeField(_("morning office hours start"), default=dt.time(8, 30))
    morning_end = models.TimeField(_("morning office hours end"), default=dt.time(12, 0))
    afternoon_start = models.TimeField(_("afternoon office hours start"), default=dt.time(14, 0))
    afternoon_end = models.TimeField(_("afternoon office hours end"), default=dt.time(17, 30))
    # Bumped by every service that changes the calendar; engines compare it to rebuild.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working-time calendar")
        verbose_name_plural = _("working-time calendars")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(morning_start__lt=F("morning_end"))
                & Q(morning_end__lte=F("afternoon_start"))
                & Q(afternoon_start__lt=F("afternoon_end")),
                name="worktime_calendar_office_hours_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        times = [self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end]
        if all(t is not None for t in times) and not (times[0] < times[1] <= times[2] < times[3]):
            raise ValidationError(
                _(
                    "Office hours must be in order: morning start < morning end ≤ afternoon "
                    "start < afternoon end."
                ),
                code="office_hours_order",
            )
        if any(t is not None and (t.second or t.microsecond) for t in times):
            raise ValidationError(
                _("Office hours are given in whole minutes."), code="office_hours_minutes"
            )


class CalendarDay(models.Model):
    """One exception to the Monday–Friday week: a holiday or a make-up working day (调休)."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    note = models.CharField(
        _("note"), max_length=100, blank=True, help_text=_("e.g. the festival: 春节, 国庆节.")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="worktime_day_unique_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.date is None:
            return
        if not MIN_YEAR <= self.date.year <= MAX_YEAR:
            raise ValidationError(
                {
                    "date": ValidationError(
                        _("The year must lie between %(min)s and %(max)s."),
                        code="year_out_of_range",
                        params={"min": MIN_YEAR, "max": MAX_YEAR},
                    )
                }
            )
        if self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {
                    "kind": ValidationError(
                        _("%(date)s is a weekday: a make-up working day is a Saturday or Sunday."),
                        code="workday_not_weekend",
                        params={"date": self.date.isoformat()},
                    )
                }
            )


class CalendarYear(models.Model):
    """A year whose holiday data is complete in a calendar (otherwise: Monday–Friday + warning)."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    source = models.CharField(
        _("source"), max_length=16, choices=YearSource.choices, default=YearSource.MANUAL
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("e.g. the State Council notice.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("covered year")
        verbose_name_plural = _("covered years")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "year"], name="worktime_year_unique_per_calendar"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                name="worktime_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_source_display()})"
