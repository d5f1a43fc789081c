"""Seed the national calendar ``CN`` from the chinese-calendar package.

Every year the installed package covers (1.11.0: 2004–2026) gets its holidays and make-up working
days (调休上班) as ``CalendarDay`` rows and a ``CalendarYear`` row with source ``seed``. Later years
are imported with ``yiwang worktime import`` once the State Council publishes them.
"""

from django.db import migrations

CODE = "CN"


def seed(apps, schema_editor):
    import chinese_calendar

    Calendar = apps.get_model("worktime", "Calendar")
    CalendarDay = apps.get_model("worktime", "CalendarDay")
    CalendarYear = apps.get_model("worktime", "CalendarYear")

    calendar, _ = Calendar.objects.get_or_create(
        code=CODE, defaults={"name": "全国法定节假日 (National)", "time_zone": "Asia/Shanghai"}
    )
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    existing = set(CalendarDay.objects.filter(calendar=calendar).values_list("date", flat=True))
    rows = []
    for day, name in sorted(chinese_calendar.holidays.items()):
        if day not in existing:
            rows.append(CalendarDay(calendar=calendar, date=day, kind="holiday", note=str(name)[:100]))
    for day, name in sorted(chinese_calendar.workdays.items()):
        if day not in existing:
            rows.append(CalendarDay(calendar=calendar, date=day, kind="workday", note=str(name)[:100]))
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    version = getattr(chinese_calendar, "__version__", "")
    for year in years:
        CalendarYear.objects.get_or_create(
            calendar=calendar,
            year=year,
            defaults={"source": "seed", "note": f"chinese-calendar {version}".strip()},
        )


def unseed(apps, schema_editor):
    apps.get_model("worktime", "Calendar").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):

    dependencies = [("worktime", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
