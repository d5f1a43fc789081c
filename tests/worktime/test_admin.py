"""Admin pages: only calendar managers get in, and every save is the audited service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yiwang.core.models import AuditLog
from yiwang.worktime import facade
from yiwang.worktime.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize("model", ["calendar", "calendarday", "calendaryear"])
def test_changelists_open_for_calendar_managers(admin_client_for, calendar_admin, model):
    response = admin_client_for(calendar_admin).get(reverse(f"admin:worktime_{model}_changelist"))
    assert response.status_code == 200


def test_other_staff_are_kept_out(admin_client_for, case_handler):
    case_handler.is_staff = True  # even with admin-site access
    case_handler.save(update_fields=["is_staff"])
    response = admin_client_for(case_handler).get(reverse("admin:worktime_calendarday_changelist"))
    assert response.status_code == 403


def test_adding_a_day_in_the_admin_is_audited(admin_client_for, calendar_admin, national):
    client = admin_client_for(calendar_admin)
    response = client.post(
        reverse("admin:worktime_calendarday_add"),
        {"calendar": national.pk, "date": "2026-03-02", "kind": "holiday", "note": "台风"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert CalendarDay.objects.filter(calendar=national, date=dt.date(2026, 3, 2)).exists()
    assert AuditLog.objects.get(action="worktime.day.set").actor == calendar_admin
    assert facade.is_working_day(dt.date(2026, 3, 2)) is False


def test_admin_form_refuses_a_weekday_make_up_day(admin_client_for, calendar_admin, national):
    response = admin_client_for(calendar_admin).post(
        reverse("admin:worktime_calendarday_add"),
        {"calendar": national.pk, "date": "2026-03-02", "kind": "workday", "note": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Saturday or Sunday" in response.content.decode()
    assert not AuditLog.objects.filter(action="worktime.day.set").exists()


def test_import_page(admin_client_for, calendar_admin, national):
    client = admin_client_for(calendar_admin)
    url = reverse("admin:worktime_calendar_import", args=[national.pk])
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("2027.csv", b"date,kind\n2027-01-01,holiday\n2027-02-30,holiday\n")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert "line 3:" in response.content.decode()
    good = SimpleUploadedFile("2027.csv", "date,kind,note\n2027-01-01,holiday,元旦\n".encode())
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(calendar=national, year=2027).exists()
    assert AuditLog.objects.get(action="worktime.year.import").actor == calendar_admin


def test_change_and_add_pages(admin_client_for, calendar_admin, national):
    client = admin_client_for(calendar_admin)
    day = CalendarDay.objects.filter(calendar=national).first()
    for url in [
        reverse("admin:worktime_calendar_change", args=[national.pk]),
        reverse("admin:worktime_calendaryear_add"),
        reverse("admin:worktime_calendarday_change", args=[day.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_changing_office_hours_in_the_admin(admin_client_for, calendar_admin, national):
    client = admin_client_for(calendar_admin)
    response = client.post(
        reverse("admin:worktime_calendar_change", args=[national.pk]),
        {
            "name": national.name,
            "time_zone": "Asia/Shanghai",
            "morning_start": "09:00",
            "morning_end": "12:00",
            "afternoon_start": "14:00",
            "afternoon_end": "17:30",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    entry = AuditLog.objects.get(action="worktime.calendar.update")
    assert entry.changes == {"morning_start": ["08:30:00", "09:00:00"]}
    assert (
        facade.add_working_hours(
            dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), 1
        ).deadline.hour
        == 10
    )


@pytest.fixture(autouse=True)
def _english_pages(english_client):
    """These tests assert on the English source text of admin messages."""
