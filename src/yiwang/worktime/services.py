"""Writes to calendars: office hours, holidays and make-up days, covered years, CSV import.

Every service checks ``worktime.manage_calendar`` (``actor=None`` is the system: migrations and
the server-side CLI), writes in one transaction, records an audit entry, bumps the calendar's
``version`` and drops the cached engine so the next computation sees the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, InvalidInput, from_validation_error
from yiwang.core.permissions import require_perm
from yiwang.worktime import registry
from yiwang.worktime.choices import DayKind, YearSource
from yiwang.worktime.csv_import import parse_year_csv
from yiwang.worktime.models import NATIONAL_CALENDAR, Calendar, CalendarDay, CalendarYear
from yiwang.worktime.permissions import MANAGE_CALENDAR

CALENDAR_FIELDS = (
    "code",
    "name",
    "time_zone",
    "morning_start",
    "morning_end",
    "afternoon_start",
    "afternoon_end",
)
DAY_FIELDS = ("calendar_id", "date", "kind", "note")
YEAR_FIELDS = ("calendar_id", "year", "source", "note")


@dataclass(frozen=True)
class ImportSummary:
    """Outcome of a CSV import: the year, what it now holds and what changed."""

    calendar: str
    year: int
    holidays: int
    workdays: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def _authorise(actor) -> None:
    if actor is not None:
        require_perm(actor, MANAGE_CALENDAR)


def _validate(obj, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


def _changed(calendar: Calendar) -> None:
    """Bump the version (other processes rebuild) and drop this process's engine now and on
    commit (a computation later in the same transaction sees the change)."""
    Calendar.objects.filter(pk=calendar.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    code = calendar.code
    registry.invalidate(code)
    transaction.on_commit(lambda: registry.invalidate(code))


# --- calendars ---------------------------------------------------------------------------
def calendar_create(
    *,
    actor,
    code: str,
    name: str,
    time_zone: str = "Asia/Shanghai",
    morning_start: dt.time = dt.time(8, 30),
    morning_end: dt.time = dt.time(12, 0),
    afternoon_start: dt.time = dt.time(14, 0),
    afternoon_end: dt.time = dt.time(17, 30),
) -> Calendar:
    """A new calendar (e.g. for a special zone); it covers no year until data is imported."""
    _authorise(actor)
    calendar = Calendar(
        code=code,
        name=name,
        time_zone=time_zone,
        morning_start=morning_start,
        morning_end=morning_end,
        afternoon_start=afternoon_start,
        afternoon_end=afternoon_end,
    )
    _validate(calendar)
    with transaction.atomic():
        try:
            with transaction.atomic():
                calendar.save()
        except IntegrityError:
            raise Conflict(
                "worktime.calendar_exists", _("A calendar with this code already exists.")
            ) from None
        audit_record(
            actor=actor,
            action="worktime.calendar.create",
            obj=calendar,
            after=snapshot(calendar, CALENDAR_FIELDS),
        )
        registry.invalidate(code)
    return calendar


def calendar_update(*, actor, calendar: Calendar, **fields) -> Calendar:
    """Change name, time zone or office hours (the code is permanent: other modules use it)."""
    _authorise(actor)
    allowed = set(CALENDAR_FIELDS) - {"code"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(
            "worktime.unknown_field",
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
        )
    if not fields:
        return calendar
    with transaction.atomic():
        current = Calendar.objects.select_for_update().get(pk=calendar.pk)
        before = snapshot(current, CALENDAR_FIELDS)
        for name, value in fields.items():
            setattr(current, name, value)
        _validate(current)
        current.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="worktime.calendar.update",
            obj=current,
            before=before,
            after=snapshot(current, CALENDAR_FIELDS),
        )
        _changed(current)
    current.refresh_from_db()
    return current


def calendar_delete(*, actor, calendar: Calendar) -> None:
    """Delete a calendar and its days; the national calendar cannot be deleted."""
    _authorise(actor)
    if calendar.code == NATIONAL_CALENDAR:
        raise Conflict(
            "worktime.calendar_protected",
            _("The national calendar %(code)s cannot be deleted.") % {"code": NATIONAL_CALENDAR},
        )
    with transaction.atomic():
        before = snapshot(calendar, CALENDAR_FIELDS)
        audit_record(actor=actor, action="worktime.calendar.delete", obj=calendar, before=before)
        code = calendar.code
        calendar.delete()
        registry.invalidate(code)
        transaction.on_commit(lambda: registry.invalidate(code))


# --- days --------------------------------------------------------------------------------
def calendar_day_set(
    *, actor, calendar: Calendar, date: dt.date, kind: str, note: str = ""
) -> CalendarDay:
    """Make ``date`` a holiday or a make-up working day (creates or replaces that date's row)."""
    _authorise(actor)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
        day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
        before = snapshot(day, DAY_FIELDS) if day else None
        if day is None:
            day = CalendarDay(calendar=calendar, date=date)
        day.kind, day.note = kind, note
        _validate(day, exclude=["calendar"])
        day.save()
        audit_record(
            actor=actor,
            action="worktime.day.set",
            obj=day,
            before=before,
            after=snapshot(day, DAY_FIELDS),
        )
        _changed(calendar)
    return day


def calendar_day_update(
    *,
    actor,
    day: CalendarDay,
    date: dt.date | None = None,
    kind: str | None = None,
    note: str | None = None,
) -> CalendarDay:
    """Change an existing row (moving it to another date, changing its kind or note)."""
    _authorise(actor)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=day.calendar_id)
        current = CalendarDay.objects.get(pk=day.pk)
        before = snapshot(current, DAY_FIELDS)
        if date is not None:
            current.date = date
        if kind is not None:
            current.kind = kind
        if note is not None:
            current.note = note
        _validate(current)
        current.save()
        audit_record(
            actor=actor,
            action="worktime.day.update",
            obj=current,
            before=before,
            after=snapshot(current, DAY_FIELDS),
        )
        _changed(calendar)
    return current


