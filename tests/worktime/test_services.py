"""Calendar edits: permission, audit trail, and the engine sees every change at once."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worktime.helpers import sh
from yiwang.core.errors import Conflict, Forbidden, InvalidInput
from yiwang.core.models import AuditLog
from yiwang.worktime import facade, registry, services
from yiwang.worktime.choices import DayKind, YearSource
from yiwang.worktime.models import Calendar, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)  # an ordinary working Monday after an ordinary weekend


def friday_plus_one() -> dt.datetime:
    return facade.add_working_days(sh(2026, 3, 6, 10), 1).deadline


def test_setting_a_holiday_is_audited_and_changes_deadlines_at_once(national, calendar_admin):
    assert friday_plus_one() == sh(2026, 3, 9, 17, 30)
    engine = registry.get_engine("CN")
    version = national.version

    day = services.calendar_day_set(
        actor=calendar_admin, calendar=national, date=MONDAY, kind=DayKind.HOLIDAY, note="台风停工"
    )

    assert friday_plus_one() == sh(2026, 3, 10, 17, 30)
    assert registry.get_engine("CN") is not engine
    assert Calendar.objects.get(pk=national.pk).version == version + 1
    entry = AuditLog.objects.get(action="worktime.day.set")
    assert entry.actor == calendar_admin
    assert entry.object_type == "worktime.calendarday" and entry.object_id == str(day.pk)
    assert entry.changes["date"] == [None, "2026-03-09"]
    assert entry.changes["kind"] == [None, "holiday"]


def test_changing_and_deleting_a_day_is_audited(national, calendar_admin):
    day = services.calendar_day_set(
        actor=calendar_admin, calendar=national, date=MONDAY, kind=DayKind.HOLIDAY
    )
    services.calendar_day_update(actor=calendar_admin, day=day, date=dt.date(2026, 3, 10))
    assert friday_plus_one() == sh(2026, 3, 9, 17, 30)
    assert facade.is_working_day(dt.date(2026, 3, 10)) is False
    services.calendar_day_delete(actor=calendar_admin, day=day)
    assert facade.is_working_day(dt.date(2026, 3, 10)) is True
    actions = list(
        AuditLog.objects.filter(action__startswith="worktime.day")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["worktime.day.set", "worktime.day.update", "worktime.day.delete"]
    update = AuditLog.objects.get(action="worktime.day.update")
    assert update.changes == {"date": ["2026-03-09", "2026-03-10"]}


def test_make_up_day_must_be_a_weekend(national, calendar_admin):
    with pytest.raises(InvalidInput) as exc:
        services.calendar_day_set(
            actor=calendar_admin, calendar=national, date=MONDAY, kind=DayKind.WORKDAY
        )
    assert exc.value.errors[0]["field"] == "kind"
    assert not AuditLog.objects.filter(action="worktime.day.set").exists()


def test_a_make_up_saturday_becomes_a_working_day(national, calendar_admin):
    saturday = dt.date(2026, 3, 7)
    assert facade.is_working_day(saturday) is False
    services.calendar_day_set(
        actor=calendar_admin, calendar=national, date=saturday, kind=DayKind.WORKDAY
    )
    assert facade.is_working_day(saturday) is True
    assert facade.add_working_days(sh(2026, 3, 6, 9), 1).deadline == sh(2026, 3, 7, 17, 30)


def test_editing_needs_the_manage_calendar_permission(national, case_handler):
    with pytest.raises(Forbidden):
        services.calendar_day_set(
            actor=case_handler, calendar=national, date=MONDAY, kind=DayKind.HOLIDAY
        )
    with pytest.raises(Forbidden):
        services.calendar_year_import(
            actor=case_handler, calendar=national, text="date,kind\n2027-01-01,holiday\n"
        )
    assert not CalendarDay.objects.filter(calendar=national, date=MONDAY).exists()


def test_platform_admins_hold_the_permission(calendar_admin):
    from yiwang.core.permissions import has_perm

    assert has_perm(calendar_admin, "worktime.manage_calendar")


def test_office_hours_change_moves_the_closing_time(national, calendar_admin):
    services.calendar_update(actor=calendar_admin, calendar=national, afternoon_end=dt.time(18))
    assert facade.add_working_days(sh(2026, 9, 29, 9), 1).deadline == sh(2026, 9, 30, 18)
    assert facade.add_working_hours(sh(2026, 9, 29, 17, 30), 1).deadline == sh(2026, 9, 30, 9)
    entry = AuditLog.objects.get(action="worktime.calendar.update")
    assert entry.changes == {"afternoon_end": ["17:30:00", "18:00:00"]}


def test_office_hours_must_be_ordered(national, calendar_admin):
    with pytest.raises(InvalidInput):
        services.calendar_update(actor=calendar_admin, calendar=national, morning_end=dt.time(15))


def test_the_national_calendar_cannot_be_deleted(national, calendar_admin):
    with pytest.raises(Conflict):
        services.calendar_delete(actor=calendar_admin, calendar=national)


def test_a_new_calendar_covers_nothing_until_data_arrives(calendar_admin):
    special = services.calendar_create(
        actor=calendar_admin,
        code="HQ-PORT",
        name="口岸 24h",
        morning_start=dt.time(9),
    )
    result = facade.add_working_days(sh(2026, 9, 30, 16, 20), 1, calendar="HQ-PORT")
    assert result.deadline == sh(2026, 10, 1, 17, 30)  # Monday–Friday only
    assert result.warnings
    services.calendar_year_declare(actor=calendar_admin, calendar=special, year=2026)
    assert facade.add_working_days(sh(2026, 9, 30, 16, 20), 1, "HQ-PORT").warnings == ()
    record = CalendarYear.objects.get(calendar=special, year=2026)
    assert record.source == YearSource.MANUAL
    services.calendar_year_withdraw(actor=calendar_admin, record=record)
    assert facade.add_working_days(sh(2026, 9, 30, 16, 20), 1, "HQ-PORT").warnings
    assert (
        AuditLog.objects.filter(
            action__in=[
                "worktime.calendar.create",
                "worktime.year.declare",
                "worktime.year.withdraw",
            ]
        ).count()
        == 3
    )
    with pytest.raises(InvalidInput) as exc:
        services.calendar_create(actor=calendar_admin, code="HQ-PORT", name="again")
    assert exc.value.errors[0]["field"] == "code"


def test_other_processes_notice_a_change_through_the_version(national):
    engine = registry.get_engine("CN")
    # another process edits the calendar: only the database changes
    CalendarDay.objects.create(calendar=national, date=MONDAY, kind=DayKind.HOLIDAY)
    Calendar.objects.filter(pk=national.pk).update(version=national.version + 1)
    # this process learns about it at the next version check (at most VERSION_CHECK_SECONDS)
    registry.expire_version_check()
    assert registry.get_engine("CN") is not engine
    assert friday_plus_one() == sh(2026, 3, 10, 17, 30)


def test_system_actor_is_audited_as_system(national):
    services.calendar_day_set(actor=None, calendar=national, date=MONDAY, kind=DayKind.HOLIDAY)
    assert AuditLog.objects.get(action="worktime.day.set").actor_label == "system"


def test_a_ticker_thread_schedules_the_version_checks(national):
    import threading
    import time

    registry.expire_version_check()
    registry.get_engine("CN")  # the version check starts the ticker
    names = [t.name for t in threading.enumerate() if t.is_alive()]
    assert "worktime-version-ticker" in names
    # The ticker raises the flag again within one period (polled: the tick may come at any time,
    # even between the check above and this line, so "due is False now" would be a race).
    registry.STATE.due = False
    deadline = time.monotonic() + 3 * registry.VERSION_CHECK_SECONDS
    while not registry.STATE.due and time.monotonic() < deadline:
        time.sleep(0.05)
    assert registry.STATE.due