def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """Remove a row: the date follows the ordinary Monday–Friday week again."""
    _authorise(actor)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=day.calendar_id)
        before = snapshot(day, DAY_FIELDS)
        audit_record(actor=actor, action="worktime.day.delete", obj=day, before=before)
        CalendarDay.objects.filter(pk=day.pk).delete()
        _changed(calendar)


# --- covered years -----------------------------------------------------------------------
def calendar_year_declare(
    *, actor, calendar: Calendar, year: int, note: str = "", source: str = YearSource.MANUAL
) -> CalendarYear:
    """Declare ``year``'s data complete (no more fallback warning), or update that record."""
    _authorise(actor)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
        record = CalendarYear.objects.filter(calendar=calendar, year=year).first()
        before = snapshot(record, YEAR_FIELDS) if record else None
        if record is None:
            record = CalendarYear(calendar=calendar, year=year)
        record.source, record.note = source, note
        _validate(record, exclude=["calendar"])
        record.save()
        audit_record(
            actor=actor,
            action="worktime.year.declare",
            obj=record,
            before=before,
            after=snapshot(record, YEAR_FIELDS),
        )
        _changed(calendar)
    return record


def calendar_year_withdraw(*, actor, record: CalendarYear) -> None:
    """The year is no longer covered: Monday–Friday with a warning (its day rows stay)."""
    _authorise(actor)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=record.calendar_id)
        audit_record(
            actor=actor,
            action="worktime.year.withdraw",
            obj=record,
            before=snapshot(record, YEAR_FIELDS),
        )
        CalendarYear.objects.filter(pk=record.pk).delete()
        _changed(calendar)


def calendar_year_import(
    *, actor, calendar: Calendar, text: str, year: int | None = None, source_name: str = ""
) -> ImportSummary:
    """Replace one year of ``calendar`` with the rows of a ``date,kind,note`` CSV.

    The file is validated completely first (``InvalidInput`` lists every bad line); then the
    year's rows are replaced and the year declared covered, all in one transaction.
    """
    _authorise(actor)
    year, rows = parse_year_csv(text, year=year)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
        existing = {
            d.date: (d.kind, d.note)
            for d in CalendarDay.objects.filter(calendar=calendar, date__year=year)
        }
        incoming = {r.date: (r.kind, r.note) for r in rows}
        CalendarDay.objects.filter(calendar=calendar, date__year=year).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(calendar=calendar, date=r.date, kind=r.kind, note=r.note) for r in rows]
        )
        record, _created = CalendarYear.objects.update_or_create(
            calendar=calendar,
            year=year,
            defaults={"source": YearSource.IMPORT, "note": source_name[:200]},
        )
        summary = ImportSummary(
            calendar=calendar.code,
            year=year,
            holidays=sum(1 for r in rows if r.kind == DayKind.HOLIDAY),
            workdays=sum(1 for r in rows if r.kind == DayKind.WORKDAY),
            added=tuple(d.isoformat() for d in sorted(incoming.keys() - existing.keys())),
            removed=tuple(d.isoformat() for d in sorted(existing.keys() - incoming.keys())),
            changed=tuple(
                d.isoformat()
                for d in sorted(incoming.keys() & existing.keys())
                if incoming[d] != existing[d]
            ),
        )
        audit_record(
            actor=actor,
            action="worktime.year.import",
            obj=record,
            changes={
                "calendar": calendar.code,
                "year": year,
                "source": source_name,
                "holidays": summary.holidays,
                "workdays": summary.workdays,
                "added": list(summary.added),
                "removed": list(summary.removed),
                "changed": list(summary.changed),
            },
        )
        _changed(calendar)
    return summary
